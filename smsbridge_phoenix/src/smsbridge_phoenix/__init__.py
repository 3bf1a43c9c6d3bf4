"""smsbridge driver for Phoenix (ГП РОС «Феникс»), the SMS dispatch API.

    import smsbridge
    sms = smsbridge.connect("phoenix", token="...", base_url="http://10.128.1.50:7890")
    result = sms.send(["380711234567", "380719876543"], "Hello")
    sms.status(result.ids[0]).state
    sms.driver.address_books()
"""

from __future__ import annotations

from importlib import metadata

from smsbridge_phoenix.api import AddressBook, Contact
from smsbridge_phoenix.driver import PhoenixDriver
from smsbridge_phoenix.errors import DISPATCH_STATES, PROVIDER_ERRORS
from smsbridge_phoenix.settings import PhoenixSettings

__version__ = metadata.version("smsbridge-phoenix")

__all__ = [
    "DISPATCH_STATES",
    "PROVIDER_ERRORS",
    "AddressBook",
    "Contact",
    "PhoenixDriver",
    "PhoenixSettings",
    "__version__",
]
