"""smsbridge driver for SMSPRO Nikita (smspro.nikita.kg), a Kyrgyz SMS gateway.

    import smsbridge
    sms = smsbridge.connect("nikita", login="acme", password="s3cret", sender="ACME")
    sms.send("+996 550 123 456", "Your code is 1234")
"""

from __future__ import annotations

from importlib import metadata

from smsbridge_nikita.driver import NikitaDriver
from smsbridge_nikita.errors import PROVIDER_ERRORS, REPORT_STATES
from smsbridge_nikita.settings import NikitaSettings

__version__ = metadata.version("smsbridge-nikita")

__all__ = ["PROVIDER_ERRORS", "REPORT_STATES", "NikitaDriver", "NikitaSettings", "__version__"]
