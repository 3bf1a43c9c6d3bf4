"""Phoenix error codes and dispatch states, each mapped to its smsbridge meaning."""

from __future__ import annotations

from collections.abc import Mapping

from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge.models import DeliveryState

__all__ = ["DISPATCH_STATES", "HTTP_STATUS_ERRORS", "PROVIDER_ERRORS"]

#: The ``code`` of the document's ``{"code": ..., "message": ...}`` error bodies.
PROVIDER_ERRORS: Mapping[str, type[ProviderError]] = {
    # HTTP 404: the address book, dispatch or dispatch to cancel does not exist.
    "ADDRESS_BOOK_NOT_FOUND": NotFound,
    "DISPATCH_NOT_FOUND": NotFound,
    "DISPATCH_CANCEL_NOT_FOUND": NotFound,
    # HTTP 400: a phone is not 38071xxxxxxx or 71xxxxxxx.
    "INVALID_FORMAT": InvalidRecipient,
    # HTTP 400: dateSend lies in the past.
    "INVALID_DISPATCH_DATE": ProviderError,
    # HTTP 400: a request field is invalid (empty message, ...).
    "ARGUMENT_NOT_VALID": ProviderError,
    # HTTP 400: the dispatch's state allows no cancel / no run.
    "DISPATCH_CAN_NOT_BE_CANCELED": ProviderError,
    "DISPATCH_CAN_NOT_BE_RUN": ProviderError,
    # Not documented as an error code, only as a dispatch state; should the provider
    # ever answer a request with it, it means what the state means.
    "NOT_ENOUGH_MONEY": InsufficientFunds,
}

#: Answers without a documented code: the document says only that a blocked user
#: loses API access, and a bad token is refused; both come as HTTP 401/403.
HTTP_STATUS_ERRORS: Mapping[int, type[ProviderError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFound,
    429: RateLimited,
}

#: The ``status`` of a dispatch (GET /sms-api/dispatches/{id}).
DISPATCH_STATES: Mapping[str, DeliveryState] = {
    "IN_QUEUE": DeliveryState.QUEUED,
    "ACTIVE": DeliveryState.SENT,
    "DELIVERING": DeliveryState.SENT,
    "TARIFFING": DeliveryState.SENT,
    "CLOSED": DeliveryState.DELIVERED,
    "CANCELED": DeliveryState.CANCELED,
    "NOT_ENOUGH_MONEY": DeliveryState.REJECTED,
}
