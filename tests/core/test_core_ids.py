"""Random provider ids: alphabet, length, and every character equally likely."""

from __future__ import annotations

import re

import pytest

from smsbridge import ids


@pytest.mark.parametrize("length", [1, 12, 32, 300])
def test_new_reference_has_the_length_and_alphabet(length: int) -> None:
    assert re.fullmatch(f"[0-9a-z]{{{length}}}", ids.new_reference(length))


def test_new_reference_of_length_zero_is_empty() -> None:
    assert ids.new_reference(0) == ""


def test_new_references_differ() -> None:
    assert len({ids.new_reference(12) for _ in range(1000)}) == 1000


def test_bytes_map_to_the_alphabet_modulo_36(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = [bytes([0, 1, 10, 35, 36, 71, 251, 0, 0, 0, 0, 0, 0, 0, 0])]
    monkeypatch.setattr(ids.secrets, "token_bytes", lambda n: draws.pop(0)[:n])
    assert ids.new_reference(7) == "01az0zz"


def test_bytes_that_would_bias_the_choice_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # 252..255 would make "0".."3" likelier than the rest: they are skipped and more
    # bytes are drawn for the missing characters.
    draws = [bytes([252, 253, 254, 255, 5, 0, 0, 0, 0, 0, 0, 0]), bytes([7, 8, 11] + [0] * 9)]
    asked: list[int] = []

    def token_bytes(n: int) -> bytes:
        asked.append(n)
        return draws.pop(0)[:n]

    monkeypatch.setattr(ids.secrets, "token_bytes", token_bytes)
    assert ids.new_reference(4) == "5000"
    assert asked == [12]


def test_a_short_draw_is_completed(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = [bytes([252] * 8 + [1, 2]), bytes([3, 4] + [255] * 8)]
    asked: list[int] = []

    def token_bytes(n: int) -> bytes:
        asked.append(n)
        return draws.pop(0)

    monkeypatch.setattr(ids.secrets, "token_bytes", token_bytes)
    assert ids.new_reference(4) == "1234"
    assert asked == [12, 10]
