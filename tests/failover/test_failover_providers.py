"""End to end: failover between the Devino and Nikita drivers and their simulators.

Real sockets on 127.0.0.1; the drivers are loaded by name through their entry points.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import DeliveryUnknown
from smsbridge.failover import AllProvidersFailed, FailoverDriver
from smsbridge.transport import RetryPolicy

pytest.importorskip("werkzeug")
devino_simulator = pytest.importorskip(
    "smsbridge_devino.simulator",
    reason="the smsbridge-devino driver is not installed (pip install -e smsbridge_devino)")
nikita_simulator = pytest.importorskip(
    "smsbridge_nikita.simulator",
    reason="the smsbridge-nikita driver is not installed (pip install -e smsbridge_nikita)")

NUMBER = "996550123456"
#: One retry, no waiting: enough for Nikita to repeat a send whose answer was lost.
ONE_RETRY = RetryPolicy(retries=1, sleep=lambda _: None)

Sims = tuple[Any, Any, smsbridge.Client]


def chain(first: tuple[str, dict[str, Any]], second: tuple[str, dict[str, Any]],
          **settings: Any) -> smsbridge.Client:
    providers = [{"driver": name, **values} for name, values in (first, second)]
    return smsbridge.connect("failover", providers=providers, retry=ONE_RETRY, **settings)


@pytest.fixture
def devino_then_nikita() -> Iterator[Sims]:
    devino = devino_simulator.DevinoSimulator()
    nikita = nikita_simulator.NikitaSimulator()
    with devino.serve() as devino_url, nikita.serve() as nikita_url:
        client = chain(("devino", {**devino.client_settings(devino_url), "sender": "DEVINO"}),
                       ("nikita", nikita.client_settings(nikita_url)))
        with client:
            yield devino, nikita, client


@pytest.fixture
def nikita_then_devino() -> Iterator[Sims]:
    devino = devino_simulator.DevinoSimulator()
    nikita = nikita_simulator.NikitaSimulator()
    with devino.serve() as devino_url, nikita.serve() as nikita_url:
        client = chain(("nikita", nikita.client_settings(nikita_url)),
                       ("devino", {**devino.client_settings(devino_url), "sender": "DEVINO"}))
        with client:
            yield nikita, devino, client


def test_labels_and_chunk_size_come_from_the_real_drivers(devino_then_nikita: Sims) -> None:
    _, _, client = devino_then_nikita
    assert isinstance(client.driver, FailoverDriver)
    assert client.driver.labels == ["0:devino", "1:nikita"]
    assert client.driver.batch_size == 50  # Nikita's 50 phones, below Devino's 100


def test_healthy_first_provider_takes_the_message(devino_then_nikita: Sims) -> None:
    devino, nikita, client = devino_then_nikita
    result = client.send(NUMBER, "code 1234")
    assert result.messages[0].provider == "devino"
    assert result.ids[0].startswith("0:")
    assert [m.text for m in devino.sent_to(NUMBER)] == ["code 1234"]
    assert nikita.requests == []


def test_answer_dropped_after_accepting_is_delivery_unknown_and_never_resent(
        devino_then_nikita: Sims) -> None:
    devino, nikita, client = devino_then_nikita
    devino.inject("drop_after_accept", path="/Sms/Send")
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "code 1234")
    # Devino holds the message; Nikita never heard of it.
    assert [m.text for m in devino.sent_to(NUMBER)] == ["code 1234"]
    assert nikita.requests == []
    assert nikita.ledger() == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_after_devino_accepted_is_delivery_unknown_and_never_resent(
        devino_then_nikita: Sims, status: int) -> None:
    """Devino took the message, then answered 5xx: one copy, reported unknown."""
    devino, nikita, client = devino_then_nikita
    devino.inject("status", path="/Sms/Send", status=status, body=b"Service Unavailable",
                  after_accept=True)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBER, "code 1234")
    assert [m.to for m in caught.value.unknown] == [NUMBER]
    assert [m.recipient for m in devino.ledger()] == [NUMBER]
    assert nikita.requests == []


def test_a_refusal_by_the_first_provider_sends_through_the_second(
        devino_then_nikita: Sims) -> None:
    devino, nikita, client = devino_then_nikita
    devino.set_balance(0)
    result = client.send(NUMBER, "code 1234")
    assert result.messages[0].provider == "nikita"
    assert devino.sent_to(NUMBER) == []
    assert len(nikita.ledger()) == 1
    # status() asks Nikita, not Devino.
    before = len(devino.requests)
    report = client.status(result.ids[0])
    assert report.message_id == result.ids[0]
    assert report.recipient == NUMBER
    assert nikita.requests[-1].path.endswith("/dr")
    assert len(devino.requests) == before


def test_refused_credentials_move_on(devino_then_nikita: Sims) -> None:
    devino, _, client = devino_then_nikita
    devino.account.password = "rotated"  # the client's password is refused now
    assert client.send(NUMBER, "hello").messages[0].provider == "nikita"
    assert devino.sent_to(NUMBER) == []
    # Devino now cools down: the next message goes straight to Nikita.
    logins = len(devino.requests)
    assert client.send(NUMBER, "again").messages[0].provider == "nikita"
    assert len(devino.requests) == logins


def test_both_failing_is_one_error_naming_both(devino_then_nikita: Sims) -> None:
    devino, nikita, client = devino_then_nikita
    devino.set_balance(0)
    nikita.account.balance = Decimal(0)
    with pytest.raises(AllProvidersFailed) as caught:
        client.send(NUMBER, "hello")
    assert [label for label, _ in caught.value.failures] == ["0:devino", "1:nikita"]
    assert "demo-password" not in str(caught.value)
    assert devino.sent_to(NUMBER) == [] and nikita.ledger() == []


def test_balances_of_both_providers(devino_then_nikita: Sims) -> None:
    _, _, client = devino_then_nikita
    balances = client.driver.balances()  # type: ignore[attr-defined]
    assert set(balances) == {"0:devino", "1:nikita"}
    assert all(isinstance(b, smsbridge.Balance) for b in balances.values())
    assert client.balance() == balances["0:devino"]


def test_a_deduplicating_provider_recovers_a_lost_answer_without_failover(
        nikita_then_devino: Sims) -> None:
    nikita, devino, client = nikita_then_devino
    nikita.inject("drop_after_accept", path="/api/message")
    result = client.send(NUMBER, "code 1234")
    # Nikita's repeat with the same id was answered "duplicate": accepted exactly once.
    assert result.messages[0].provider == "nikita"
    assert len(nikita.ledger()) == 1
    assert devino.requests == []


def test_nikita_5xx_on_every_attempt_is_not_sent_through_devino(
        nikita_then_devino: Sims) -> None:
    nikita, devino, client = nikita_then_devino
    nikita.inject("status", path="/api/message", status=500, times=2)
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "code 1234")
    assert devino.requests == []


def test_nikita_refusing_the_sender_sends_through_devino(nikita_then_devino: Sims) -> None:
    nikita, devino, client = nikita_then_devino
    nikita.account.senders = frozenset({"OTHER"})
    result = client.send(NUMBER, "code 1234")
    assert result.messages[0].provider == "devino"
    assert nikita.ledger() == []
    report = client.status(result.ids[0])
    assert report.message_id == result.ids[0]
    assert devino.requests[-1].path.lower().endswith("/sms/state")


def test_a_5xx_after_a_lost_answer_is_not_sent_elsewhere(nikita_then_devino: Sims) -> None:
    nikita, devino, client = nikita_then_devino
    nikita.inject("drop_after_accept", path="/api/message")
    nikita.inject("status", path="/api/message", status=503)
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "code 1234")
    assert len(nikita.ledger()) == 1
    assert devino.requests == [], "the message Nikita accepted was sent again via Devino"
