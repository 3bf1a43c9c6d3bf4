"""KetchUp Loyalty error codes and status words, each mapped once.

The document's code table (appendix 1) gives every module its own range: general
0-12, SMS 20-32, Viber 40-59, HLR 60-79, statistics 80-100. Its examples disagree in
places (HLR create answers 11 "Incorrect msisdn" and 13 "HLR already exists", HLR
lookup 10 "HLR not found", the statistics file 60 "Message_id do not exist"), so a
code is read within the module that answered it, and the description decides where
one module gives a code two meanings or where the code is not documented at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

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
from smsbridge.models import DeliveryState, HlrStatus
from smsbridge.parsing import as_int

if TYPE_CHECKING:
    from smsbridge.answers import Answer, Refine
    from smsbridge.errors import SmsBridgeError

__all__ = [
    "DUPLICATE_CODES",
    "EXAMPLE_ERRORS",
    "HLR_STATUSES",
    "MODULE_TABLES",
    "PROVIDER_ERRORS",
    "STATUS_STATES",
    "delivery_state",
    "error_class",
    "hlr_status",
    "module_error",
    "refusal",
]

#: Appendix 1 of the document: every code -> the most specific smsbridge error.
PROVIDER_ERRORS: dict[int, type[ProviderError]] = {
    # General (0-12). 0 means "no error" and is never raised.
    1: AuthError,  # wrong key
    2: ProviderError,  # not enough parameters
    3: AuthError,  # user blocked
    4: ProviderError,  # function not supported
    5: ProviderError,  # unknown error
    6: ProviderError,  # tariff grid does not exist
    7: ProviderError,  # wrong parameters
    8: InsufficientFunds,  # not enough money
    9: ProviderError,  # tariff grid inactive
    10: ProviderError,  # wrong send time
    11: RateLimited,  # too many messages being processed at once
    12: ProviderError,  # message packet too large
    # SMS (20-39)
    20: NotFound,  # SMS not found
    21: InvalidRecipient,  # wrong phone number
    22: ProviderError,  # external id missing
    23: DuplicateMessage,  # SMS with this id exists
    24: ProviderError,  # invalid request payload
    25: InvalidSender,  # invalid originator
    26: ProviderError,  # text empty or too long
    27: ProviderError,  # invalid external id
    28: ProviderError,  # invalid validity
    29: ProviderError,  # invalid task id
    30: NotFound,  # task not found
    31: InvalidRecipient,  # phone already in the send
    32: InvalidSender,  # sender not allowed
    # Viber (40-59)
    40: NotFound,  # Viber message not found
    41: InvalidRecipient,  # wrong phone number
    43: DuplicateMessage,  # Viber message with this id exists
    44: ProviderError,  # invalid request payload
    45: InvalidSender,  # sender not registered
    46: ProviderError,  # text empty or too long
    47: ProviderError,  # invalid external id
    48: ProviderError,  # invalid validity
    49: ProviderError,  # invalid Viber options
    51: InvalidRecipient,  # phone already in the send
    # HLR (60-79)
    60: NotFound,  # HLR not found
    61: InvalidRecipient,  # wrong phone number
    62: ProviderError,  # external id missing
    63: DuplicateMessage,  # HLR with this id exists
    64: ProviderError,  # invalid request payload
    65: ProviderError,  # invalid external id
    66: InvalidRecipient,  # phone already in the request
    # Statistics export request (80-89)
    80: ProviderError,  # invalid message_id (not numeric)
    81: ProviderError,  # invalid message_type
    82: ProviderError,  # invalid source_type
    83: ProviderError,  # invalid status
    84: ProviderError,  # invalid country_name
    85: ProviderError,  # invalid sl_clicks_comp
    86: ProviderError,  # invalid time frame
    # Statistics file (90-93)
    90: NotFound,  # file not found
    91: ProviderError,  # file not ready (report() waits for it)
    92: ProviderError,  # maximum count of exports reached: delete one first
    93: ProviderError,  # file is empty (report() reads it as no messages)
}

#: Codes the document's examples use with another meaning than the table, per module.
EXAMPLE_ERRORS: dict[str, dict[int, type[ProviderError]]] = {
    "sms": {11: InvalidRecipient},  # {"error":"11","errorDescription":"Incorrect msisdn"}
    "viber": {11: InvalidRecipient},
    "hlr": {
        10: NotFound,  # "HLR not found"
        11: InvalidRecipient,  # "Incorrect msisdn"
        13: DuplicateMessage,  # "HLR already exists"
        14: ProviderError,  # "Incorrect payload: missing msisdn" (nothing created)
    },
    "stat": {60: NotFound},  # "Message_id do not exist"
}

_MODULE_RANGES = {
    "sms": range(20, 40),
    "viber": range(40, 60),
    "hlr": range(60, 80),
    "stat": range(80, 101),
}

#: Codes meaning "this reference exists already", per module.
DUPLICATE_CODES: dict[str, frozenset[int]] = {
    "sms": frozenset({23}),
    "viber": frozenset({43}),
    "hlr": frozenset({13, 63}),
}

# Read in order; the first pattern found in a description names the class.
_DESCRIPTIONS: tuple[tuple[re.Pattern[str], type[ProviderError]], ...] = (
    (re.compile(r"api.?key|\bkey\b|blocked|unauthori[sz]ed|forbidden", re.I), AuthError),
    (re.compile(r"money|funds|balance|credit", re.I), InsufficientFunds),
    (re.compile(r"already (exists|present)|duplicate", re.I), DuplicateMessage),
    (re.compile(r"not found|do(es)? not exist", re.I), NotFound),
    # "Incorrect payload: missing msisdn" is about the request, not the number.
    (re.compile(r"payload|parameter", re.I), ProviderError),
    (re.compile(r"msisdn|phone|recipient", re.I), InvalidRecipient),
    (re.compile(r"originator|sender|alpha.?name", re.I), InvalidSender),
    (re.compile(r"too many|maximum count of simultaneous|rate limit", re.I), RateLimited),
)


def _by_description(description: str | None) -> type[ProviderError] | None:
    if not description:
        return None
    for pattern, error_class in _DESCRIPTIONS:
        if pattern.search(description):
            return error_class
    return None


def error_class(module: str, code: int | None, description: str | None) -> type[ProviderError]:
    """The smsbridge error class for ``code`` answered by ``module`` (sms, viber, hlr, stat).

    The module's own range of the table is authoritative and so is a general code
    (0-12); a code the module's examples use with another meaning gives way to a
    description that says what it is; any other code is read from its description
    first.
    """
    by_text = _by_description(description)
    if code is None:
        return by_text or ProviderError
    own = _MODULE_RANGES.get(module)
    if own is not None and code in own and code in PROVIDER_ERRORS:
        return PROVIDER_ERRORS[code]
    examples = EXAMPLE_ERRORS.get(module, {})
    if code in examples:
        return by_text or examples[code]
    if code < 20 and code in PROVIDER_ERRORS:
        return PROVIDER_ERRORS[code]
    return by_text or PROVIDER_ERRORS.get(code) or ProviderError


def _table(module: str) -> dict[int, type[ProviderError]]:
    """The codes whose class, in ``module``'s answers, does not hang on the description."""
    own = _MODULE_RANGES.get(module, range(0))
    examples = EXAMPLE_ERRORS.get(module, {})
    return {code: cls for code, cls in PROVIDER_ERRORS.items()
            if code in own or (code < 20 and code not in examples)}


