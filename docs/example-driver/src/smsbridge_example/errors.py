"""Example SMS error codes and message states, each mapped to its smsbridge meaning."""

from __future__ import annotations

from collections.abc import Mapping

from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge.models import DeliveryState

__all__ = ["MESSAGE_STATES", "PROVIDER_ERRORS"]

#: The ``code`` of an ``{"error": {"code": ..., "message": ...}}`` answer.
PROVIDER_ERRORS: Mapping[str, type[ProviderError]] = {
    "unauthorized": AuthError,             # HTTP 401: no or a wrong API key
    "insufficient_funds": InsufficientFunds,  # HTTP 402
    "invalid_number": InvalidRecipient,    # HTTP 400, or one recipient of a send
    "invalid_sender": InvalidSender,       # HTTP 400: the sender is not approved
    "not_found": NotFound,                 # HTTP 404: no message with this id
    "rate_limited": RateLimited,           # HTTP 429, with Retry-After
    "invalid_request": ProviderError,      # HTTP 400: anything else wrong in the request
}

#: The ``status`` of a message (``GET /messages/{id}``).
MESSAGE_STATES: Mapping[str, DeliveryState] = {
    "queued": DeliveryState.QUEUED,
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "failed": DeliveryState.UNDELIVERED,
    "expired": DeliveryState.EXPIRED,
    "rejected": DeliveryState.REJECTED,
}
