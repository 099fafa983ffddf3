"""Patronage: a customer loyalty and rewards engine."""

__version__ = "0.1.0"
