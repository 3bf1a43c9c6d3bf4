"""The shared cattrs converter drivers copy, and models as JSON-ready data (to_data)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import attrs
import cattrs
import pytest

from smsbridge import DeliveryState, ValidationError
from smsbridge.converter import (
    data_converter,
    error_fields,
    make_converter,
    shared_converter,
    to_data,
)
from smsbridge.errors import DeliveryUnknown, InvalidRecipient, NotSupported
from smsbridge.models import HlrStatus, SentMessage, StatusReport


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


def test_to_data_gives_json_ready_models_without_raw() -> None:
    sent = SentMessage(recipient="996550123456", message_id=None, parts=2,
                       price=Decimal("0.50"), currency="KGS", provider="nikita",
                       error=InvalidRecipient("number not served", provider="nikita", code=7,
                                              operation="send", http_status=200),
                       raw={"secret": "payload"})
    assert to_data(sent) == {
        "recipient": "996550123456", "message_id": None, "parts": 2, "price": "0.50",
        "currency": "KGS", "provider": "nikita", "reference": None,
        "error": {"type": "InvalidRecipient",
                  "message": "nikita/send: [7] number not served (HTTP 200)",
                  "provider": "nikita", "operation": "send", "code": "7",
                  "description": "number not served", "http_status": 200,
                  "delivery_unknown": False}}
    assert list(to_data(sent)) == ["recipient", "message_id", "parts", "price", "currency",
                                   "error", "provider", "reference"]


def test_to_data_keeps_offsets_and_turns_enums_durations_and_sets_into_plain_values() -> None:
    bishkek = timezone(timedelta(hours=6))
    report = StatusReport(message_id="m-1", state=DeliveryState.DELIVERED,
                          delivered_at=datetime(2026, 3, 1, 9, 30, tzinfo=bishkek), raw="x")
    data = to_data({"report": report, "validity": timedelta(minutes=10),
                    "hlr": [HlrStatus.ACTIVE], "tags": {"b", "a"}})
    assert data == {
        "report": {"message_id": "m-1", "state": "delivered", "recipient": None,
                   "provider_state": None, "description": None, "sent_at": None,
                   "delivered_at": "2026-03-01T09:30:00+06:00", "price": None,
                   "currency": None},
        "validity": 600.0, "hlr": ["active"], "tags": ["a", "b"]}
    assert type(data["report"]["state"]) is str
    assert type(make_converter().unstructure(DeliveryState.SENT)) is str


def test_errors_as_data_name_the_driver_and_say_when_delivery_is_unknown() -> None:
    assert error_fields(NotSupported("prices", "memory")) == {
        "type": "NotSupported", "message": "driver 'memory' does not support prices()",
        "provider": "memory", "operation": "prices", "code": None, "description": None,
        "http_status": None, "delivery_unknown": False}
    lost = to_data(DeliveryUnknown("answer lost", provider="nikita", operation="send"))
    assert (lost["type"], lost["delivery_unknown"]) == ("DeliveryUnknown", True)


def test_a_copy_with_its_own_error_hook_uses_it_inside_models() -> None:
    converter = data_converter().copy()
    converter.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, BaseException),
        lambda exc: {"kind": type(exc).__name__})
    sent = SentMessage(recipient="1", message_id=None, error=InvalidRecipient("bad"))
    assert converter.unstructure(sent)["error"] == {"kind": "InvalidRecipient"}
    assert to_data(sent)["error"]["type"] == "InvalidRecipient"  # the original is unchanged
