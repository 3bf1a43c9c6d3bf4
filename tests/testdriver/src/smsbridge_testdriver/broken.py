"""A driver module whose import fails, as a driver with a missing dependency would."""

from __future__ import annotations

import smsbridge_testdriver_missing_dependency  # type: ignore[import-not-found]  # noqa: F401

BrokenDriver = None
