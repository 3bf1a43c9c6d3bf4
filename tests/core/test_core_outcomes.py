"""What a failed campaign tells its caller, checked against a simulator's own ledger.

Every recipient is in exactly one of: accepted (``error.partial``), unknown
(``error.unknown``) or never attempted; nothing the library calls failed or never sent
is held by the provider; ``retry_safe`` is true only where a repeat cannot double.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import DeliveryUnknown, InsufficientFunds, SmsBridgeError
from smsbridge.transport import RetryPolicy

devino = pytest.importorskip("smsbridge_devino.simulator")
nikita = pytest.importorskip("smsbridge_nikita.simulator")

NO_WAIT = RetryPolicy(retries=0, sleep=lambda _: None)


def numbers(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(count)]


@pytest.fixture
def devino_sim() -> Iterator[tuple[Any, smsbridge.Client]]:
    simulator = devino.DevinoSimulator()
    with simulator.serve() as url:
        settings = {**simulator.client_settings(url), "sender": "ACME", "bulk_size": 100}
        with smsbridge.connect("devino", retry=NO_WAIT, **settings) as client:
            yield simulator, client


@pytest.fixture
def nikita_sim() -> Iterator[tuple[Any, smsbridge.Client]]:
    simulator = nikita.NikitaSimulator(balance="1000")
    with simulator.serve() as url, smsbridge.connect(
            "nikita", retry=NO_WAIT, **simulator.client_settings(url)) as c:
        yield simulator, c


def account(error: SmsBridgeError, sent: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split ``sent`` into accepted, unknown and not attempted as the error says."""
    accepted = [m.recipient for m in error.partial.messages if m.ok]
    unknown = [m.to for m in error.unknown]
    rest = [n for n in sent if n not in set(accepted) | set(unknown)]
    return accepted, unknown, rest


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_after_the_second_chunk_was_accepted(devino_sim: Any, status: int) -> None:
    simulator, client = devino_sim
    sent = numbers("791600", 250)  # chunks of 100, 100 and 50
    simulator.inject("status", path="/Sms/SendBulk", status=status, after_accept=True,
                     skip=1)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(sent, "Sale at noon", reference="sale-1")
    accepted, unknown, rest = account(caught.value, sent)
    assert (accepted, unknown, rest) == (sent[:100], sent[100:200], sent[200:])
    held = [m.recipient for m in simulator.ledger()]
    # 0 lost: the provider holds nothing the library called not attempted;
    # 0 doubled: each recipient at most once.
    assert sorted(held) == sent[:200]
    assert not set(held) & set(rest)
    # Devino does not deduplicate: repeating the call would send 200 messages again.
    assert caught.value.retry_safe is False
    assert not client.supports("deduplication")


def test_a_refusal_of_a_later_chunk_keeps_the_accepted_ones(devino_sim: Any) -> None:
    simulator, client = devino_sim
    sent = numbers("791600", 250)
    simulator.inject("status", path="/Sms/SendBulk", status=403, skip=1,
                     body=b'{"Code": 5, "Desc": "Not enough credits"}',
                     content_type="application/json")
    with pytest.raises(InsufficientFunds) as caught:
        client.send(sent, "Sale at noon")
    accepted, unknown, _rest = account(caught.value, sent)
    assert (accepted, unknown) == (sent[:100], [])
    assert sorted(m.recipient for m in simulator.ledger()) == sent[:100]
    assert caught.value.retry_safe is False  # a repeat would resend the first 100


def test_a_refusal_of_the_only_chunk_is_retry_safe(devino_sim: Any) -> None:
    simulator, client = devino_sim
    simulator.set_balance(0)
    with pytest.raises(InsufficientFunds) as caught:
        client.send(numbers("791600", 3), "Sale at noon")
    assert caught.value.retry_safe is True
    assert caught.value.partial.messages == [] and caught.value.unknown == ()
    assert simulator.ledger() == []


def test_send_iter_reports_the_chunk_in_flight(devino_sim: Any) -> None:
    simulator, client = devino_sim
    sent = numbers("791600", 250)
    simulator.inject("drop_after_accept", path="/Sms/SendBulk", skip=1)
    got: list[str] = []
    with pytest.raises(DeliveryUnknown) as caught:
        for message in client.send_iter(iter(sent), "Sale at noon"):
            got.append(message.recipient)
    assert got == sent[:100]
    assert caught.value.partial.messages == []  # the earlier chunk was yielded
    assert [m.to for m in caught.value.unknown] == sent[100:200]
    assert sorted(m.recipient for m in simulator.ledger()) == sent[:200]


def test_a_deduplicating_provider_makes_a_repeat_with_the_reference_retry_safe(
        nikita_sim: Any) -> None:
    simulator, client = nikita_sim
    sent = numbers("9965501", 120)  # chunks of 50, 50 and 20
    simulator.inject("drop_after_accept", path="/message", skip=1)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(sent, "Sale at noon", reference="sale2")
    accepted, unknown, rest = account(caught.value, sent)
    assert (accepted, unknown, rest) == (sent[:50], sent[50:100], sent[100:])
    assert sorted(m.recipient for m in simulator.ledger()) == sent[:100]
    assert client.supports("deduplication")
    assert caught.value.retry_safe is True


def test_without_a_reference_a_repeat_would_carry_new_ids(nikita_sim: Any) -> None:
    simulator, client = nikita_sim
    simulator.inject("drop_after_accept", path="/message")
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(numbers("9965501", 3), "Sale at noon")
    assert caught.value.retry_safe is False


def test_an_oversized_answer_to_an_accepted_send_is_delivery_unknown(devino_sim: Any) -> None:
    """The size cap refuses the answer, not the send: the provider took it."""
    simulator, client = devino_sim
    simulator.inject("body", path="/Sms/Send", after_accept=True,
                     body=b"[" + b" " * (6 * 1024 * 1024) + b"]")
    with pytest.raises(DeliveryUnknown, match="exceeds") as caught:
        client.send(numbers("791600", 1), "Sale at noon")
    assert [m.to for m in caught.value.unknown] == numbers("791600", 1)
    assert [m.recipient for m in simulator.ledger()] == numbers("791600", 1)
