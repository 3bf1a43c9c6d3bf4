"""The public names are a contract: pin them."""

from __future__ import annotations

import smsbridge
import smsbridge.errors
import smsbridge.models

PUBLIC = {
    "AuthError", "Balance", "BaseSettings", "Client", "ConfigError", "DeliveryState",
    "DeliveryUnknown", "Driver", "DriverError", "DriverInfo", "DriverNotFound",
    "DuplicateMessage", "HlrResult", "HlrStatus", "IncomingMessage", "InsufficientFunds",
    "InvalidRecipient", "InvalidResponse", "InvalidSender", "Lookup", "Message", "NotFound",
    "NotSupported", "Price", "ProviderError", "RateLimited", "Segments", "SendResult",
    "SentMessage", "SmsBridgeError", "Statistics", "StatusReport", "TransportError",
    "ValidationError", "WaitTimeout", "__version__", "available_drivers", "connect",
    "from_config", "from_env", "hookimpl", "hookspec", "normalize_number", "secret",
    "segments",
}


def test_all_is_pinned() -> None:
    assert set(smsbridge.__all__) == PUBLIC
    for name in smsbridge.__all__:
        assert getattr(smsbridge, name) is not None


def test_every_error_lives_under_one_root() -> None:
    for name in smsbridge.errors.__all__:
        obj = getattr(smsbridge.errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, smsbridge.SmsBridgeError), name


def test_error_hierarchy_of_the_spec() -> None:
    e = smsbridge
    assert issubclass(e.DeliveryUnknown, e.TransportError)
    assert issubclass(e.DriverNotFound, e.ConfigError)
    for sub in (e.AuthError, e.InsufficientFunds, e.InvalidRecipient, e.InvalidSender,
                e.DuplicateMessage, e.NotFound, e.RateLimited):
        assert issubclass(sub, e.ProviderError)
    assert issubclass(e.ValidationError, ValueError)


def test_models_are_re_exported() -> None:
    for name in smsbridge.models.__all__:
        assert getattr(smsbridge, name) is getattr(smsbridge.models, name)
