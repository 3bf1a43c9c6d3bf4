"""Stream Telecom error codes, report error texts and message states."""

from __future__ import annotations

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

__all__ = [
    "CODE_NAMES",
    "LOGIN_ERRORS",
    "PROVIDER_ERRORS",
    "REPORT_TEXT_ERRORS",
    "SESSION_EXPIRED_TEXT",
    "STATES",
]

#: REST error code -> the most specific smsbridge error (section 4.1 of the document).
PROVIDER_ERRORS: dict[int, type[ProviderError]] = {
    1: ProviderError,  # ArgumentCanNotBeNullOrEmpty (refined by its Desc, see api.py)
    2: ProviderError,  # InvalidArgument (refined by its Desc)
    3: AuthError,  # InvalidSessionID
    4: AuthError,  # UnauthorizedAccess (also "SessionID expired", HTTP 401)
    5: InsufficientFunds,  # NotEnoughCredits (HTTP 403, 402 seen too)
    6: ProviderError,  # InvalidOperation (refined by its Desc: "Invalid source address")
    7: AuthError,  # Forbidden
    8: ProviderError,  # GatewayError
    9: ProviderError,  # InternalServerError
    10: RateLimited,  # Flood SMS
}

#: The names the document gives the codes.
CODE_NAMES: dict[int, str] = {
    1: "ArgumentCanNotBeNullOrEmpty",
    2: "InvalidArgument",
    3: "InvalidSessionID",
    4: "UnauthorizedAccess",
    5: "NotEnoughCredits",
    6: "InvalidOperation",
    7: "Forbidden",
    8: "GatewayError",
    9: "InternalServerError",
    10: "Flood SMS",
}

#: At login every refusal about the request itself means the credentials were refused.
LOGIN_ERRORS: dict[int, type[ProviderError]] = {
    **PROVIDER_ERRORS,
    1: AuthError,
    2: AuthError,
    6: AuthError,
}

#: The text the detailed report endpoint answers for an expired session; it is read as
#: code 3 so the session is renewed like after any other expiry.
SESSION_EXPIRED_TEXT = "SessionID expired"

#: Error texts of ``Statistic/all_stat.php`` (section 3.3.8) -> smsbridge error.
#: "Report is not ready yet" is RateLimited: no class says "not yet" more precisely, and
#: RateLimited already means "the same request will work later".
REPORT_TEXT_ERRORS: dict[str, type[ProviderError]] = {
    "More than 2 reports at once are not allowed, make request later": RateLimited,
    "Bad Request": ProviderError,
    "Not correct format endTime": ProviderError,
    "Not correct format startTime": ProviderError,
    SESSION_EXPIRED_TEXT: AuthError,
    "Not correct length originator": InvalidSender,
    "Not correct length phone": InvalidRecipient,
    "Phone must be numeric": InvalidRecipient,
    "EndDateTime can not be null or empty\r\nParameter name: endDateTime": ProviderError,
    "StartDateTime can not be null or empty\r\nParameter name: startDateTime": ProviderError,
    "Id report not found": NotFound,
    "Report is not ready yet": RateLimited,
    "File not exist": NotFound,
}

#: ``State`` of ``State/`` -> DeliveryState (section 4.2); any other value is ``unknown``.
STATES: dict[int, DeliveryState] = {
    -1: DeliveryState.SENT,  # handed to the mobile network (intermediate)
    0: DeliveryState.DELIVERED,
    42: DeliveryState.UNDELIVERED,
    46: DeliveryState.EXPIRED,
}
