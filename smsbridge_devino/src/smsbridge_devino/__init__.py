"""Devino Telecom driver for smsbridge.

    import smsbridge
    sms = smsbridge.connect("devino", login="acme", password="s3cret", sender="ACME")
    sms.send("+7 916 100-20-30", "Your code is 1234")
"""

from __future__ import annotations

from importlib import metadata

from smsbridge_devino.driver import DevinoDriver
from smsbridge_devino.errors import PROVIDER_ERRORS, STATES
from smsbridge_devino.settings import DevinoSettings

__version__ = metadata.version("smsbridge-devino")

__all__ = ["PROVIDER_ERRORS", "STATES", "DevinoDriver", "DevinoSettings", "__version__"]
