"""``python -m bot`` is the ``cx-assess`` command."""

from bot.cli import main

raise SystemExit(main())
