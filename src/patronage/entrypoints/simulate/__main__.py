"""`python -m patronage.entrypoints.simulate FILE...`, until the CLI wires the command."""

import sys

from patronage.entrypoints.simulate import simulate

sys.exit(simulate(sys.argv[1:]))
