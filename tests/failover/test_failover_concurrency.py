"""Failover with several chunks in flight (``send(concurrency=N)``) over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

import smsbridge
from smsbridge.errors import DeliveryUnknown

from .test_failover_http import ToySimulator, toy

pytest.importorskip("werkzeug")

NUMBERS = [f"9965501{i:05d}" for i in range(40)]


@pytest.fixture
def sims() -> Iterator[tuple[ToySimulator, ToySimulator, smsbridge.Client]]:
    first, second = ToySimulator("k3y-first"), ToySimulator("k3y-second")
    with first.serve() as url1, second.serve() as url2:
        children = [toy(url1, "k3y-first"), toy(url2, "k3y-second")]
        for child in children:
            child.driver.batch_size = 2  # twenty requests
        with smsbridge.connect("failover", providers=children) as client:
            yield first, second, client


def _held(*sims: ToySimulator) -> Counter[str]:
    return Counter(m["to"] for sim in sims for m in sim.accepted.values())


def test_every_number_once_across_both_providers(sims) -> None:
    first, second, client = sims
    # Three requests to the first provider are refused as too many: they and whatever
    # comes while it cools down go to the second.
    first.inject("status", status=429, path="/send", body=b"slow down", times=3)

    result = client.send(NUMBERS, "code 1234", concurrency=4)

    assert [m.recipient for m in result.messages] == NUMBERS
    assert _held(first, second) == Counter({n: 1 for n in NUMBERS})
    assert second.accepted, "the refused chunks went to the second provider"
    assert client.driver.max_concurrency == 8


def test_lost_answers_are_not_resent_elsewhere(sims) -> None:
    first, second, client = sims
    first.inject("drop_after_accept", path="/send", skip=2, times=1000)

    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBERS, "code 1234", concurrency=4)

    error = caught.value
    accepted = [m.recipient for m in error.partial.messages]
    unknown = [m.to for m in error.unknown]
    # The two requests answered, plus any the first provider never received (a
    # connection it had closed), which went to the second.
    assert len(accepted) >= 4
    assert len(unknown) >= 2 * 2
    assert sorted(accepted + unknown) == NUMBERS[:len(accepted) + len(unknown)]
    # What is uncertain at the first provider was never sent to the second.
    assert not set(unknown) & set(_held(second))
    assert _held(first, second) == Counter({n: 1 for n in accepted + unknown})
