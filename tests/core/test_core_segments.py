"""Segment counting against worked examples (GSM 03.38 and UCS-2)."""

from __future__ import annotations

import pytest

import smsbridge


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "length"),
    [
        ("", "gsm7", 0, 0),
        ("Hello", "gsm7", 1, 5),
        ("a" * 160, "gsm7", 1, 160),
        ("a" * 161, "gsm7", 2, 161),
        ("a" * 306, "gsm7", 2, 306),
        ("a" * 307, "gsm7", 3, 307),
        # Extension characters take two septets.
        ("€" * 80, "gsm7", 1, 160),
        ("€" * 81, "gsm7", 2, 162),
        ("[x]", "gsm7", 1, 5),
        # An escape pair never straddles two parts: 152 + 2 does not fit in 153.
        ("a" * 152 + "€" + "a" * 10, "gsm7", 2, 164),
        ("Привет", "ucs2", 1, 6),
        ("я" * 70, "ucs2", 1, 70),
        ("я" * 71, "ucs2", 2, 71),
        ("я" * 134, "ucs2", 2, 134),
        ("я" * 135, "ucs2", 3, 135),
        # One Cyrillic letter turns the whole text into UCS-2.
        ("a" * 69 + "ж", "ucs2", 1, 70),
        # Characters outside the BMP are two UTF-16 code units.
        ("😀" * 35, "ucs2", 1, 70),
        ("😀" * 36, "ucs2", 2, 72),
        ("a" * 66 + "😀", "ucs2", 1, 68),
        ("Your code: 1234 @ £5 ¿Ñ?", "gsm7", 1, 24),
    ],
)
def test_segments(text: str, encoding: str, parts: int, length: int) -> None:
    assert smsbridge.segments(text) == smsbridge.Segments(encoding=encoding, parts=parts,
                                                          length=length)


def test_surrogate_pair_never_straddles_parts() -> None:
    # 66 units then a pair: 68 > 67, so the pair starts part two.
    text = "a" * 66 + "😀" + "a" * 10
    assert smsbridge.segments(text).parts == 2
