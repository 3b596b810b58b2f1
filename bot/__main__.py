"""The program's entry for `python -m bot` (the shared scorer runs `python -m bot ask --json`): not part of the
layered code, it only hands over to the composition root, briefbot.cli (import-linter lists this one exception)."""
from briefbot.cli import main

raise SystemExit(main())
