"""Inference package of the GynAI core library."""
