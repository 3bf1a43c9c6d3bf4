"""End to end over HTTP: the driver against the Example SMS simulator."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.errors import AuthError, DeliveryUnknown, InsufficientFunds, NotFound
from smsbridge.models import DeliveryState
from smsbridge.testing.messages import Progression
from smsbridge.transport import RetryPolicy
from smsbridge_example.simulator import ExampleSimulator


class Clock:
    """The simulator's clock: it moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_772_366_400.0  # 2026-03-01 12:00 UTC

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock: Clock) -> ExampleSimulator:
    return ExampleSimulator(clock=clock)


@pytest.fixture
def client(sim: ExampleSimulator) -> Iterator[smsbridge.Client]:
    retry = RetryPolicy(retries=2, sleep=lambda _: None)
    with sim.serve() as url, smsbridge.connect("example", retry=retry,
                                               **sim.client_settings(url)) as sms:
        yield sms


def test_send_status_until_delivered_and_the_balance(client: smsbridge.Client,
                                                     sim: ExampleSimulator,
                                                     clock: Clock) -> None:
    result = client.send(["996550123456", "996770120000"], "Your code is 1234",
                         sender="ACME", flash=True)

    assert result.ids == ["msg-1", "msg-2"]
    assert client.status("msg-1").state is DeliveryState.QUEUED
    clock.now += 1
    assert client.status("msg-1").state is DeliveryState.SENT
    clock.now += 1
    assert client.status("msg-1").state is DeliveryState.DELIVERED
    assert client.status("msg-2").state is DeliveryState.UNDELIVERED
    assert client.balance().amount == Decimal("9.90")
    assert [(m.recipient, m.text, m.state) for m in sim.ledger()] == [
        ("996550123456", "Your code is 1234", "delivered"),
        ("996770120000", "Your code is 1234", "undelivered"),
    ]


def test_a_lost_answer_raises_delivery_unknown_and_is_not_resent(
        client: smsbridge.Client, sim: ExampleSimulator) -> None:
    sim.inject("drop_after_accept", path="/messages")

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello")

    assert [m.to for m in caught.value.unknown] == ["996550123456"]
    assert [m.recipient for m in sim.ledger()] == ["996550123456"]
    assert [r.path for r in sim.requests] == ["/v1/messages"]


def test_the_simulator_refuses_what_the_provider_refuses(sim: ExampleSimulator) -> None:
    with sim.serve() as url:
        with smsbridge.connect("example", api_key="wrong-key", base_url=url + "/v1") as sms, \
                pytest.raises(AuthError):
            sms.balance()
        poor = ExampleSimulator(balance=Decimal("0.01"))
        with poor.serve() as poor_url, \
                smsbridge.connect("example", **poor.client_settings(poor_url)) as sms:
            with pytest.raises(InsufficientFunds):
                sms.send("996550123456", "hello")
            with pytest.raises(NotFound):
                sms.status("msg-404")
        assert poor.ledger() == []


def test_tests_steer_failures_and_progression_at_run_time(client: smsbridge.Client,
                                                         sim: ExampleSimulator,
                                                         clock: Clock) -> None:
    sim.fail("996550123457")
    sim.deliver_after = 30
    client.send(["996550123456", "996550123457"], "steered")
    clock.now += 29
    assert client.status("msg-1").state is DeliveryState.SENT
    clock.now += 1
    report = client.status("msg-1")
    assert report.state is DeliveryState.DELIVERED
    assert report.delivered_at is not None
    assert report.delivered_at.isoformat() == "2026-03-01T12:00:30+00:00"
    assert client.status("msg-2").state is DeliveryState.UNDELIVERED

    sim.progression = Progression.held()
    client.send("996550123458", "held")
    clock.now += 3600
    assert client.status("msg-3").state is DeliveryState.QUEUED
    assert [m.state for m in sim.ledger()] == ["delivered", "undelivered", "queued"]


def test_a_refused_send_charges_nothing_and_records_nothing(client: smsbridge.Client,
                                                           sim: ExampleSimulator) -> None:
    sim.set_balance("0.09")

    with pytest.raises(InsufficientFunds):
        client.send(["996550123456", "996550123457"], "two parts of money")

    assert sim.account.balance == Decimal("0.09")
    assert sim.ledger() == []
    client.send("996550123456", "one is enough")
    assert sim.account.balance == Decimal("0.04")
    assert [(m.provider_id, m.recipient) for m in sim.ledger()] == [("msg-1", "996550123456")]
