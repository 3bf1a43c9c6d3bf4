"""End to end: the real driver against the Stream simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidSender,
    RateLimited,
)
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import FakeClock, Served
from smsbridge_stream.simulator import SESSION_LIFETIME, StreamSimulator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_700_000_000.0)


@pytest.fixture
def sim(clock: FakeClock) -> StreamSimulator:
    return StreamSimulator(clock=clock, failing_numbers={"79000000042"})


@pytest.fixture
def simulator(sim: StreamSimulator, sms_simulator: Callable[..., Served]) -> Served:
    return sms_simulator(sim, timeout=5)


@pytest.fixture
def served(simulator: Served) -> str:
    return simulator.url


@pytest.fixture
def connect(simulator: Served) -> Callable[..., smsbridge.Client]:
    """Make stream clients for the simulator (sms_connect: waits go to sms_sleeps)."""
    return simulator.connect


def paths(sim: StreamSimulator) -> list[str]:
    return [r.path for r in sim.requests]


def test_send_then_status_until_final_and_balance_goes_down(connect, sim):
    client = connect()
    before = client.balance().amount
    assert before == Decimal("100")
    result = client.send("+7 900 123-45-67", "hello from the simulator")
    [sent] = result.messages
    assert sent.ok and sent.parts == 1
    states = []
    for _ in range(5):
        report = client.status(sent.message_id)
        states.append(report.state)
        if report.state.is_final:
            break
    assert states == [DeliveryState.SENT, DeliveryState.DELIVERED]
    assert report.price == Decimal("0.5")
    assert report.delivered_at is not None
    assert client.balance().amount == before - Decimal("0.5")
    assert paths(sim).count("/rest/Session/session.php") == 1


def test_long_text_charges_per_part(connect, sim):
    client = connect()
    client.send("79000000001", "Привет! " * 20)  # 160 UCS-2 units: 3 parts
    assert client.balance().amount == Decimal("100") - 3 * Decimal("0.5")


def test_a_number_that_fails(connect):
    client = connect()
    [sent] = client.send("79000000042", "x").messages
    client.status(sent.message_id)
    assert client.status(sent.message_id).state is DeliveryState.UNDELIVERED


@pytest.mark.parametrize("doc_format", [True, False])
def test_bulk_send_with_the_document_answer(connect, sim, doc_format):
    sim.doc_bulk_format = doc_format
    client = connect(bulk_size=3)
    numbers = [f"7900000010{i}" for i in range(5)]
    result = client.send(iter(numbers), "bulk")
    assert [m.recipient for m in result] == numbers
    assert len(set(result.ids)) == 5
    assert [(m.provider_id, m.recipient) for m in sim.ledger()] == list(zip(result.ids, numbers,
                                                                            strict=True))
    assert paths(sim).count("/rest/Send/SendBulk/") == 2  # 3 numbers, then 2
    forms = [r.body.decode() for r in sim.requests if r.path == "/rest/Send/SendBulk/"]
    assert "destinationAddresses=79000000100%2C79000000101%2C79000000102" in forms[0]


def test_simulator_bulk_answer_is_the_documents_form_on_request(served, sim):
    sim.doc_bulk_format = True
    token = json.loads(_post(served + "/rest/Session/session.php",
                             "login=demo&password=demo-password"))
    answer = _post(served + "/rest/Send/SendBulk/",
                   f"sessionId={token}&sourceAddress=DEMO&destinationAddresses="
                   "79000000001,79000000002&data=x")
    assert answer == '[{"371324579"}, {"371324580"}]'


def test_send_many_through_send_bulk_packet(connect, sim):
    client = connect()
    result = client.send_many([smsbridge.Message(to="79000000201", text="one"),
                               smsbridge.Message(to="79000000202", text="two")])
    assert [(m.provider_id, m.text) for m in sim.ledger()] == list(zip(result.ids, ["one", "two"],
                                                                       strict=True))
    assert "/rest/Send/SendBulkPacket/" in paths(sim)


def test_local_time_through_send_by_time(connect, sim):
    client = connect()
    at = datetime(2030, 8, 28, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    [message_id] = client.send("79000000301", "x", send_at=at, local_time=True).ids
    [record] = sim.messages.find(message_id)
    assert record.extra == {"send_date": "2030-08-28T10:00:00", "by_local_time": True,
                            "validity": 1440}


def test_scheduled_send_keeps_its_utc_date(connect, sim):
    client = connect()
    at = datetime(2030, 8, 28, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    [message_id] = client.send("79000000301", "x", send_at=at, validity=3600).ids
    [record] = sim.messages.find(message_id)
    assert record.extra == {"send_date": "2030-08-28T07:00:00", "by_local_time": False,
                            "validity": 60}


def test_bad_credentials_raise_auth_error_without_looping(connect, sim):
    client = connect(password="wrong")
    with pytest.raises(AuthError) as caught:
        client.balance()
    assert caught.value.code == "4"
    assert "wrong" not in str(caught.value)
    assert paths(sim) == ["/rest/Session/session.php"]


def test_insufficient_funds(served, sms_sleeps):
    sim = StreamSimulator(balance="0.4")
    with sim.serve() as url:
        client = smsbridge.connect("stream", **sim.client_settings(url))
        with pytest.raises(InsufficientFunds) as caught:
            client.send("79000000001", "x")
        assert caught.value.code == "5"
        assert caught.value.http_status == 403
        assert sim.ledger() == []
        client.close()


def test_unregistered_sender_is_invalid_sender(connect):
    client = connect()
    with pytest.raises(InvalidSender):
        client.send("79000000001", "x", sender="NOBODY")


def test_server_error_on_a_read_is_retried(connect, sim, sms_sleeps):
    client = connect()
    client.balance()
    sim.inject("status", path="/rest/Balance/", status=500, body=b"oops")
    assert client.balance().amount == Decimal("100")
    assert len(sms_sleeps) == 1


def test_answer_lost_after_accept_is_delivery_unknown_and_never_doubled(connect, sim):
    client = connect()
    client.balance()
    sim.inject("drop_after_accept", path="/rest/Send/SendSms/")
    with pytest.raises(DeliveryUnknown):
        client.send("79000000001", "once only")
    assert len(sim.ledger()) == 1
    assert paths(sim).count("/rest/Send/SendSms/") == 1


def test_expired_sessions_are_renewed_once(connect, sim, clock):
    client = connect()
    client.balance()
    sim.expire_sessions()
    client.send("79000000001", "after expiry")
    assert paths(sim) == ["/rest/Session/session.php", "/rest/Balance/",
                          "/rest/Send/SendSms/", "/rest/Session/session.php",
                          "/rest/Send/SendSms/"]
    assert len(sim.ledger()) == 1


def test_simulator_sessions_expire_after_120_minutes(served, sim, clock):
    token = json.loads(_post(served + "/rest/Session/session.php",
                             "login=demo&password=demo-password"))
    assert _get(served + f"/rest/Balance/?sessionId={token}") == (200, "100")
    clock.now += SESSION_LIFETIME
    status, body = _get(served + f"/rest/Balance/?sessionId={token}")
    assert status == 401
    assert json.loads(body) == {"Code": 4, "Desc": "SessionID expired"}
    status, body = _get(served + "/rest/Balance/?sessionId=unknown")
    assert (status, json.loads(body)["Code"]) == (400, 3)


def test_simulator_speaks_the_documented_get_and_post_forms(served, sim):
    sim.doc_bulk_format = True
    token = json.loads(_get(served + "/rest/Session/?login=demo&password=demo-password")[1])
    assert _post(served + "/rest/Balance/balance.php", f"sessionId={token}") == "100"
    ids = _post(served + "/rest/Send/SendBulk/",
                f"sessionId={token}&sourceAddress=SMS Info&destinationAddresses="
                "79001234567,79101234778&data=testdata&validity=10")
    assert ids.startswith('[{"') and ids.endswith('"}]')
    first = ids.split('"')[1]
    state = json.loads(_post(served + "/rest/State/state.php",
                             f"sessionId={token}&messageId={first}"))
    assert state["State"] == -1 and state["ReportedDateUtc"].startswith("/Date(")


def test_inbox_and_report(connect, sim, clock):
    client = connect()
    sim.receive("79115687451", "message", prefix="prefix")
    client.send(["79000000001", "79000000002"], "x")
    start = datetime.fromtimestamp(clock.now - 60, timezone.utc)
    end = datetime.fromtimestamp(clock.now + 60, timezone.utc)
    [incoming] = client.inbox(start, end)
    assert (incoming.sender, incoming.recipient, incoming.text, incoming.prefix) == (
        "79115687451", "2420", "message", "prefix")
    assert incoming.received_at == datetime.fromtimestamp(clock.now, timezone.utc)
    stats = client.report(start, end)
    assert (stats.sent, stats.in_progress, stats.delivered) == (2, 2, 0)


def test_detailed_report_two_steps(connect, sim, clock):
    client = connect()
    client.send("79000000001", "x")
    start = datetime.fromtimestamp(clock.now - 60, timezone.utc)
    end = datetime.fromtimestamp(clock.now + 60, timezone.utc)
    report_id = client.driver.request_detailed_report(start, end, phone="79000000001")
    with pytest.raises(RateLimited, match="not ready"):
        client.driver.fetch_detailed_report(report_id)
    content = client.driver.fetch_detailed_report(report_id)
    assert b"79000000001" in content
    with pytest.raises(smsbridge.NotFound):
        client.driver.fetch_detailed_report("999")
    client.driver.request_detailed_report(start, end)
    client.driver.request_detailed_report(start, end)
    with pytest.raises(RateLimited, match="More than 2"):
        client.driver.request_detailed_report(start, end)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _post(url: str, body: str) -> str:
    request = urllib.request.Request(url, data=body.replace(" ", "+").encode(), method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def test_connect_by_the_url_smsbridge_simulate_prints(served, sim):
    from smsbridge.cli.simulation import load_simulator, settings_url

    driver, fresh = load_simulator("stream")
    assert isinstance(fresh, StreamSimulator)
    url = settings_url(driver, sim.client_settings(served))
    assert url.startswith("stream+http://demo:demo-password@127.0.0.1:")
    with smsbridge.connect(url) as client:
        assert client.balance().amount == Decimal("100")
