"""smsbridge driver for Example SMS, the made-up provider of the driver guide.

    import smsbridge
    sms = smsbridge.connect("example", api_key="...")
    result = sms.send("996550123456", "Hello", sender="ACME", flash=True)
    sms.status(result.ids[0]).state
"""

from __future__ import annotations

from smsbridge_example.driver import ExampleDriver
from smsbridge_example.errors import MESSAGE_STATES, PROVIDER_ERRORS
from smsbridge_example.settings import ExampleSettings

__all__ = ["MESSAGE_STATES", "PROVIDER_ERRORS", "ExampleDriver", "ExampleSettings"]
