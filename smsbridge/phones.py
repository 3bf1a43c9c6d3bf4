"""Phone number normalization, done before any request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from smsbridge.errors import ValidationError

__all__ = ["normalize_many", "normalize_msisdn"]

_SEPARATORS = re.compile(r"[\s\-().\u00a0]")
MIN_DIGITS = 7
MAX_DIGITS = 15  # E.164
# Longest text read as a number: digits plus generous separators.
_MAX_TEXT = 64


def normalize_msisdn(number: str | int) -> str:
    """Return a phone number as international digits only.

    Accepts ``"+996 550 123-456"``, ``"(996) 550123456"``, ``"00996550123456"`` and
    integers; raises :class:`ValidationError` for anything that is not 7 to 15 digits.
    """
    if isinstance(number, bool) or not isinstance(number, (str, int)):
        raise ValidationError(f"phone number must be a string, got {type(number).__name__}",
                              field="to")
    if isinstance(number, int) and not 0 < number < 10**MAX_DIGITS:
        raise ValidationError("invalid phone number: a number given as an integer must be "
                              "positive, with at most 15 digits", field="to")
    if isinstance(number, str) and len(number) > _MAX_TEXT:
        raise ValidationError(f"invalid phone number: {len(number)} characters long",
                              field="to")
    text = _SEPARATORS.sub("", str(number))
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    if not text.isascii() or not text.isdigit():
        raise ValidationError(f"invalid phone number {number!r}: only digits, spaces, "
                              "dashes, brackets and a leading + are allowed", field="to")
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS:
        raise ValidationError(f"invalid phone number {number!r}: expected {MIN_DIGITS} to "
                              f"{MAX_DIGITS} digits in international format", field="to")
    return text


def normalize_many(numbers: str | int | Iterable[str | int]) -> Iterator[str]:
    """Normalize one number or lazily each number of an iterable."""
    if isinstance(numbers, (str, int)):
        yield normalize_msisdn(numbers)
        return
    if numbers is None or isinstance(numbers, (bytes, Mapping)) or not isinstance(
            numbers, Iterable):
        raise ValidationError(f"expected a phone number or an iterable of them, got "
                              f"{type(numbers).__name__}", field="to")
    for number in numbers:
        yield normalize_msisdn(number)
