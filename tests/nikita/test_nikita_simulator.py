"""End to end: the real driver against the Nikita simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import FakeClock, Served, until_final
from smsbridge.transport import RetryPolicy
from smsbridge.xmlutil import parse_xml
from smsbridge_nikita.simulator import NikitaSimulator

NUMBER = "996550123456"
FAILING = "996550120000"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc))


@pytest.fixture
def sim(clock: FakeClock) -> NikitaSimulator:
    return NikitaSimulator(clock=clock)


@pytest.fixture
def served(sim: NikitaSimulator, sms_simulator: Callable[..., Served]) -> Served:
    return sms_simulator(sim)


@pytest.fixture
def url(served: Served) -> str:
    return served.url


@pytest.fixture
def connect(served: Served) -> Callable[..., smsbridge.Client]:
    """Make nikita clients for the simulator (sms_connect: waits go to sms_sleeps)."""
    return functools.partial(served.connect, jitter=0.0)


@pytest.fixture
def sms(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    return connect()


def test_send_then_status_until_delivered_and_balance_goes_down(
    sms: smsbridge.Client, sim: NikitaSimulator,
) -> None:
    before = sms.balance().amount

    result = sms.send([NUMBER, FAILING], "Привет! " * 10)  # 80 UCS-2 chars: 2 parts

    assert result.ok and [m.parts for m in result] == [2, 2]
    assert until_final(sms, result.ids[0]).states == [DeliveryState.SENT, DeliveryState.DELIVERED]
    assert until_final(sms, result.ids[1]).states == [DeliveryState.SENT, DeliveryState.UNDELIVERED]
    assert sms.balance().amount == before - Decimal("0.50") * 2 * 2
    final = sms.status(result.ids[0])
    assert final.sent_at is not None and final.delivered_at is not None
    assert final.delivered_at.tzinfo is timezone.utc


def test_a_big_send_is_chunked_into_requests_of_50(
    sms: smsbridge.Client, sim: NikitaSimulator,
) -> None:
    numbers = [f"99655{n:07d}" for n in range(120)]

    result = sms.send(numbers, "campaign", reference="spring")

    assert len(result) == 120 and result.ok
    requests = Counter(entry.provider_id for entry in sim.ledger())
    assert sorted(requests.values()) == [20, 50, 50]
    assert sim.account.balance == Decimal("100.00") - Decimal("0.50") * 120
    assert sms.status(result.ids[-1]).state is DeliveryState.SENT


def test_bad_credentials_are_auth_errors(
    connect: Callable[..., smsbridge.Client],
) -> None:
    sms = connect(password="wrong")

    for call in (lambda: sms.send(NUMBER, "hi"), sms.balance, sms.prices,
                 lambda: sms.status(f"abc:{NUMBER}"), lambda: sms.lookup(NUMBER)):
        with pytest.raises(AuthError):
            call()


def test_insufficient_funds(sim: NikitaSimulator,
                            connect: Callable[..., smsbridge.Client]) -> None:
    sim.account.balance = Decimal("0.40")
    sms = connect()

    with pytest.raises(InsufficientFunds):
        sms.send(NUMBER, "hello")

    assert sim.ledger() == []
    assert sms.balance().amount == Decimal("0.40")


def test_5xx_on_a_read_is_retried(sms: smsbridge.Client, sim: NikitaSimulator,
                                  sms_sleeps: list[float]) -> None:
    sim.inject("status", path="/info", status=503, body=b"Service Unavailable")

    assert sms.balance().amount == Decimal("100.00")
    assert [r.path for r in sim.requests] == ["/api/info", "/api/info"]
    assert len(sms_sleeps) == 1


def test_a_slow_read_times_out_and_is_retried(
    sim: NikitaSimulator, connect: Callable[..., smsbridge.Client],
) -> None:
    sms = connect(timeout=0.1)
    sim.inject("delay", path="/info", seconds=0.3)

    assert sms.balance().amount == Decimal("100.00")
    assert len(sim.requests) == 2


def test_lost_answer_without_retries_is_delivery_unknown_and_sent_once(
    sim: NikitaSimulator, connect: Callable[..., smsbridge.Client],
) -> None:
    sms = connect(retries=0)
    sim.inject("drop_after_accept", path="/message")

    with pytest.raises(DeliveryUnknown):
        sms.send(NUMBER, "hello")

    assert len(sim.ledger()) == 1
    assert sim.account.balance == Decimal("99.50")


def test_lost_answer_is_repeated_with_the_same_id_and_never_doubled(
    sim: NikitaSimulator, sms: smsbridge.Client,
) -> None:
    sim.inject("drop_after_accept", path="/message")

    result = sms.send(NUMBER, "hello", reference="once1")

    assert result.ok and result.ids == [f"once1:{NUMBER}"]
    assert len(sim.ledger()) == 1 and sim.account.balance == Decimal("99.50")
    assert len([r for r in sim.requests if r.path == "/api/message"]) == 2
    # The repeat's dr read (which numbers the id holds) moved it one step already.
    assert sms.status(result.ids[0]).state is DeliveryState.DELIVERED


def test_dropped_connection_before_handling_is_retried(
    sim: NikitaSimulator, sms: smsbridge.Client,
) -> None:
    sim.inject("drop", path="/message")

    result = sms.send(NUMBER, "hello")

    assert result.ok and len(sim.ledger()) == 1


def test_busy_gateway_is_waited_for(sim: NikitaSimulator, sms: smsbridge.Client,
                                    sms_sleeps: list[float]) -> None:
    sim.busy(2)

    result = sms.send(NUMBER, "hello", reference="busy1")

    assert result.ok and sms_sleeps == [5.0, 5.0]
    ids = [parse_xml(r.body)["message"]["id"] for r in sim.requests]
    assert ids == ["busy1"] * 3


def test_busy_gateway_beyond_the_bound(sim: NikitaSimulator, sms: smsbridge.Client) -> None:
    sim.busy(10)

    with pytest.raises(RateLimited):
        sms.send(NUMBER, "hello")

    assert len(sim.requests) == 4 and sim.ledger() == []


def test_reused_reference_for_other_numbers_is_a_duplicate(
    sms: smsbridge.Client, sim: NikitaSimulator,
) -> None:
    sms.send(NUMBER, "first", reference="dup1")

    with pytest.raises(DuplicateMessage):
        sms.send(FAILING, "second", reference="dup1")

    assert len(sim.ledger()) == 1


def test_rerun_in_a_fresh_client_returns_the_first_acceptance(
    sim: NikitaSimulator, connect: Callable[..., smsbridge.Client],
) -> None:
    first = connect().send([NUMBER, FAILING], "hello", reference="rerun1")

    again = connect().send([NUMBER, FAILING], "hello", reference="rerun1")

    assert again.ids == first.ids == [f"rerun1:{NUMBER}", f"rerun1:{FAILING}"]
    assert all(m.ok for m in again)
    assert [entry.recipient for entry in sim.ledger()] == [NUMBER, FAILING]
    assert sim.account.balance == Decimal("99.00")
    assert connect().status(again.ids[1]).recipient == FAILING


def test_test_mode_charges_nothing(sim: NikitaSimulator,
                                   connect: Callable[..., smsbridge.Client]) -> None:
    sms = connect(test=True)

    result = sms.send([NUMBER, FAILING], "dry run")

    assert result.ok and len(result.ids) == 2
    assert sim.ledger() == [] and sim.account.balance == Decimal("100.00")
    with pytest.raises(NotFound):
        sms.status(result.ids[0])


def test_unapproved_sender_and_stop_words(clock: FakeClock, sms_sleeps: list[float]) -> None:
    sim = NikitaSimulator(senders=["SMSBRIDGE"], stop_words=["forbidden"], clock=clock)
    with sim.serve() as url:
        sms = smsbridge.connect("nikita", **sim.client_settings(url))
        with pytest.raises(InvalidSender):
            sms.send(NUMBER, "hello", sender="Other")
        with pytest.raises(ProviderError) as caught:
            sms.send(NUMBER, "a forbidden word")
        assert caught.value.code == "6"
        assert sms.send(NUMBER, "hello").ok
        sms.close()


def test_scheduled_send_stays_queued_until_its_time(
    sms: smsbridge.Client, clock: FakeClock, sim: NikitaSimulator,
) -> None:
    clock.now = datetime(2099, 3, 1, 6, 0, tzinfo=timezone.utc).timestamp()  # not past
    later = datetime.fromtimestamp(clock.now, timezone.utc) + timedelta(hours=2)

    result = sms.send(NUMBER, "later", send_at=later)

    assert parse_xml(sim.requests[-1].body)["message"]["time"] == "20990301140000"
    assert sms.status(result.ids[0]).state is DeliveryState.QUEUED
    clock.now += 3 * 3600
    assert until_final(sms, result.ids[0]).states == [DeliveryState.SENT, DeliveryState.DELIVERED]


def test_lookup(sms: smsbridge.Client) -> None:
    found = sms.lookup("+996 550 123 456")
    assert (found.operator, found.utc_offset) == ("MegaCom", 6)
    assert sms.lookup("996510123456").utc_offset is None
    with pytest.raises(NotFound):
        sms.lookup("79001234567")


def test_status_of_an_unknown_message(sms: smsbridge.Client) -> None:
    with pytest.raises(NotFound):
        sms.status(f"nosuchid:{NUMBER}")


def test_pushed_reports_match_send_ids(sms: smsbridge.Client, sim: NikitaSimulator) -> None:
    result = sms.send([NUMBER, FAILING], "hello")
    for message_id in result.ids:
        until_final(sms, message_id)

    reports = sms.parse_callback(sim.delivery_report())

    assert {r.message_id: r.state for r in reports} == {
        result.ids[0]: DeliveryState.DELIVERED, result.ids[1]: DeliveryState.UNDELIVERED}


def test_inactive_account(sim: NikitaSimulator, connect: Callable[..., smsbridge.Client],
                          caplog: pytest.LogCaptureFixture) -> None:
    sim.account.active = False
    sms = connect()
    caplog.set_level(logging.WARNING, logger="smsbridge")

    assert sms.balance().raw["state"] == "1"
    assert "inactive" in caplog.text
    assert sms.driver.account_active() is False  # type: ignore[attr-defined]
    with pytest.raises(AuthError):
        sms.send(NUMBER, "hello")


def test_prices_follow_the_account(url: str, sim: NikitaSimulator,
                                   sms: smsbridge.Client) -> None:
    sim.account.price = Decimal("0.75")
    assert [p.price for p in sms.prices()] == [Decimal("0.75")]


# -- the simulator speaks the document ----------------------------------------------------


def test_the_documents_request_gets_the_documents_answer(sim: NikitaSimulator,
                                                         url: str) -> None:
    sim.add_account("login", "passwd")
    doc_request = """<?xml version="1.0" encoding="UTF-8"?>
