"""Domain-randomised training data (the SynthSeg recipe): tissue scenes drawn from seeds, rendered with
random appearance and acquisition for every sample. See docs/training.md."""
