"""``python -m smsbridge``: the command line."""

from __future__ import annotations

from smsbridge.cli import main

raise SystemExit(main())
