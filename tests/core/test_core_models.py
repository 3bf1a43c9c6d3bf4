from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from smsbridge import (
    DeliveryState,
    InvalidRecipient,
    Message,
    SendResult,
    SentMessage,
    Statistics,
    StatusReport,
)


def test_models_are_frozen_and_keyword_only() -> None:
    message = Message(to="996550123456", text="hi")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        message.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Message("996550123456", "hi")  # type: ignore[misc]
    assert message.channel == "sms"


def test_raw_takes_no_part_in_equality_or_repr() -> None:
    a = StatusReport(message_id="1", state=DeliveryState.SENT, raw={"x": 1})
    b = StatusReport(message_id="1", state=DeliveryState.SENT, raw={"x": 2})
    assert a == b
    assert "raw" not in repr(a)


def test_delivery_state_finality() -> None:
    finals = {s for s in DeliveryState if s.is_final}
    assert finals == {DeliveryState.DELIVERED, DeliveryState.UNDELIVERED,
                      DeliveryState.EXPIRED, DeliveryState.REJECTED, DeliveryState.CANCELED,
                      DeliveryState.READ}
    assert DeliveryState("queued") is DeliveryState.QUEUED
    assert str(DeliveryState.SENT) == "sent"


def test_send_result_sums_prices_and_lists_ids() -> None:
    refused = InvalidRecipient("bad number", provider="x", code="7")
    result = SendResult(messages=[
        SentMessage(recipient="1", message_id="a", price=Decimal("0.50"), currency="KGS"),
        SentMessage(recipient="2", message_id="b", price=Decimal("0.25"), currency="KGS"),
        SentMessage(recipient="3", message_id=None, error=refused),
    ])
    assert result.ids == ["a", "b"]
    assert result.total_price == Decimal("0.75")
    assert result.currency == "KGS"
    assert len(result) == 3
    assert [m.recipient for m in result] == ["1", "2", "3"]
    assert not result.ok
    assert result.failed[0].error is refused
    assert SendResult(messages=[SentMessage(recipient="1", message_id="a")]).total_price is None


def test_statistics_delivery_ratio() -> None:
    assert Statistics(delivered=3, total=4).delivery_ratio == 0.75
    assert Statistics(delivered=1, undelivered=1).delivery_ratio == 0.5
    assert Statistics().delivery_ratio is None
    assert Statistics(delivered=0, total=0).delivery_ratio is None
