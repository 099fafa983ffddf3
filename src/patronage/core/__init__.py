"""The pure core: Patronage's rules. Standard library only; no clock, no database, no I/O.

Everything else (service layer, adapters, entry points) depends inward on this package.
"""
