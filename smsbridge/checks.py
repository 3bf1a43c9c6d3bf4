"""Checks of a caller's input that hold for every driver, run before any request.

Each raises :class:`~smsbridge.errors.ValidationError` naming the argument; drivers add
their providers' own limits in their ``validate`` hook.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from smsbridge.errors import ValidationError

__all__ = [
    "MAX_CALLBACK_BYTES",
    "MAX_ID_LENGTH",
    "MAX_VALIDITY",
    "SEND_AT_TOLERANCE",
    "SenderRule",
    "as_validity",
    "check_aware",
    "check_callback_body",
    "check_id",
    "check_iterable",
    "check_local_time",
    "check_options",
    "check_period",
    "check_send_at",
    "check_sender",
    "check_text",
    "check_whole_minutes",
    "problem_with_id",
]

#: The longest validity any provider takes is days; a year is surely a mistake.
MAX_VALIDITY = timedelta(days=366)
#: The largest delivery-report body parse_callback reads (providers push a few kB).
MAX_CALLBACK_BYTES = 1024 * 1024
#: Datetimes a provider can be asked about: well inside what every driver can format
#: and shift by a day or a time zone.
_EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
#: Longest message id accepted (Devino joins up to 64 segment ids in one).
MAX_ID_LENGTH = 2048
# Control characters, and the Unicode line and paragraph separators: never in an id.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A letter or a digit of any script (what str.isalnum accepts, less the underscore).
_ALNUM = re.compile(r"[^\W_]")
# An id that passes every rule below at a glance: ASCII letters, digits and a little
# punctuation, starting with a letter or a digit.
_PLAIN_ID = re.compile(rf"[0-9A-Za-z][0-9A-Za-z.,:;#/+=_\-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
#: Option values the facade can compare and group by (a list is not one).
_SCALARS = (str, int, float, Decimal, bool, datetime, timedelta, Enum)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problem_with_id(value: Any) -> str | None:
    """Why ``value`` is not a usable message (or request) id, or None when it is.

    Ids are opaque, but every id names something: it has a letter or a digit, no control
    character and a sane length (a provider's or a caller's, the same rule).
    """
    if type(value) is str and _PLAIN_ID.match(value):
        return None  # the usual id, read in one step
    if not isinstance(value, str):
        return f"an id of type {type(value).__name__}"
    if not value.strip():
        return "an empty id"
    if len(value) > MAX_ID_LENGTH:
        return f"an id of {len(value)} characters"
    if _CONTROL.search(value):
        return f"control characters in the id {_shown(value)}"
    if not _ALNUM.search(value):
        return f"no letter or digit in the id {_shown(value)}"
    return None


def check_id(value: Any, field: str) -> str:
    """``value`` when it is a usable id (see :func:`problem_with_id`)."""
    problem = problem_with_id(value)
    if problem is not None:
        raise ValidationError(f"{field} must be an id that send() (or hlr()) returned, got "
                              f"{problem}", field=field)
    return str(value)


def check_text(text: Any, field: str = "text") -> None:
    """A message text: a non-blank string that UTF-8 can carry (no lone surrogate)."""
    if not isinstance(text, str):
        raise ValidationError(f"{field} must be a string, got {type(text).__name__}",
                              field=field)
    if not text.strip():
        raise ValidationError(f"{field} is empty", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"{field} holds a character no encoding can carry (a lone surrogate at "
            f"position {exc.start})", field=field) from None


def check_sender(sender: Any) -> None:
    """A sender, when given: a non-blank string."""
    if sender is None:
        return
    if not isinstance(sender, str):
        raise ValidationError(f"sender must be a string, got {type(sender).__name__} "
                              f"{_shown(sender)}", field="sender")
    if not sender.strip():
        raise ValidationError("sender is blank", field="sender")


@attrs.frozen
class SenderRule:
    """What a provider takes as a sender, declared by its driver (``sender_rule``).

    :ivar required: True when every send needs a sender (from ``send()`` or the setting).
    :ivar patterns: regular expressions; a sender is valid when one matches it whole
        (none: any non-blank sender).
    :ivar hint: what the provider takes, in words, for the error message.
    """

    required: bool = False
    patterns: tuple[str, ...] = ()
    hint: str = ""

    def check(self, sender: str | None) -> None:
        """Raise :class:`ValidationError` when ``sender`` breaks the rule."""
        if not sender:
            if self.required:
                raise ValidationError(
                    f"a sender is needed ({self.hint}): pass sender= or set the 'sender' "
                    "setting", field="sender")
            return
        if self.patterns and not any(p.fullmatch(sender) for p in _compiled(self.patterns)):
            raise ValidationError(f"invalid sender {sender!r}: {self.hint}", field="sender")


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def check_whole_minutes(validity: timedelta | None, provider: str,
                        most: int | None = None) -> None:
    """A validity the provider takes in whole minutes: at least one, at most ``most``."""
    if validity is None:
        return
    seconds = validity.total_seconds()
    if seconds % 60 or seconds < 60:
        raise ValidationError(f"{provider} takes validity in whole minutes (at least one), "
                              f"got {validity}", field="validity")
    if most is not None and seconds // 60 > most:
        raise ValidationError(f"validity {validity} is too long for {provider}",
                              field="validity")


def check_local_time(options: Mapping[str, Any], send_at: datetime | None) -> None:
    """The ``local_time`` send option: a flag, and only with ``send_at`` (whose wall-clock
    time is when each recipient gets the message in their own time zone)."""
    local = options.get("local_time", False)
    if not isinstance(local, bool):
        raise ValidationError("local_time must be True or False", field="local_time")
    if local and send_at is None:
        raise ValidationError(
            "local_time=True needs send_at: its wall-clock time is when each recipient "
            "gets the message in their own time zone", field="send_at")


def as_validity(value: Any) -> timedelta | None:
    """A validity period from a timedelta or a number of seconds, positive and sane."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (timedelta, int, float)):
        raise ValidationError("validity must be a timedelta or a number of seconds",
                              field="validity")
    if isinstance(value, timedelta):
        validity = value
    elif not math.isfinite(value) or not 0 < value <= MAX_VALIDITY.total_seconds():
        raise ValidationError(f"validity must be a positive number of seconds up to "
                              f"{MAX_VALIDITY.days} days, got {_shown(value)}",
                              field="validity")
    else:
        validity = timedelta(seconds=value)
    if not timedelta(0) < validity <= MAX_VALIDITY:
        # In seconds: a negative timedelta prints as "-1 day, 23:59:55".
        raise ValidationError(f"validity must be positive and at most {MAX_VALIDITY.days} "
                              f"days, got {validity.total_seconds():g} seconds",
                              field="validity")
    return validity