#: Per module (sms, viber, hlr, stat): the codes :func:`error_class` reads from the
#: table alone; the others are refined by :func:`error_class` itself.
MODULE_TABLES: dict[str, dict[int, type[ProviderError]]] = {
    module: _table(module) for module in _MODULE_RANGES}


def _refine(module: str) -> Refine:
    def refine(code: str | None, description: str | None) -> type[ProviderError]:
        return error_class(module, as_int(code), description)
    return refine


def module_error(answer: Answer, module: str, code: int | None,
                 description: str | None) -> SmsBridgeError:
    """The error a KetchUp ``code`` answered by ``module`` raises (a send's, settled)."""
    return answer.error(MODULE_TABLES.get(module, {}), code, description,
                        refine=_refine(module))


def refusal(answer: Answer, module: str, code: int | None,
            description: str | None) -> ProviderError:
    """What the provider says about one recipient or reference, as it says it.

    Not settled like a whole send's error: an item's own code (or "this reference
    exists") is the provider's decision about it, whatever became of earlier attempts.
    """
    error = attrs.evolve(answer, is_send=False).error(
        MODULE_TABLES.get(module, {}), code, description, refine=_refine(module))
    assert isinstance(error, ProviderError)  # a table maps codes to ProviderError classes
    return error


#: Status words of SMS and Viber messages (compared lowercased and stripped).
STATUS_STATES: dict[str, DeliveryState] = {
    "scheduled": DeliveryState.QUEUED,
    "moderation": DeliveryState.QUEUED,
    "accepted": DeliveryState.QUEUED,
    "sending": DeliveryState.QUEUED,
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "undelivered": DeliveryState.UNDELIVERED,
    "undeliverable": DeliveryState.UNDELIVERED,
    "failed": DeliveryState.UNDELIVERED,
    "not-viber-user": DeliveryState.UNDELIVERED,
    "expired": DeliveryState.EXPIRED,
    "rejected": DeliveryState.REJECTED,
    "unknown": DeliveryState.UNKNOWN,
}

#: HLR status words.
HLR_STATUSES: dict[str, HlrStatus] = {
    "sent": HlrStatus.SENT,
    "absent": HlrStatus.ABSENT,
    "active": HlrStatus.ACTIVE,
    "unknown": HlrStatus.UNKNOWN,
    "failed": HlrStatus.FAILED,
}


def delivery_state(word: str | None) -> DeliveryState:
    """Map a status word; an undocumented one is ``unknown``."""
    if word is None:
        return DeliveryState.UNKNOWN
    return STATUS_STATES.get(word.strip().lower(), DeliveryState.UNKNOWN)


def hlr_status(word: str | None) -> HlrStatus:
    """Map an HLR status word; an undocumented one is ``unknown``."""
    if word is None:
        return HlrStatus.UNKNOWN
    return HLR_STATUSES.get(word.strip().lower(), HlrStatus.UNKNOWN)
