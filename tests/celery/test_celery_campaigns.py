"""Campaigns of 20,000 recipients through two real Celery worker processes to the Nikita
(deduplicating) and Devino (not deduplicating) simulators, with and without workers
SIGKILLed mid-chunk; the campaign ledger checked against the simulators' own ledger."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis
from celery import Celery

from smsbridge.integrations import celery as sms_celery

if TYPE_CHECKING:
    from conftest import Provider, Workers

Numbers = Callable[[int, str], Iterator[str]]

SIZE = 20_000
#: Nikita takes 50 numbers per request, Devino (bulk_size default) 100.
CHUNK = {"nikita": 50, "devino": 100, "limited": 50}


def campaign_text() -> str:
    return f"Sale at noon {uuid.uuid4().hex[:8]}"


def check_books(campaign: sms_celery.Campaign, provider: Provider, text: str,
                sent: list[str], *, dedup: bool) -> Counter[str]:
    """Compare what the campaign reports with what the provider holds: every recipient
    in exactly one outcome, none doubled, none lost, uncertain only where the provider
    cannot deduplicate. Returns the count of each outcome."""
    records = list(campaign.results())
    assert Counter(r.recipient for r in records) == Counter(sent)  # each exactly once
    held = [m for m in provider.sim.ledger() if m.text == text]
    received = Counter(m.recipient for m in held)
    assert max(received.values(), default=0) == 1, "a recipient would receive it twice"
    provider_ids = {m.recipient: m.provider_id for m in held}
    outcomes: Counter[str] = Counter()
    for record in records:
        outcomes[record.outcome] += 1
        if record.outcome == "accepted":
            assert record.recipient in provider_ids, f"{record.recipient} accepted but lost"
            assert record.message_id is not None
            assert provider_ids[record.recipient] in record.message_id
        elif record.outcome == "failed":
            assert record.recipient not in provider_ids, f"{record.recipient} failed but sent"
        else:
            assert record.outcome == "uncertain"
            assert record.message_id is None and record.error
    assert set(provider_ids) <= set(sent)
    if dedup:
        errors = {r.error for r in records if r.outcome == "uncertain"}
        assert outcomes["uncertain"] == 0, errors
    progress = campaign.progress()
    assert (progress.accepted, progress.failed, progress.uncertain, progress.pending) == (
        outcomes["accepted"], outcomes["failed"], outcomes["uncertain"], 0)
    assert progress.total == len(sent)
    return outcomes


@pytest.mark.parametrize("name", ["nikita", "devino"])
def test_campaign_of_20000_recipients(name: str, app: Celery, workers: Workers,
                                      providers: dict[str, Provider],
                                      make_numbers: Numbers) -> None:
    numbers = make_numbers
    text = campaign_text()
    prefix = "551" if name == "nikita" else "552"
    started = time.monotonic()
    campaign = sms_celery.send_campaign(app, name, numbers(SIZE, prefix), text)
    progress = campaign.wait(timeout=90)
    assert (progress.total, progress.accepted, progress.failed, progress.uncertain) == (
        SIZE, SIZE, 0, 0)
    outcomes = check_books(campaign, providers[name], text, list(numbers(SIZE, prefix)),
                           dedup=name == "nikita")
    assert outcomes == {"accepted": SIZE}
    sends = [a for a in providers[name].gate.arrivals
             if a[0] >= started - 1 and a[1].lower().endswith(("/message", "/sendbulk"))]
    assert len(sends) == SIZE // CHUNK[name]  # one provider request per chunk


@pytest.mark.parametrize("name", ["nikita", "devino"])
def test_workers_killed_mid_chunk_lose_and_double_nothing(
        name: str, app: Celery, workers: Workers, providers: dict[str, Provider],
        make_numbers: Numbers) -> None:
    numbers = make_numbers
    provider = providers[name]
    text = campaign_text()
    prefix = "553" if name == "nikita" else "554"
    # The provider accepts the 40th chunk and holds its answer while both workers die.
    provider.gate.hold(after=40)
    campaign = sms_celery.send_campaign(app, name, numbers(SIZE, prefix), text)
    assert provider.gate.held.wait(timeout=60), "no chunk reached the provider"
    workers.kill()
    provider.gate.release.set()
    killed_at = campaign.progress()
    assert killed_at.pending > 0
    workers.start()
    progress = campaign.wait(timeout=90)
    assert progress.pending == 0 and progress.total == SIZE
    outcomes = check_books(campaign, provider, text, list(numbers(SIZE, prefix)),
                           dedup=name == "nikita")
    if name == "nikita":
        # The held chunk was repeated with its reference and found accepted.
        assert outcomes == {"accepted": SIZE}
    else:
        # The held chunk is on the provider's books but its answer died with the worker;
        # at most the other worker's chunk in flight joins it.
        assert CHUNK[name] <= outcomes["uncertain"] <= 2 * CHUNK[name]
        assert outcomes["uncertain"] % CHUNK[name] == 0
        assert outcomes["accepted"] + outcomes["uncertain"] == SIZE
        held = {m.recipient for m in provider.sim.ledger() if m.text == text}
        uncertain = [r.recipient for r in campaign.results() if r.outcome == "uncertain"]
        # Uncertain means it: the killed chunk did reach the provider.
        assert sum(r in held for r in uncertain) >= CHUNK[name]


def test_chunks_whose_broker_messages_were_lost_are_published_again(
        app: Celery, workers: Workers, providers: dict[str, Provider], celery_env: dict[str, str],
        make_numbers: Numbers) -> None:
    workers.kill()
    text = campaign_text()
    campaign = sms_celery.send_campaign(app, "devino", make_numbers(1_000, "557"), text)
    broker = redis.Redis.from_url(celery_env["SMSB_BROKER"])
    assert broker.delete("celery") == 1  # the broker lost all ten messages
    broker.close()
    workers.start()
    # The sweeper task, as Celery beat would run it for a producer that does not wait:
    # once the campaign has stalled for twice the lease, it publishes the chunks again.
    deadline = time.monotonic() + 60
    while not campaign.progress().finished:
        assert time.monotonic() < deadline, campaign.progress()
        app.send_task(sms_celery.SWEEP_TASK, args=[campaign.id])
        time.sleep(1)
    progress = campaign.progress()
    assert (progress.accepted, progress.pending) == (1_000, 0)
    check_books(campaign, providers["devino"], text, list(make_numbers(1_000, "557")),
                dedup=False)


def test_rate_limit_is_held_across_two_workers_and_a_restart(
        app: Celery, workers: Workers, providers: dict[str, Provider], make_numbers: Numbers,
        rate_limit: int) -> None:
    numbers, rate = make_numbers, rate_limit
    provider = providers["limited"]
    count = 2_000
    text = campaign_text()
    provider.gate.arrivals.clear()
    campaign = sms_celery.send_campaign(app, "limited", numbers(count, "555"), text)
    time.sleep(1.5)
    workers.kill()
    workers.start()
    progress = campaign.wait(timeout=60)
    check_books(campaign, provider, text, list(numbers(count, "555")), dedup=True)
    assert progress.accepted + progress.uncertain == count
    held = sorted(m.accepted_at.timestamp() for m in provider.sim.ledger() if m.text == text)
    assert len(held) == progress.accepted
    # Messages received in any one-second window: at most the rate plus one chunk (the
    # limiter lets a chunk go whole), with 150 ms of timing slack (the simulator stamps a
    # chunk when it handles it, not when the limiter let it go; a loaded machine widens
    # that gap).
    slack = CHUNK["limited"] + rate * 0.15
    start = 0
    for end, at in enumerate(held):
        while held[start] <= at - 1.0:
            start += 1
        assert end - start + 1 <= rate + slack
    # And from the first to the last: the limit, not the workers, set the pace.
    elapsed = held[-1] - held[0]
    assert len(held) - CHUNK["limited"] <= rate * elapsed + slack
    assert elapsed >= (count - CHUNK["limited"]) / rate - 0.1


def test_reattach_from_another_process(app: Celery, workers: Workers,
                                       celery_env: dict[str, str], make_numbers: Numbers,
                                       worker_dir: Path) -> None:
    numbers = make_numbers
    text = campaign_text()
    campaign = sms_celery.send_campaign(app, "devino", numbers(1_000, "556"), text)
    campaign.wait(timeout=60)
    script = (
        "import json, sys, worker_app\n"
        "from smsbridge.integrations.celery import Campaign\n"
        "c = Campaign(worker_app.app, sys.argv[1])\n"
        "p = c.progress()\n"
        "records = list(c.results())\n"
        "print(json.dumps({'total': p.total, 'accepted': p.accepted, 'pending': p.pending,\n"
        "  'ids': {r.recipient: r.message_id for r in records}}))\n"
    )
    answer = subprocess.run([sys.executable, "-c", script, campaign.id], cwd=worker_dir,
                            env=celery_env, capture_output=True, text=True, timeout=60,
                            check=True)
    seen = json.loads(answer.stdout)
    assert (seen["total"], seen["accepted"], seen["pending"]) == (1_000, 1_000, 0)
    assert seen["ids"] == {r.recipient: r.message_id for r in campaign.results()}
    assert set(seen["ids"]) == set(numbers(1_000, "556"))


def test_no_credential_reaches_worker_output_or_the_ledger(
        app: Celery, workers: Workers, celery_env: dict[str, str],
        make_numbers: Numbers) -> None:
    for name in ("nikita", "devino"):
        campaign = sms_celery.send_campaign(app, name, make_numbers(60, "558"), "Hello")
        assert campaign.wait(timeout=30).accepted == 60
    configs = json.loads(celery_env["SMSB_PROVIDERS"])
    secrets = {c["password"] for c in configs.values()}
    output = workers.log_text()
    assert "w1@" in output  # the workers did write their logs here
    ledger = redis.Redis.from_url(celery_env["SMSB_LEDGER"])
    stored = b"".join(
        json.dumps({k.decode(): v.decode() for k, v in ledger.hgetall(key).items()}).encode()
        for key in ledger.scan_iter("smsbridge:campaign:*") if ledger.type(key) == b"hash")
    ledger.close()
    assert stored
    for secret in secrets:
        assert secret not in output
        assert secret.encode() not in stored
