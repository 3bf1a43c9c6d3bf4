"""smsbridge: one synchronous API for regional SMS gateways.

    import smsbridge
    sms = smsbridge.connect("nikita", login="acme", password="s3cret", sender="ACME")
    result = sms.send("+996 550 123 456", "Your code is 1234")
    sms.status(result.ids[0]).state

Documentation: https://github.com/smsbridge/smsbridge/tree/main/docs (also in the source
distribution; ``importlib.metadata.metadata("smsbridge").get_all("Project-URL")`` lists
the project's addresses).
"""

from __future__ import annotations

from smsbridge.client import Client
from smsbridge.config import connect, from_config, from_env
from smsbridge.discovery import DriverInfo, available_drivers
from smsbridge.driver import Driver
from smsbridge.errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    DriverError,
    DriverNotFound,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    TransportError,
    ValidationError,
    WaitTimeout,
)
from smsbridge.hookspecs import hookimpl, hookspec
from smsbridge.models import (
    Balance,
    DeliveryState,
    HlrResult,
    HlrStatus,
    IncomingMessage,
    Lookup,
    Message,
    Price,
    Segments,
    SendResult,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.phones import normalize_number
from smsbridge.settings import BaseSettings, secret
from smsbridge.text import segments


def __getattr__(name: str) -> str:
    # The version lives in the package metadata only; read on demand (not at import).
    if name == "__version__":
        from smsbridge.driver import distribution_version

        return distribution_version("smsbridge") or "unknown"
    raise AttributeError(f"module 'smsbridge' has no attribute {name!r}")

__all__ = [
    "AuthError",
    "Balance",
    "BaseSettings",
    "Client",
    "ConfigError",
    "DeliveryState",
    "DeliveryUnknown",
    "Driver",
    "DriverError",
    "DriverInfo",
    "DriverNotFound",
    "DuplicateMessage",
    "HlrResult",
    "HlrStatus",
    "IncomingMessage",
    "InsufficientFunds",
    "InvalidRecipient",
    "InvalidResponse",
    "InvalidSender",
    "Lookup",
    "Message",
    "NotFound",
    "NotSupported",
    "Price",
    "ProviderError",
    "RateLimited",
    "Segments",
    "SendResult",
    "SentMessage",
    "SmsBridgeError",
    "Statistics",
    "StatusReport",
    "TransportError",
    "ValidationError",
    "WaitTimeout",
    "__version__",
    "available_drivers",
    "connect",
    "from_config",
    "from_env",
    "hookimpl",
    "hookspec",
    "normalize_number",
    "secret",
    "segments",
]
