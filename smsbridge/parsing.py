"""Tolerant parsers for the value formats providers share.

Each returns None for an empty value and raises ``ValueError`` for a value it cannot
read; drivers turn that into :class:`~smsbridge.errors.InvalidResponse`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_DIGITS",
    "as_count",
    "as_int",
    "as_str",
    "format_utc",
    "format_wall_clock",
    "parse_amount",
    "parse_bool",
    "parse_decimal",
    "parse_local_datetime",
    "whole_minutes",
]

#: Most digits of an integer or of the whole part of an amount a provider may send.
MAX_DIGITS = 30
#: Longest text read as a number.
MAX_NUMBER_TEXT = 64
_INTEGER = re.compile(r"^[-+]?[0-9]+$")
# At most MAX_DIGITS digits before the point: finite and in range as it stands.
_PLAIN_MONEY = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_DIGITS}}})?\Z")
_MONEY = re.compile(r"^([-+]?\d+(?:[.,]\d+)?)(?:[A-Za-z]{3})?$")
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "off", "n", "f", ""})


def as_str(value: Any) -> str | None:
    """Return a stripped string for a string or number; None for None or blank."""
    if type(value) is str:  # the usual case first
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (str, int, Decimal)):
        text = str(value).strip()
        return text or None
    if isinstance(value, float):
        return repr(value)
    raise ValueError(f"expected a scalar, got {type(value).__name__}")


def as_int(value: Any) -> int | None:
    """Read an integer given as a number or a string (``"0"``, ``0``, ``" 12 "``, ``"1e3"``).

    Numbers of more than :data:`MAX_DIGITS` digits are refused: no provider count, code
    or id-as-number is that long, and converting ``"1e9999999"`` would take minutes.
    """
    if type(value) is str and len(value) <= MAX_DIGITS and value.isascii() and value.isdigit():
        return int(value)  # the usual "0" or "12", read in one step
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    if value is None:
        return None
    if isinstance(value, int):
        return _bounded(value, value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return _bounded(int(value), value)
    text = as_str(value)
    if text is None:
        return None
    if len(text) <= MAX_DIGITS + 1 and _INTEGER.match(text):
        return int(text)
    number = _finite_decimal(text, value)
    if number.adjusted() >= MAX_DIGITS:
        raise ValueError(f"number out of range: {_preview(value)}")
    if number != number.to_integral_value():
        raise ValueError(f"expected an integer, got {_preview(value)}")
    return int(number)


def _bounded(number: int, original: Any) -> int:
    if abs(number) >= 10**MAX_DIGITS:
        raise ValueError(f"number out of range: {_preview(original)}")
    return number


def _preview(value: Any) -> str:
    """A provider value for an error message, cut short (it may be megabytes)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _finite_decimal(text: str, original: Any) -> Decimal:
    """A finite Decimal of at most MAX_DIGITS significant digits, from a short text."""
    if len(text) > MAX_NUMBER_TEXT:
        raise ValueError(f"not a number: {_preview(original)}")
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise ValueError(f"not a number: {_preview(original)}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {_preview(original)}")
    return number


def parse_decimal(value: Any) -> Decimal | None:
    """Read money given as a number or a string; ``"1 234,50"`` and ``"12.3 RUB"`` too.

    NaN, infinities and numbers with more than :data:`MAX_DIGITS` digits before the
    point are refused: they are never an amount of money.
    """
    if type(value) is str and _PLAIN_MONEY.match(value):
        return Decimal(value)  # the usual "0.02", read in one step
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if value is None:
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(_bounded(value, value))
    elif isinstance(value, float):
        number = _finite_decimal(repr(value), value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        match = _MONEY.match(text) if len(text) <= MAX_NUMBER_TEXT else None
        if not match:
            raise ValueError(f"not a number: {_preview(value)}")
        number = Decimal(match.group(1).replace(",", "."))
    else:
        raise ValueError(f"not a number: {_preview(value)}")
    if not number.is_finite() or number.adjusted() >= MAX_DIGITS:
        raise ValueError(f"not a finite amount: {_preview(value)}")
    return number


def parse_amount(value: Any) -> Decimal | None:
    """Read a price or a cost: like :func:`parse_decimal`, but never negative."""
    number = parse_decimal(value)
    if number is not None and number < 0:
        raise ValueError(f"a negative price: {_preview(value)}")
    return number


def as_count(value: Any) -> int | None:
    """Read a count of messages or parts: like :func:`as_int`, but never negative."""
    number = as_int(value)
    if number is not None and number < 0:
        raise ValueError(f"a negative count: {_preview(value)}")
    return number


def parse_bool(value: Any) -> bool:
    """Read a boolean from a bool, 0/1 or words such as ``"true"``/``"no"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"not a boolean: {value!r}")


def parse_local_datetime(value: Any, fmt: str, zone: tzinfo) -> datetime | None:
    """Read a provider-local time string in ``fmt`` and return it as aware UTC."""
    text = as_str(value)
    if text is None:
        return None
    parsed = datetime.strptime(text, fmt)
    return parsed.replace(tzinfo=zone).astimezone(timezone.utc)


ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"


def format_utc(value: datetime, fmt: str = ISO_SECONDS) -> str:
    """An aware datetime in UTC, formatted for a provider (``2013-08-30T19:00:00``)."""
    return value.astimezone(timezone.utc).strftime(fmt)


def format_wall_clock(value: datetime, fmt: str = ISO_SECONDS) -> str:
    """The wall-clock reading of a datetime with its offset dropped.

    For "deliver at this local time in the recipient's zone" sends: 09:00+03:00 is "09:00".
    """
    return value.strftime(fmt)


def whole_minutes(duration: timedelta) -> int:
    """A duration as whole minutes, rounded down (the providers' validity unit)."""
    return int(duration.total_seconds()) // 60
