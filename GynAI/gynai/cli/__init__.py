"""Cli package of the GynAI core library."""
