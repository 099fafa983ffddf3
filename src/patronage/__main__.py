"""`python -m patronage`: the same as the `patronage` command."""

from patronage.entrypoints.cli import main

main()
