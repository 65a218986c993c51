"""Entry point of ``python -m andersonwl``: run the command-line interface."""

import sys

from .cli import main

sys.exit(main())
