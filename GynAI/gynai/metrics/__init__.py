"""Quantification: pure functions over label images and geometry."""