<message>
  <login>login</login>
  <pwd>passwd</pwd>
  <id>A88726</id>
  <sender>My-company</sender>
  <text>Any SMS message text</text>
  <time>20100921235957</time>
  <phones>
    <phone>996550123456</phone>
    <phone>+996550123457</phone>
  </phones>
</message>"""

    answer = requests.post(f"{url}/api/message", data=doc_request.encode(), timeout=5)

    assert answer.status_code == 200
    assert parse_xml(answer.content) == {"response": {
        "id": "A88726", "status": "0", "phones": "2", "smscnt": "1", "message": None}}
    dr = requests.post(f"{url}/api/dr", timeout=5, data=b"<dr><login>login</login>"
                       b"<pwd>passwd</pwd><id>A88726</id></dr>")
    phones = parse_xml(dr.content, force_list=("phone",))["response"]["phone"]
    assert [p["number"] for p in phones] == ["996550123456", "996550123457"]
    assert all(p["report"] == "1" and p["rcvTime"] is None for p in phones)


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ("<id>A1</id><sender>SMSBRIDGE</sender><text>x</text><phones><phone>996550123456"
         "</phone></phones><time>2026-03-01</time>", "8"),
        ("<id>A-1</id><sender>SMSBRIDGE</sender><text>x</text><phones><phone>996550123456"
         "</phone></phones>", "1"),
        ("<id>A1</id><sender>SMSBRIDGE</sender><text>x</text><phones><phone>12ab</phone>"
         "</phones>", "7"),
        ("<id>A1</id><sender>Bad sender!</sender><text>x</text><phones><phone>996550123456"
         "</phone></phones>", "5"),
        ("<id>A1</id><sender>SMSBRIDGE</sender><text>x</text><phones>"
         + "<phone>996550123456</phone>" * 51 + "</phones>", "1"),
    ],
)
def test_simulator_error_statuses(url: str, fields: str, status: str) -> None:
    body = f"<message><login>demo</login><pwd>demo-password</pwd>{fields}</message>"

    answer = requests.post(f"{url}/api/message", data=body.encode(), timeout=5)

    assert parse_xml(answer.content)["response"]["status"] == status


def test_simulator_answers_info_and_def_with_namespaces(url: str) -> None:
    creds = b"<login>demo</login><pwd>demo-password</pwd>"
    info = requests.post(f"{url}/api/info", data=b"<info>" + creds + b"</info>", timeout=5)
    found = requests.post(f"{url}/api/def", timeout=5,
                          data=b"<def>" + creds + b"<phone>996550123456</phone></def>")

    assert b'xmlns="http://Giper.mobi/schema/Info"' in info.content
    assert b'xmlns="http://Giper.mobi/schema/PhoneDEF"' in found.content
    assert requests.get(f"{url}/api/info", timeout=5).status_code == 405
    assert requests.post(f"{url}/api/nothing", timeout=5).status_code == 404
    garbage = requests.post(f"{url}/api/info", data=b"not xml", timeout=5)
    assert parse_xml(garbage.content)["response"]["status"] == "1"


def test_numbers_the_gateway_did_not_take_are_those_recipients_errors(
    clock: FakeClock, sms_sleeps: list[float],
) -> None:
    sim = NikitaSimulator(clock=clock, unrecognized={FAILING})
    with sim.serve() as base:
        sms = smsbridge.connect("nikita", retry=RetryPolicy(sleep=sms_sleeps.append),
                                **sim.client_settings(base))
        with sms:
            result = sms.send([NUMBER, FAILING], "hello", reference="short1")

    taken, missing = result.messages
    assert taken.ok and taken.message_id == f"short1:{NUMBER}"
    assert not missing.ok and missing.message_id is None
    assert isinstance(missing.error, InvalidRecipient)
    assert [m.recipient for m in sim.ledger()] == [NUMBER]
    assert sim.account.balance == Decimal("99.50")
