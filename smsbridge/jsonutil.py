"""JSON for providers' answers: bounded nesting, bounded numbers, no NaN.

The standard library's decoder recurses once per nesting level (a 10 kB body of
``[[[[...`` raises RecursionError), turns ``1e999`` into infinity, accepts ``NaN`` and
``Infinity``, and reads a 100 000-digit integer slowly. Provider answers are shallow
and their numbers are short, so anything else is refused as malformed.
"""

from __future__ import annotations

import itertools
import json
import operator
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "loads"]

#: Deepest nesting of objects and arrays an answer may have.
MAX_DEPTH = 32
#: Longest number literal (digits, sign, point and exponent) an answer may hold.
MAX_NUMBER_LENGTH = 40

# Every byte but brackets and quotes goes; braces count as brackets (same nesting).
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))
# Opening bracket 2, closing 0: minus one, the step in depth.
_STEPS = bytes.maketrans(b"[]", b"\x02\x00")
#: Innermost-pair removals tried before measuring (answers are a few levels deep).
_ROUNDS = 4


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


def _check_depth(data: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH without recursing (brackets in strings skipped).

    Byte operations, so a big answer costs little: escaped backslashes and quotes go (a
    backslash only escapes inside a string), then every byte but brackets and quotes,
    then the strings. A few rounds of removing the innermost pairs empty a usual
    answer; what is left of a deeper one is measured in one pass.
    """
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    nesting = b"".join(unescaped.translate(_BRACKETS, _NOT_STRUCTURE).split(b'"')[::2])
    for _ in range(_ROUNDS):
        if not nesting:
            return
        inner = nesting.replace(b"[]", b"")
        if len(inner) == len(nesting):
            raise ValueError("unbalanced brackets")  # never valid JSON
        nesting = inner
    # Each round took one level off: what is left may be MAX_DEPTH - _ROUNDS deep.
    steps = map(operator.sub, nesting.translate(_STEPS), itertools.repeat(1))
    if max(itertools.accumulate(steps), default=0) > MAX_DEPTH - _ROUNDS:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")


def loads(data: str | bytes) -> Any:
    """Parse a provider's JSON text (bytes are read as UTF-8, a BOM is dropped).

    :raises ValueError: for malformed JSON, nesting deeper than :data:`MAX_DEPTH`,
        a number longer than :data:`MAX_NUMBER_LENGTH` characters or out of range, and
        ``NaN``/``Infinity``.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    _check_depth(raw)
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    return json.loads(text, parse_int=_int, parse_float=_float,
                      parse_constant=_refuse_constant)
