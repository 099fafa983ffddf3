"""Entry point package: web."""
