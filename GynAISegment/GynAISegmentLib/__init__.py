"""Qt-free helpers of the GynAISegment module."""
