"""The shared cattrs converter drivers copy: Decimal, aware datetimes, enums, bools."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import attrs
import cattrs
import pytest

from smsbridge import DeliveryState, ValidationError
from smsbridge.converter import make_converter, shared_converter


@attrs.frozen(kw_only=True)
class Row:
    price: Decimal
    sent: datetime
    validity: timedelta
    state: DeliveryState
    final: bool


def test_payloads_structure_leniently() -> None:
    row = make_converter().structure(
        {"price": "0,50", "sent": "2026-11-22T10:00:00Z", "validity": 600,
         "state": "no-such-state", "final": "yes", "extra": "ignored"}, Row)
    assert row == Row(price=Decimal("0.50"), sent=datetime(2026, 11, 22, 10, tzinfo=timezone.utc),
                      validity=timedelta(minutes=10), state=DeliveryState.UNKNOWN, final=True)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(cattrs.ClassValidationError) as caught:
        make_converter().structure({"price": 1, "sent": "2026-11-22T10:00:00", "validity": 1,
                                    "state": "sent", "final": 0}, Row)
    assert any(isinstance(e, ValidationError) for e in caught.value.exceptions)


def test_unstructure_round_trips_money_and_times() -> None:
    converter = make_converter()
    bishkek = timezone(timedelta(hours=6))
    row = Row(price=Decimal("0.50"), sent=datetime(2026, 1, 1, 6, tzinfo=bishkek),
              validity=timedelta(hours=1), state=DeliveryState.SENT, final=False)
    data = converter.unstructure(row)
    assert data == {"price": "0.50", "sent": "2026-01-01T00:00:00+00:00", "validity": 3600.0,
                    "state": "sent", "final": False}
    assert converter.structure(data, Row) == row


def test_the_shared_converter_is_strict_about_extra_keys() -> None:
    with pytest.raises(cattrs.ClassValidationError):
        shared_converter().structure({"price": 1, "sent": "2026-01-01T00:00:00Z",
                                      "validity": 1, "state": "sent", "final": 0,
                                      "extra": 1}, Row)
    assert make_converter() is not make_converter()
