"""The service layer: use cases over a unit of work, reading one Clock per command."""
