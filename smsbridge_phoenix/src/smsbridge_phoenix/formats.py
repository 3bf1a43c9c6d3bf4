"""The Phoenix formats: phone numbers, message and dispatch ids, dates, and the
document's limits on a message (no I/O).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo

from smsbridge.errors import ValidationError
from smsbridge.models import Message

__all__ = [
    "DATE_FORMAT",
    "MAX_TEXT_LENGTH",
    "check_limits",
    "dispatch_id_of",
    "format_date",
    "make_message_id",
    "parse_message_id",
    "text_length",
    "utc_now",
    "wire_phone",
]

#: The document's ``dd.MM.yyyy HH:mm:ss``.
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
#: ``message`` is 1 to 5000 characters (Java characters: UTF-16 code units).
MAX_TEXT_LENGTH = 5000

# The provider takes 38071xxxxxxx or 71xxxxxxx. The national forms people write
# (071xxxxxxx with the trunk 0, 8071xxxxxxx with the old long-distance 8) are turned
# into the full international form; everything else is refused before any request.
_PHONE_FORMS = (
    (re.compile(r"^38071\d{7}$"), ""),
    (re.compile(r"^8071\d{7}$"), "3"),
    (re.compile(r"^071\d{7}$"), "38"),
    (re.compile(r"^71\d{7}$"), "380"),
)
# A dispatch id is a 64-bit integer; longer digit strings are no id (and too long to
# convert); the phone is 7 to 15 digits.
_MESSAGE_ID = re.compile(r"^\s*([0-9]{1,18})(?::([0-9]{7,15}))?\s*$")


def wire_phone(number: str) -> str:
    """Return a phone (digits) in the provider's 38071xxxxxxx form.

    :raises ValidationError: when the number is not a Phoenix (071) number.
    """
    for pattern, prefix in _PHONE_FORMS:
        if pattern.match(number):
            return prefix + number
    raise ValidationError(
        f"invalid phone number {number!r}: Phoenix takes only its own numbers, "
        "38071xxxxxxx or 71xxxxxxx (071xxxxxxx and 8071xxxxxxx are converted)",
        field="to",
    )


def text_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as the provider's Java service counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_limits(message: Message, now: datetime) -> None:
    """Check one message against the document's limits.

    :raises ValidationError: naming the first problem.
    """
    if message.sender:
        raise ValidationError(
            "Phoenix dispatches go out under the account's own sender name; "
            "the API has no sender field, so sender must not be given", field="sender")
    if message.validity is not None:
        raise ValidationError("Phoenix dispatches have no validity period", field="validity")
    try:
        message.text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("text holds a lone surrogate, which UTF-8 (the API's "
                              "encoding) cannot carry", field="text") from None
    length = text_length(message.text)
    if length > MAX_TEXT_LENGTH:
        raise ValidationError(
            f"text is {length} characters long; Phoenix takes at most {MAX_TEXT_LENGTH}",
            field="text")
    if message.send_at is not None and message.send_at <= now:
        raise ValidationError(
            f"send_at {message.send_at.isoformat()} lies in the past; Phoenix refuses "
            "dispatches dated before now", field="send_at")


def format_date(when: datetime, zone: tzinfo) -> str:
    """Format an aware datetime as the provider's local ``dd.MM.yyyy HH:mm:ss``."""
    return when.astimezone(zone).strftime(DATE_FORMAT)


def make_message_id(dispatch_id: str, phone: str) -> str:
    """A recipient's message id: its dispatch id and its phone, ``"17:380711234567"``."""
    return f"{dispatch_id}:{phone}"


def parse_message_id(message_id: str) -> tuple[int, str | None]:
    """Split a message id into its dispatch id and phone (None for a bare dispatch id).

    :raises ValidationError: when the id is not one this driver issues.
    """
    match = _MESSAGE_ID.match(message_id) if isinstance(message_id, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ValidationError(
            f"not a Phoenix message id: {message_id!r}; expected a dispatch id such as "
            "'17' or '17:380711234567'", field="message_id")
    return int(match.group(1)), match.group(2)


def dispatch_id_of(dispatch: int | str) -> int:
    """The dispatch id of a dispatch id (int or str) or of a message id ``send`` returned.

    :raises ValidationError: when it is neither.
    """
    if isinstance(dispatch, bool) or not isinstance(dispatch, (int, str)):
        raise ValidationError(f"not a Phoenix dispatch id: {dispatch!r}", field="dispatch")
    if isinstance(dispatch, int):
        if not 1 <= dispatch < 10**18:
            raise ValidationError("a dispatch id is an integer from 1 to 10**18 - 1",
                                  field="dispatch")
        return dispatch
    return parse_message_id(dispatch)[0]


def utc_now() -> datetime:
    """The current aware time."""
    return datetime.now(timezone.utc)
