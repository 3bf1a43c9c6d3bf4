"""The ledger's Lua scripts on a real redis-server: claims, settlements, takeovers after a
dead attempt, the sweeper and the GCRA rate limiter."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from smsbridge.integrations.celery.ledger import Ledger, Record

NUMBERS = ["996555000001", "996555000002", "996555000003"]


@pytest.fixture
def ledger(redis_url: str) -> Iterator[Ledger]:
    client = redis.Redis.from_url(f"{redis_url}/2")
    yield Ledger(client)
    client.flushdb()
    client.close()


@pytest.fixture
def campaign(ledger: Ledger) -> str:
    """A campaign with chunk 0 (three numbers) and chunk 1 (one refused number only)."""
    name = uuid.uuid4().hex
    ledger.create(name, {"provider": "nikita", "text": "hi"}, retention=60)
    ledger.register(name, 0, NUMBERS, [], retention=60)
    ledger.register(name, 1, [], [Record("12", None, "failed", "invalid number")],
                    retention=60)
    ledger.seal(name)
    return name


def counters(ledger: Ledger, campaign: str) -> tuple[int, int, int, int]:
    meta = ledger.meta(campaign)
    return (int(meta["total"]), int(meta["accepted"]), int(meta["failed"]),
            int(meta["uncertain"]))


def accepted(numbers: list[str]) -> list[Record]:
    return [Record(n, f"id-{n}", "accepted", None) for n in numbers]


def test_register_counts_rejected_numbers_as_failed_at_once(ledger: Ledger,
                                                            campaign: str) -> None:
    assert counters(ledger, campaign) == (4, 0, 1, 0)
    assert ledger.chunk(campaign, 1)["state"] == "done"
    assert ledger.meta(campaign)["chunks"] == "2"
    with pytest.raises(ValueError, match="exists already"):
        ledger.create(campaign, {"provider": "nikita", "text": "again"}, retention=60)
    assert counters(ledger, campaign) == (4, 0, 1, 0)
    assert ledger.meta(campaign)["text"] == "hi"


def test_first_claim_sends_and_a_second_waits_for_the_lease(ledger: Ledger,
                                                            campaign: str) -> None:
    first = ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=False)
    assert (first.action, first.detail) == ("send", 1)
    second = ledger.claim(campaign, 0, "b", lease=30, max_attempts=3, dedup=False)
    assert second.action == "busy"
    assert 29 < second.detail <= 30


def test_settle_moves_counters_in_the_same_step_and_only_once(ledger: Ledger,
                                                              campaign: str) -> None:
    ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=False)
    records = [*accepted(NUMBERS[:2]), Record(NUMBERS[2], None, "failed", "refused")]
    assert not ledger.settle(campaign, 0, "someone-else", records)
    assert counters(ledger, campaign) == (4, 0, 1, 0)
    assert ledger.settle(campaign, 0, "a", records)
    assert counters(ledger, campaign) == (4, 2, 2, 0)
    assert not ledger.settle(campaign, 0, "a", records)
    assert counters(ledger, campaign) == (4, 2, 2, 0)
    claim = ledger.claim(campaign, 0, "c", lease=30, max_attempts=3, dedup=True)
    assert claim.action == "done"
    assert list(ledger.records(campaign, 2)) == [*records,
                                                 Record("12", None, "failed", "invalid number")]


def test_a_dead_attempt_on_a_provider_without_dedup_ends_uncertain(ledger: Ledger,
                                                                   campaign: str) -> None:
    ledger.claim(campaign, 0, "dead", lease=0.05, max_attempts=3, dedup=False)
    time.sleep(0.1)
    claim = ledger.claim(campaign, 0, "redelivered", lease=30, max_attempts=3, dedup=False)
    assert claim.action == "uncertain"
    assert counters(ledger, campaign) == (4, 0, 1, 3)
    outcomes = {r.recipient: r.outcome for r in ledger.records(campaign, 1)}
    assert outcomes == dict.fromkeys(NUMBERS, "uncertain")
    # Nothing later sends it: the redelivered attempt got no claim, nor does another.
    again = ledger.claim(campaign, 0, "later", lease=30, max_attempts=3, dedup=False)
    assert again.action == "done"


def test_a_late_answer_of_the_taken_over_attempt_replaces_the_guess(ledger: Ledger,
                                                                    campaign: str) -> None:
    ledger.claim(campaign, 0, "slow", lease=0.05, max_attempts=3, dedup=False)
    time.sleep(0.1)
    ledger.claim(campaign, 0, "redelivered", lease=30, max_attempts=3, dedup=False)
    assert not ledger.settle(campaign, 0, "redelivered", accepted(NUMBERS))
    assert ledger.settle(campaign, 0, "slow", accepted(NUMBERS))
    assert counters(ledger, campaign) == (4, 3, 1, 0)
    assert not ledger.settle(campaign, 0, "slow", accepted(NUMBERS))
    assert counters(ledger, campaign) == (4, 3, 1, 0)


def test_a_dead_attempt_on_a_deduplicating_provider_is_repeated(ledger: Ledger,
                                                                 campaign: str) -> None:
    ledger.claim(campaign, 0, "dead", lease=0.05, max_attempts=2, dedup=True)
    time.sleep(0.1)
    claim = ledger.claim(campaign, 0, "second", lease=0.05, max_attempts=2, dedup=True)
    assert (claim.action, claim.detail) == ("resend", 2)
    assert not ledger.settle(campaign, 0, "dead", accepted(NUMBERS))
    time.sleep(0.1)
    # Attempts are capped: the third is refused and the chunk ends uncertain.
    third = ledger.claim(campaign, 0, "third", lease=30, max_attempts=2, dedup=True)
    assert third.action == "uncertain"
    assert counters(ledger, campaign) == (4, 0, 1, 3)


def test_requeue_gives_the_chunk_back_to_its_holder_only(ledger: Ledger,
                                                         campaign: str) -> None:
    ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=True)
    assert not ledger.requeue(campaign, 0, "b", proven=False)
    assert ledger.requeue(campaign, 0, "a", proven=False)
    assert ledger.chunk(campaign, 0)["state"] == "queued"
    # The first attempt may have reached the provider: the next one is a repeat.
    claim = ledger.claim(campaign, 0, "b", lease=30, max_attempts=3, dedup=True)
    assert (claim.action, claim.detail) == ("resend", 2)
    assert not ledger.settle(campaign, 0, "a", accepted(NUMBERS))
    assert ledger.settle(campaign, 0, "b", accepted(NUMBERS))


def test_a_proven_refusal_requeues_as_never_sent(ledger: Ledger, campaign: str) -> None:
    ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=False)
    assert ledger.requeue(campaign, 0, "a", proven=True)
    claim = ledger.claim(campaign, 0, "b", lease=30, max_attempts=3, dedup=False)
    assert (claim.action, claim.detail) == ("send", 2)


def test_sweep_settles_expired_chunks(ledger: Ledger, campaign: str) -> None:
    ledger.register(campaign, 2, ["996555000004"], [], retention=60)
    ledger.claim(campaign, 0, "dead", lease=0.05, max_attempts=3, dedup=False)
    ledger.claim(campaign, 2, "alive", lease=30, max_attempts=3, dedup=False)
    time.sleep(0.1)
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=60) == []
    assert counters(ledger, campaign)[3] == 3
    assert ledger.chunk(campaign, 2)["state"] == "sending"
    assert ledger.redis.zrange(ledger.key(campaign) + ":leases", 0, -1) == [b"2"]


def test_sweep_requeues_expired_chunks_where_the_provider_deduplicates(
        ledger: Ledger, campaign: str) -> None:
    ledger.claim(campaign, 0, "dead", lease=0.05, max_attempts=3, dedup=True)
    time.sleep(0.1)
    assert ledger.sweep(campaign, max_attempts=3, dedup=True, stall=60) == [0]
    assert ledger.sweep(campaign, max_attempts=3, dedup=True, stall=60) == []
    claim = ledger.claim(campaign, 0, "next", lease=30, max_attempts=3, dedup=True)
    assert (claim.action, claim.detail) == ("resend", 2)


def test_rate_limiter_spaces_reservations_by_their_size(ledger: Ledger) -> None:
    provider = uuid.uuid4().hex
    first = ledger.reserve(provider, 50, rate=100, burst=50, max_wait=5)
    second = ledger.reserve(provider, 50, rate=100, burst=50, max_wait=5)
    third = ledger.reserve(provider, 50, rate=100, burst=50, max_wait=5)
    assert first == (True, 0.0)
    assert second[0] and 0.45 < second[1] <= 0.5
    assert third[0] and 0.95 < third[1] <= 1.0
    # A wait longer than the caller accepts reserves nothing.
    refused = ledger.reserve(provider, 50, rate=100, burst=50, max_wait=1)
    assert not refused[0] and 1.4 < refused[1] <= 1.5
    again = ledger.reserve(provider, 50, rate=100, burst=50, max_wait=5)
    assert again[0] and 1.4 < again[1] <= 1.5
    ttl = ledger.redis.pttl("smsbridge:rate:" + provider)
    assert 2000 < ttl <= 3000


def test_records_are_plain_json(ledger: Ledger, campaign: str) -> None:
    ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=False)
    ledger.settle(campaign, 0, "a", accepted(NUMBERS))
    stored = json.loads(ledger.chunk(campaign, 0)["records"])
    assert stored[0] == [NUMBERS[0], f"id-{NUMBERS[0]}", "accepted", ""]


def test_sweep_publishes_queued_chunks_again_once_the_campaign_stalls(
        ledger: Ledger, campaign: str) -> None:
    ledger.register(campaign, 2, ["996555000004"], [], retention=60)
    ledger.claim(campaign, 0, "a", lease=30, max_attempts=3, dedup=False)
    # Something is being sent: not stalled, whatever the time.
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=0) == []
    ledger.settle(campaign, 0, "a", accepted(NUMBERS))
    # Chunk 2's message was lost: nothing moves any more.
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=0.2) == []
    time.sleep(0.3)
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=0.2) == [2]
    # Published again: the next stall is counted from now.
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=0.2) == []
    claim = ledger.claim(campaign, 2, "b", lease=30, max_attempts=3, dedup=False)
    assert claim.action == "send"
    time.sleep(0.3)
    assert ledger.sweep(campaign, max_attempts=3, dedup=False, stall=0.2) == []
