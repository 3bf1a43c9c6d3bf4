"""JSON for providers' answers: bounded nesting, bounded numbers, no NaN.

The standard library's decoder recurses once per nesting level (a 10 kB body of
``[[[[...`` raises RecursionError), turns ``1e999`` into infinity, accepts ``NaN`` and
``Infinity``, and reads a 100 000-digit integer slowly. Provider answers are shallow
and their numbers are short, so anything else is refused as malformed.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "loads"]

#: Deepest nesting of objects and arrays an answer may have.
MAX_DEPTH = 32
#: Longest number literal (digits, sign, point and exponent) an answer may hold.
MAX_NUMBER_LENGTH = 40

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a provider sends")


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a number of {len(text)} characters")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a number of {len(text)} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH without recursing (brackets in strings skipped)."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")


def loads(data: str | bytes) -> Any:
    """Parse a provider's JSON text (bytes are read as UTF-8, a BOM is dropped).

    :raises ValueError: for malformed JSON, nesting deeper than :data:`MAX_DEPTH`,
        a number longer than :data:`MAX_NUMBER_LENGTH` characters or out of range, and
        ``NaN``/``Infinity``.
    """
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    if "[" in text or "{" in text:
        _check_depth(text)
    return json.loads(text, parse_int=_int, parse_float=_float,
                      parse_constant=_refuse_constant)
