"""smsbridge driver for Stream Telecom (gateway.api.sc/rest)."""

from __future__ import annotations

from importlib import metadata

from smsbridge_stream.driver import StreamDriver
from smsbridge_stream.errors import PROVIDER_ERRORS, STATES
from smsbridge_stream.settings import StreamSettings

__version__ = metadata.version("smsbridge-stream")

__all__ = ["PROVIDER_ERRORS", "STATES", "StreamDriver", "StreamSettings", "__version__"]
