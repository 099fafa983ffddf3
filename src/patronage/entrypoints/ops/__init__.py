"""Entry point package: ops."""