def check_aware(value: Any, field: str) -> None:
    """A datetime, when given: timezone-aware and within the years providers handle."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ValidationError(f"{field} must be a datetime, got {type(value).__name__}",
                              field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{field} must be timezone-aware (a naive datetime is ambiguous)",
                              field=field)
    try:
        inside = _EARLIEST <= value.astimezone(timezone.utc) <= _LATEST
    except (OverflowError, ValueError):
        inside = False
    if not inside:
        raise ValidationError(f"{field} {value.isoformat()} is out of range (years 1900 to "
                              "9000)", field=field)


#: How far in the past ``send_at`` may be (clock skew between machines, a short queue
#: delay); providers send such a message at once. Earlier is a mistake, not "now".
SEND_AT_TOLERANCE = timedelta(minutes=5)


def check_send_at(value: Any) -> None:
    """A send time, when given: aware, in range, and not in the past."""
    check_aware(value, "send_at")
    if value is not None and value < datetime.now(timezone.utc) - SEND_AT_TOLERANCE:
        raise ValidationError(
            f"send_at {value.isoformat()} is in the past; leave send_at out to send now",
            field="send_at")


def check_period(start: Any, end: Any) -> None:
    """A period: two aware datetimes, the end after the start."""
    if start is None or end is None:
        raise ValidationError("a period needs both start and end", field="start")
    check_aware(start, "start")
    check_aware(end, "end")
    if end <= start:
        raise ValidationError("end must be after start", field="end")


def check_options(options: Mapping[str, Any]) -> None:
    """Driver options of a send: plain values (a number, a string, a flag, a date)."""
    for name, value in options.items():
        if value is not None and not isinstance(value, _SCALARS):
            raise ValidationError(
                f"option {name!r} must be a plain value (text, number, flag or date), got "
                f"{type(value).__name__}", field=name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"option {name!r} is not a finite number", field=name)


def check_iterable(value: Any, field: str) -> Iterable[Any]:
    """``value`` when it can be iterated (not None, not a mapping); else ValidationError."""
    if value is None or isinstance(value, (Mapping, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"{field} must be an iterable, got {type(value).__name__}",
                              field=field)
    return value


def check_callback_body(body: Any) -> bytes:
    """A pushed report's body as bytes, at most :data:`MAX_CALLBACK_BYTES` long."""
    if isinstance(body, str):
        if len(body) > MAX_CALLBACK_BYTES:
            raise ValidationError(f"a callback body of {len(body)} characters; reports are "
                                  f"at most {MAX_CALLBACK_BYTES} bytes", field="body")
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("body holds a lone surrogate", field="body") from None
    if not isinstance(body, bytes):
        raise ValidationError("body must be bytes or str", field="body")
    if len(body) > MAX_CALLBACK_BYTES:
        raise ValidationError(f"a callback body of {len(body)} bytes; reports are at most "
                              f"{MAX_CALLBACK_BYTES}", field="body")
    return body
