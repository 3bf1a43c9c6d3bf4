"""smsbridge driver for KetchUp Loyalty: SMS, Viber, HLR and statistics exports."""

from __future__ import annotations

from importlib import metadata

from smsbridge_ketchup.driver import KetchupDriver
from smsbridge_ketchup.errors import PROVIDER_ERRORS
from smsbridge_ketchup.settings import KetchupSettings

__version__ = metadata.version("smsbridge-ketchup")

__all__ = ["PROVIDER_ERRORS", "KetchupDriver", "KetchupSettings", "__version__"]
