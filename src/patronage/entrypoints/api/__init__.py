"""Entry point package: api."""
