"""The memory driver's delivery progression and pushes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import smsbridge
from smsbridge.memory import MemoryDriver, MemorySettings, Outbox
from smsbridge.models import DeliveryState, StatusReport


def test_status_moves_one_step_per_query_and_stays_final() -> None:
    sms = smsbridge.connect("memory://?progression=queued, sent ,delivered")
    message_id = sms.send("996550123456", "hello").ids[0]
    assert sms.driver.reports()[0].state is DeliveryState.QUEUED  # type: ignore[attr-defined]
    states = [sms.status(message_id).state for _ in range(4)]
    assert states == [DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.DELIVERED,
                      DeliveryState.DELIVERED]
    final = sms.status(message_id)
    assert final.delivered_at is not None and final.sent_at is not None


def test_by_default_every_message_reads_as_delivered() -> None:
    sms = smsbridge.connect("memory")
    message_id = sms.send("996550123456", "hello").ids[0]
    assert sms.status(message_id).state is DeliveryState.DELIVERED
    assert sms.driver.advance() == []  # type: ignore[attr-defined]


def test_advance_one_message() -> None:
    sms = smsbridge.connect("memory", progression="sent,undelivered")
    first, second = sms.send(["996550123456", "996550123457"], "hello").ids
    moved = sms.driver.advance(second)  # type: ignore[attr-defined]
    assert [(r.message_id, r.state) for r in moved] == [(second, DeliveryState.UNDELIVERED)]
    assert sms.status(first).state is DeliveryState.UNDELIVERED  # the query moves it
    with pytest.raises(smsbridge.NotFound):
        sms.driver.advance("mem-99")  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["", "queued,lost", " , "])
def test_a_bad_progression_is_a_config_error(value: str) -> None:
    with pytest.raises(smsbridge.ConfigError, match="progression"):
        smsbridge.connect("memory", progression=value)


def test_an_outbox_can_be_given() -> None:
    outbox = Outbox()
    client = smsbridge.Client(MemoryDriver(MemorySettings(sender="ACME"), outbox=outbox))
    client.send("996550123456", "hello")
    assert [(m.to, m.sender) for m in outbox] == [("996550123456", "ACME")]


def test_last_of_an_empty_outbox_says_so() -> None:
    with pytest.raises(IndexError, match="the outbox is empty: nothing was sent"):
        Outbox().last  # noqa: B018


def test_a_stand_in_checks_as_the_provider_and_sends_nothing() -> None:
    from smsbridge.memory import stand_in

    outbox = Outbox()
    nikita = smsbridge.connect("memory", sender="ACME", max_parts=1)
    client = stand_in(nikita.driver, outbox)
    assert isinstance(client.driver, MemoryDriver)
    assert client.driver.settings.sender == "ACME"
    with pytest.raises(smsbridge.ValidationError, match="the memory driver allows 1"):
        client.send("996550123456", "x" * 200)
    client.send("996550123456", "short")
    assert outbox.texts == ["short"]


def test_a_push_body_is_this_exact_json() -> None:
    reports = [
        StatusReport(message_id="mem-1", recipient="996550123456",
                     state=DeliveryState.DELIVERED, provider_state="DELIVRD",
                     sent_at=datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc),
                     delivered_at=datetime(2026, 3, 1, 18, 0, 5, 250000,
                                           tzinfo=timezone(timedelta(hours=6))),
                     raw={"ignored": True}),
        StatusReport(message_id="mem-2", state=DeliveryState.QUEUED),
    ]

    assert MemoryDriver.callback_body(reports) == (
        b'{"reports": [{"message_id": "mem-1", "recipient": "996550123456", '
        b'"state": "delivered", "sent_at": "2026-03-01T12:00:00+00:00", '
        b'"delivered_at": "2026-03-01T18:00:05.250000+06:00"}, '
        b'{"message_id": "mem-2", "recipient": null, "state": "queued", '
        b'"sent_at": null, "delivered_at": null}]}')
