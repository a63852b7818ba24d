"""Qt-free helpers of the GynAIReport module."""
