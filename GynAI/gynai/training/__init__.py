"""Training package of the GynAI core library."""
