"""`python -m tui`: the same as the `microgpt` command."""

from tui.cli import main

raise SystemExit(main())
