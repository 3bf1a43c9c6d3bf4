"""Nikita's status codes: errors per endpoint and delivery-report codes.

Every endpoint answers ``<status>``; 0 is success and the other codes mean different
things per endpoint, so each endpoint has its own table. :data:`PROVIDER_ERRORS` is the
``message`` (send) table, the driver's ``error_table``.
"""

from __future__ import annotations

from collections.abc import Mapping

from smsbridge.errors import (
    AuthError,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge.models import DeliveryState

__all__ = [
    "DR_DESCRIPTIONS",
    "DR_ERRORS",
    "DR_NOT_FOUND",
    "INFO_DESCRIPTIONS",
    "INFO_ERRORS",
    "LOOKUP_DESCRIPTIONS",
    "LOOKUP_ERRORS",
    "PROVIDER_ERRORS",
    "REPORT_DESCRIPTIONS",
    "REPORT_STATES",
    "SEND_DESCRIPTIONS",
    "STATUS_BUSY",
    "STATUS_DUPLICATE",
    "STATUS_OK",
    "STATUS_TEST_MODE",
]

STATUS_OK = 0
#: ``message``: the gateway was too busy; repeat with the same id after 5-10 s.
STATUS_BUSY = 9
#: ``message``: a request with this id was already accepted.
STATUS_DUPLICATE = 10
#: ``dr``: no report for this id (and phone).
DR_NOT_FOUND = 4
#: ``message``: checked but neither sent nor charged, because ``<test>1</test>``.
STATUS_TEST_MODE = 11

#: ``/api/message`` status -> error class (11, test mode, is a success; see the driver).
PROVIDER_ERRORS: Mapping[int, type[ProviderError]] = {
    1: ProviderError,  # malformed request
    2: AuthError,  # wrong login or password
    3: AuthError,  # the caller's IP address is not allowed
    4: InsufficientFunds,
    5: InvalidSender,  # sender name not approved by the provider
    6: ProviderError,  # blocked by stop words
    7: InvalidRecipient,
    8: ProviderError,  # malformed send time
    9: RateLimited,  # too many concurrent requests
    10: DuplicateMessage,
}

SEND_DESCRIPTIONS: Mapping[int, str] = {
    1: "malformed request",
    2: "wrong login or password",
    3: "requests from this IP address are not allowed",
    4: "not enough money on the account for every part to every recipient",
    5: "sender name not approved by the provider",
    6: "message blocked by stop words",
    7: "one or more phone numbers are malformed",
    8: "malformed send time",
    9: "the gateway is busy (too many concurrent requests); repeat later with the same id",
    10: "a message with this id was already sent (repeated id)",
    11: "accepted in test mode: nothing sent, nothing charged",
}

#: ``/api/dr`` status -> error class.
DR_ERRORS: Mapping[int, type[ProviderError]] = {
    1: ProviderError,  # malformed request
    2: AuthError,
    3: AuthError,  # IP address not allowed
    4: NotFound,  # no report for this id and phone
    5: RateLimited,  # queue full of requests for the same id
}

DR_DESCRIPTIONS: Mapping[int, str] = {
    1: "malformed request",
    2: "wrong login or password",
    3: "requests from this IP address are not allowed",
    4: "no delivery report for this id and phone number",
    5: "too many queued requests for this id; wait for the previous answer",
}

#: ``/api/def`` status -> error class.
LOOKUP_ERRORS: Mapping[int, type[ProviderError]] = {
    1: ProviderError,  # malformed request
    2: AuthError,
    3: InvalidRecipient,  # malformed phone number
    4: NotFound,  # no data for this number
}

LOOKUP_DESCRIPTIONS: Mapping[int, str] = {
    1: "malformed request",
    2: "wrong login or password",
    3: "malformed phone number",
    4: "no data for this phone number",
}

#: ``/api/info`` status -> error class.
INFO_ERRORS: Mapping[int, type[ProviderError]] = {
    1: ProviderError,  # malformed request
    2: AuthError,
    3: AuthError,  # IP address not allowed
}

INFO_DESCRIPTIONS: Mapping[int, str] = {
    1: "malformed request",
    2: "wrong login or password",
    3: "requests from this IP address are not allowed",
}

#: Delivery-report code (``report``) -> :class:`DeliveryState`.
REPORT_STATES: Mapping[int, DeliveryState] = {
    0: DeliveryState.QUEUED,
    1: DeliveryState.SENT,
    2: DeliveryState.REJECTED,
    3: DeliveryState.DELIVERED,
    4: DeliveryState.UNDELIVERED,
    5: DeliveryState.REJECTED,
    6: DeliveryState.UNKNOWN,
    7: DeliveryState.EXPIRED,
}

REPORT_DESCRIPTIONS: Mapping[int, str] = {
    0: "queued for sending",
    1: "sent (handed to the operator)",
    2: "rejected (not handed to the operator, e.g. unknown network code)",
    3: "delivered",
    4: "not delivered",
    5: "not sent: not enough money on the account",
    6: "unknown (new) state",
    7: "no delivery report from the SMSC in time; processing stopped",
}
