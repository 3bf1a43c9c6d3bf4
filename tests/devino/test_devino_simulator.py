"""End to end: the real driver against the Devino simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge import DeliveryState
from smsbridge.errors import AuthError, DeliveryUnknown, InsufficientFunds, InvalidSender
from smsbridge.testing.fixtures import FakeClock, until_final
from smsbridge.transport import RetryPolicy
from smsbridge_devino.simulator import DevinoSimulator

NUMBER = "79161002030"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> DevinoSimulator:
    return DevinoSimulator(clock=clock, balance="10", price="0.5")


@pytest.fixture
def url(sim: DevinoSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base


def _connect(sim: DevinoSimulator, url: str, **overrides: Any) -> smsbridge.Client:
    retry = RetryPolicy(retries=2, sleep=lambda _: None)
    settings = {**sim.client_settings(url), "sender": "DEVINO", "timeout": 5, **overrides}
    return smsbridge.connect("devino", retry=retry, **settings)


@pytest.fixture
def client(sim: DevinoSimulator, url: str) -> Iterator[smsbridge.Client]:
    with _connect(sim, url) as sms:
        yield sms


def test_send_then_status_until_delivered(client: smsbridge.Client,
                                          sim: DevinoSimulator) -> None:
    result = client.send(NUMBER, "Your code is 1234")
    (sent,) = result.messages
    assert sent.ok and sent.parts == 1
    assert client.status(sent.message_id or "").state is DeliveryState.QUEUED
    assert client.status(sent.message_id or "").state is DeliveryState.SENT
    report = client.status(sent.message_id or "")
    assert report.state is DeliveryState.DELIVERED
    assert report.price == Decimal("0.5")
    assert report.sent_at is not None and report.delivered_at is not None
    assert sim.logins == 1


def test_multi_segment_bulk_and_aggregated_status(client: smsbridge.Client,
                                                  sim: DevinoSimulator) -> None:
    text = "Ж" * 100  # two UCS-2 segments
    result = client.send([NUMBER, "79160000000"], text)
    assert [m.parts for m in result] == [2, 2]
    assert all(len((m.message_id or "").split(",")) == 2 for m in result)
    # One ledger entry per recipient; its provider id lists the segment ids.
    assert [(m.recipient, m.provider_id) for m in sim.ledger()] == [
        (NUMBER, "579700854169272358,579700854169272359"),
        ("79160000000", "579700854169272360,579700854169272361")]
    report = until_final(client, result.ids[0]).last
    assert report.state is DeliveryState.DELIVERED
    assert report.price == Decimal("1.0")
    assert sim.balance_of() == Decimal("8")


def test_balance_goes_down_per_segment(client: smsbridge.Client, sim: DevinoSimulator) -> None:
    assert client.balance().amount == Decimal("10")
    client.send([NUMBER, "79160000000", "79160000001"], "hello")
    assert client.balance().amount == Decimal("8.5")
    client.send(NUMBER, "x" * 161)  # two segments
    assert client.balance().amount == Decimal("7.5")


def test_failed_number_ends_rejected(client: smsbridge.Client, sim: DevinoSimulator) -> None:
    sim.fail(NUMBER, state=11)
    (sent,) = client.send(NUMBER, "hi").messages
    report = until_final(client, sent.message_id or "").last
    assert report.state is DeliveryState.REJECTED
    assert report.provider_state == "11"


def test_local_time_and_send_at_reach_the_simulator(client: smsbridge.Client,
                                                    sim: DevinoSimulator) -> None:
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    client.send([NUMBER, "79160000000"], "hi", send_at=later, local_time=True,
                validity=timedelta(hours=1))
    client.send(NUMBER, "hi", send_at=later)
    records = list(sim.messages)
    endpoints = [r.extra["endpoint"] for r in records]
    assert endpoints == ["SendByTimeZoneToAddresses", "SendByTimeZoneToAddresses", "Send"]
    first = records[0]
    assert first.extra["validity"] == 60
    assert first.extra["send_at"] == later.timestamp()
    assert first.not_before == later.timestamp()
    # A scheduled message stays queued until its time comes.
    assert client.status(first.id).state is DeliveryState.QUEUED
    assert client.status(first.id).state is DeliveryState.QUEUED
    assert [m.state for m in sim.ledger()] == ["queued"] * 3


def test_bad_credentials(sim: DevinoSimulator, url: str) -> None:
    with _connect(sim, url, password="wrong") as sms, pytest.raises(AuthError) as caught:
        sms.balance()
    assert caught.value.code == "4"
    assert caught.value.http_status == 401
    assert sum(r.path == "/rest/user/sessionid" for r in sim.requests) == 1


def test_insufficient_funds(client: smsbridge.Client, sim: DevinoSimulator) -> None:
    sim.set_balance("0.4")
    with pytest.raises(InsufficientFunds):
        client.send(NUMBER, "hi")
    assert not sim.messages
    assert sim.balance_of() == Decimal("0.4")


def test_bad_sender_is_refused_by_the_provider(client: smsbridge.Client,
                                               sim: DevinoSimulator) -> None:
    # The driver's own check already refuses every sender the document forbids, so the
    # provider's refusal (code 6, as documented) is injected.
    sim.inject("status", path="/Sms/Send", status=400, content_type="application/json",
               body=json.dumps({"Code": 6, "Desc": "Invalid source address"}))
    with pytest.raises(InvalidSender):
        client.send(NUMBER, "hi")


def test_session_expiry_logs_in_again(client: smsbridge.Client, sim: DevinoSimulator,
                                      clock: FakeClock) -> None:
    client.balance()
    clock.advance(121 * 60)  # the provider's 120 minutes are over (the driver's clock isn't)
    client.send(NUMBER, "hi")
    assert sim.logins == 2
    assert len(sim.messages) == 1
    sim.expire_sessions()
    assert client.balance().amount == Decimal("9.5")
    assert sim.logins == 3


def test_5xx_on_a_read_is_retried(client: smsbridge.Client, sim: DevinoSimulator) -> None:
    client.balance()
    sim.inject("status", path="/User/Balance", status=503, times=2)
    assert client.balance().amount == Decimal("10")
    assert sum(r.path == "/rest/User/Balance" for r in sim.requests) == 4


def test_dropped_answer_to_a_send_is_delivery_unknown_and_never_doubled(
        client: smsbridge.Client, sim: DevinoSimulator) -> None:
    client.balance()  # log in first, so only the send is in play
    sim.inject("drop_after_accept", path="/Sms/Send")
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "hi")
    assert len(sim.messages) == 1
    assert sum(r.path == "/rest/Sms/Send" for r in sim.requests) == 1


def test_dropped_connection_on_a_read_is_retried(client: smsbridge.Client,
                                                 sim: DevinoSimulator) -> None:
    client.balance()
    sim.inject("drop", path="/User/Balance")
    assert client.balance().amount == Decimal("10")


def test_inbox_and_report(client: smsbridge.Client, sim: DevinoSimulator) -> None:
    now = datetime.fromtimestamp(sim.clock(), timezone.utc)
    sim.receive("79260000000", "STOP", recipient="79160000000", at=now - timedelta(hours=1))
    sim.receive("79260000001", "old", recipient="79160000000", at=now - timedelta(days=20))
    (message,) = client.inbox(now - timedelta(days=1), now + timedelta(minutes=1))
    assert (message.sender, message.recipient, message.text) == (
        "79260000000", "79160000000", "STOP")
    assert message.received_at is not None
    assert abs(message.received_at - (now - timedelta(hours=1))) < timedelta(milliseconds=1)
    result = client.send([NUMBER, "79160000000"], "hi")
    until_final(client, result.ids[0])
    stats = client.report(now - timedelta(days=1), now + timedelta(minutes=1))
    assert (stats.total, stats.delivered, stats.in_progress) == (2, 1, 1)


def test_simulator_follows_the_document_for_its_own_errors(sim: DevinoSimulator,
                                                           url: str) -> None:
    def get(path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(url + path) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    assert get("/rest/User/Balance?SessionID=NOPE") == (
        400, {"Code": 3, "Desc": "Invalid session id"})
    status, sid = get("/rest/user/sessionid?login=demo&password=demo-password")
    assert status == 200 and isinstance(sid, str) and len(sid) == 36
    assert get(f"/rest/Sms/State?sessionId={sid}") == (
        400, {"Code": 1, "Desc": "MessageID can not be null or empty Parameter name: messageId"})
    assert get(f"/rest/Sms/State?sessionId={sid}&messageId=42")[1]["State"] == 255
    start, end = "2026-01-01T00:00:00", "2026-06-01T00:00:00"
    assert get(f"/rest/Sms/Statistics?sessionId={sid}&startDateTime={start}"
               f"&endDateTime={end}") == (
        400, {"Code": 2, "Desc": "Нельзя указывать диапазон дат более 90 дней."})
    assert get(f"/rest/Sms/In?sessionId={sid}&minDateUTC={start}")[1]["Code"] == 9


def test_deliver_after_times_the_states_on_the_simulator_clock(
        client: smsbridge.Client, sim: DevinoSimulator, clock: FakeClock) -> None:
    sim.deliver_after = 30
    sim.fail("79160000000", "undelivered")
    result = client.send([NUMBER, "79160000000"], "timed")
    assert client.status(result.ids[0]).state is DeliveryState.SENT
    clock.advance(30)
    report = client.status(result.ids[0])
    assert report.state is DeliveryState.DELIVERED
    assert client.status(result.ids[1]).provider_state == "11"
    assert [(m.recipient, m.state) for m in sim.ledger()] == [
        (NUMBER, "delivered"), ("79160000000", "undelivered")]
