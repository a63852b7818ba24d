"""Reports: human-readable renderings of the metrics document."""
