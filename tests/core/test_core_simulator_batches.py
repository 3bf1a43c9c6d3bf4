"""The simulator kit's many-item answers: each item answered in order, a refused one as an
error row of the answer rather than a refusal of the request."""

from __future__ import annotations

from typing import Any

import pytest

from smsbridge.testing.answers import Refusal, answer_each


def _error_row(number: str, refused: Refusal) -> dict[str, Any]:
    return {"to": number, "error": refused.code, "message": refused.description}


def test_each_item_is_answered_in_order_a_refused_one_as_an_error_row() -> None:
    accepted: list[str] = []

    def accept(number: str) -> dict[str, Any]:
        if not number.isdecimal():
            raise Refusal(11, "Incorrect msisdn")
        if number in accepted:
            raise Refusal(31, "Phone already present")
        accepted.append(number)
        return {"to": number, "id": f"m{len(accepted)}"}

    rows = answer_each(["380972000001", "38097x", "380972000002", "380972000001"], accept,
                       _error_row)
    assert rows == [{"to": "380972000001", "id": "m1"},
                    {"to": "38097x", "error": 11, "message": "Incorrect msisdn"},
                    {"to": "380972000002", "id": "m2"},
                    {"to": "380972000001", "error": 31, "message": "Phone already present"}]
    # What the answer did for the accepted items stays done.
    assert accepted == ["380972000001", "380972000002"]


def test_no_items_give_no_rows() -> None:
    assert answer_each([], lambda item: item, _error_row) == []


def test_anything_but_a_refusal_stops_the_batch() -> None:
    # A bug in a simulator must not become a row that looks like the provider's answer.
    def broken(number: str) -> dict[str, Any]:
        raise KeyError(number)

    with pytest.raises(KeyError):
        answer_each(["380972000001"], broken, _error_row)


def test_a_refused_row_may_use_the_refusals_own_fields() -> None:
    def accept(reference: str) -> dict[str, Any]:
        raise Refusal(63, "HLR already exists", id="22125")

    assert answer_each(["h1"], accept,
                       lambda reference, refused: {"reference": reference, "error": refused.code,
                                                   **refused.fields}) == [
        {"reference": "h1", "error": 63, "id": "22125"}]
