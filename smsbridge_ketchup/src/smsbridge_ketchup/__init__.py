"""smsbridge driver for KetchUp Loyalty: SMS, Viber, HLR and statistics exports."""

from __future__ import annotations

from smsbridge_ketchup.driver import KetchupDriver
from smsbridge_ketchup.errors import PROVIDER_ERRORS
from smsbridge_ketchup.settings import KetchupSettings

__version__ = "0.1.0"

__all__ = ["PROVIDER_ERRORS", "KetchupDriver", "KetchupSettings", "__version__"]
