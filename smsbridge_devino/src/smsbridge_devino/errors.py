"""Devino's error codes and message states, each in one table."""

from __future__ import annotations

import re
from collections.abc import Mapping

from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    InvalidSender,
    ProviderError,
)
from smsbridge.models import DeliveryState

__all__ = [
    "DESCRIPTION_HINTS",
    "PROVIDER_ERRORS",
    "STATES",
    "refine",
    "state_for",
]

#: REST error code (Table 11 of the document) -> smsbridge error class.
PROVIDER_ERRORS: Mapping[int, type[ProviderError]] = {
    1: ProviderError,  # 400 Argument cannot be null or empty
    2: ProviderError,  # 400 Invalid argument
    3: AuthError,  # 400 Invalid session id
    4: AuthError,  # 401 Unauthorized access (also "SessionID expired")
    5: InsufficientFunds,  # 403 Not enough credits
    6: ProviderError,  # 400 Invalid operation (e.g. "Invalid source address")
    7: AuthError,  # 403 Forbidden
    8: ProviderError,  # 500 Gateway error
    9: ProviderError,  # 500 Internal server error
}

#: The generic codes carry the real reason in their text ("Invalid source address" comes
#: with code 6, a wrong login with code 9 in some deployments): refine them by it.
DESCRIPTION_HINTS: tuple[tuple[re.Pattern[str], type[ProviderError]], ...] = (
    (re.compile(r"source\s*address|sender", re.IGNORECASE), InvalidSender),
    (re.compile(r"destination\s*address|recipient", re.IGNORECASE), InvalidRecipient),
    (re.compile(r"credit|balance|funds", re.IGNORECASE), InsufficientFunds),
    (re.compile(r"\blogin\b|password", re.IGNORECASE), AuthError),
)
_HINTED_CODES = frozenset({"1", "2", "6", "9"})

#: Message state code (Table 12) -> (DeliveryState, English description).
STATES: Mapping[int, tuple[DeliveryState, str]] = {
    -2: (DeliveryState.QUEUED, "queued"),
    -1: (DeliveryState.SENT, "sent (handed to the mobile network)"),
    0: (DeliveryState.DELIVERED, "delivered"),
    10: (DeliveryState.REJECTED, "invalid source address"),
    11: (DeliveryState.REJECTED, "invalid destination address"),
    41: (DeliveryState.REJECTED, "destination address not allowed"),
    42: (DeliveryState.REJECTED, "rejected by the SMS centre"),
    46: (DeliveryState.EXPIRED, "expired (validity period over)"),
    47: (DeliveryState.CANCELED, "deleted"),
    48: (DeliveryState.REJECTED, "rejected by the platform"),
    69: (DeliveryState.REJECTED, "rejected"),
    -98: (DeliveryState.CANCELED, "stopped"),
    99: (DeliveryState.UNKNOWN, "unknown"),
    255: (DeliveryState.UNKNOWN, "not yet recorded, or older than 48 hours"),
}


def state_for(code: int) -> DeliveryState:
    """The DeliveryState of a state code; an undocumented code is ``unknown``."""
    entry = STATES.get(code)
    return entry[0] if entry is not None else DeliveryState.UNKNOWN


def refine(code: str | None, description: str | None) -> type[ProviderError] | None:
    """A more specific class for a generic code, from what its description names."""
    if code in _HINTED_CODES and description:
        for pattern, error_class in DESCRIPTION_HINTS:
            if pattern.search(description):
                return error_class
    return None
