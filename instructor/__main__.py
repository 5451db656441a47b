"""Command line: ``python -m instructor <command> ...`` (run from the course folder)."""

import sys

from .cli import main

sys.exit(main())
