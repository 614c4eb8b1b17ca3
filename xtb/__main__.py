"""`python -m xtb`: the same command as `xtb` (e.g. `python -m xtb run CONFIG`)."""

from xtb.cli import main

raise SystemExit(main())
