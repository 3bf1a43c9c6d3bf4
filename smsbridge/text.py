"""How a text splits into SMS parts (GSM 03.38 septets or UCS-2 code units)."""

from __future__ import annotations

import functools

from smsbridge.errors import ValidationError
from smsbridge.models import Segments

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "is_gsm7", "segments"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters sent as an escape plus a second septet: they count twice.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_SINGLE = {"gsm7": 160, "ucs2": 70}
_MULTI = {"gsm7": 153, "ucs2": 67}


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` exists in the GSM-7 alphabet."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _costs(text: str, encoding: str) -> list[int]:
    if encoding == "gsm7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    # UTF-16 code units: characters outside the BMP are surrogate pairs.
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> Segments:
    """Count the parts ``text`` is sent in.

    GSM-7 fits 160 septets in one SMS and 153 per part when concatenated (extension
    characters such as ``€`` or ``[`` take two); anything else goes as UCS-2, 70 code
    units in one SMS and 67 per part (characters outside the BMP take two). A
    two-unit character never straddles two parts.

    >>> segments("hello")
    Segments(encoding='gsm7', parts=1, length=5)
    >>> segments("Привет")
    Segments(encoding='ucs2', parts=1, length=6)
    """
    if not isinstance(text, str):
        raise ValidationError(f"text must be a string, got {type(text).__name__}", field="text")
    return _segments(text)


# A campaign counts the parts of one text for every recipient: count each text once.
@functools.lru_cache(maxsize=256)
def _segments(text: str) -> Segments:
    encoding = "gsm7" if is_gsm7(text) else "ucs2"
    costs = _costs(text, encoding)
    length = sum(costs)
    if length == 0:
        return Segments(encoding=encoding, parts=0, length=0)
    if length <= _SINGLE[encoding]:
        return Segments(encoding=encoding, parts=1, length=length)
    size = _MULTI[encoding]
    parts, used = 1, 0
    for cost in costs:
        if used + cost > size:
            parts += 1
            used = 0
        used += cost
    return Segments(encoding=encoding, parts=parts, length=length)
