"""Provider JSON: nesting is bounded without recursing, brackets inside strings do not count."""

from __future__ import annotations

from typing import Any

import pytest

from smsbridge import jsonutil


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"text": "[[[[{{{{" , "n": 1}', {"text": "[[[[{{{{", "n": 1}),
    (b'{"text": "a \\" ]]]] \\\\", "n": [1, {"b": "}"}]}',
     {"text": 'a " ]]]] \\', "n": [1, {"b": "}"}]}),
    (b'"\\\\\\"["', '\\"['),
    ("{\"Desc\": \"Ошибка [3]\"}".encode(), {"Desc": "Ошибка [3]"}),
    (b"12", 12),
])
def test_answers_within_the_bounds_are_read(body: bytes, expected: Any) -> None:
    assert jsonutil.loads(body) == expected


def test_thirty_two_levels_are_read() -> None:
    value = jsonutil.loads(b"[" * 32 + b"]" * 32)
    for _ in range(31):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == []


@pytest.mark.parametrize("body", [
    b"[" * 33 + b"]" * 33,
    b'{"a":' * 33 + b"1" + b"}" * 33,
    b"[" + b"[[]]" * 1000 + b"[" * 40 + b"]" * 40 + b"]",
    b"[" * 5000 + b"]" * 5000,
])
def test_deeper_nesting_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        jsonutil.loads(body)


@pytest.mark.parametrize("body", [b"[" * 5000, b"[1, 2]]", b'{"a": [1}'])
def test_unbalanced_brackets_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        jsonutil.loads(body)
