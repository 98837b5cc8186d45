"""OURO toolkit: recursive multi-level scene annotation and self-bootstrapped VLM training."""

__version__ = "0.1.0"
