"""`python -m aisher` runs the command-line interface."""

from aisher.cli import main

raise SystemExit(main())
