"""`python -m briefbot`: the command line (the same as the `briefbot` console script)."""
import sys

from briefbot.cli import main

sys.exit(main())
