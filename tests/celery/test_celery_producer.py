"""The producer's side: what goes on the broker (JSON, names not credentials), streaming in
constant memory, checks before anything is queued; and how workers settle provider
faults (refusals fail, unknown outcomes stay uncertain, safe repeats are repeated)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
import redis
from celery import Celery

from smsbridge.errors import ConfigError, ValidationError
from smsbridge.integrations import celery as sms_celery
from smsbridge.integrations.celery.ledger import Ledger

if TYPE_CHECKING:
    from conftest import Provider, Workers

Numbers = Callable[[int, str], Iterator[str]]
#: A queue no test worker consumes: messages published there stay for inspection.
PARKED = "parked"


@pytest.fixture
def broker(celery_env: dict[str, str]) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(celery_env["SMSB_BROKER"])
    client.delete(PARKED)
    yield client
    client.delete(PARKED)
    client.close()


def parked(broker: redis.Redis) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in broker.lrange(PARKED, 0, -1)]


def test_broker_messages_are_json_with_names_numbers_and_text_only(
        app: Celery, broker: redis.Redis, celery_env: dict[str, str],
        make_numbers: Numbers) -> None:
    recipients = list(make_numbers(250, "601"))
    campaign = sms_celery.send_campaign(app, "devino", recipients, "Sale at noon",
                                        queue=PARKED)
    raw = b"".join(broker.lrange(PARKED, 0, -1))
    configs = json.loads(celery_env["SMSB_PROVIDERS"])
    for config in configs.values():
        assert config["password"].encode() not in raw
        assert config["login"].encode() not in raw
    envelopes = parked(broker)
    assert len(envelopes) == 3  # 100 + 100 + 50: Devino's bulk size
    tasks = []
    for envelope in envelopes:
        assert envelope["content-type"] == "application/json"
        assert envelope["headers"]["task"] == sms_celery.SEND_TASK
        body = base64.b64decode(envelope["body"])
        args, kwargs, _ = json.loads(body)
        tasks.append(args)
        assert kwargs == {}
    tasks.sort(key=lambda args: args[1])
    assert tasks == [
        [campaign.id, 0, "devino", recipients[:100], "Sale at noon", None],
        [campaign.id, 1, "devino", recipients[100:200], "Sale at noon", None],
        [campaign.id, 2, "devino", recipients[200:], "Sale at noon", None],
    ]
    progress = campaign.progress()
    assert (progress.total, progress.pending, progress.sealed) == (250, 250, True)


def test_send_at_travels_and_is_stored_as_utc_iso_text(
        app: Celery, broker: redis.Redis, celery_env: dict[str, str]) -> None:
    bishkek = timezone(timedelta(hours=6))
    campaign = sms_celery.send_campaign(app, "nikita", ["996555000001"], "Sale at noon",
                                        send_at=datetime(2030, 1, 1, 12, 0, tzinfo=bishkek),
                                        queue=PARKED)
    (envelope,) = parked(broker)
    args = json.loads(base64.b64decode(envelope["body"]))[0]
    assert args[5] == "2030-01-01T06:00:00+00:00"
    client = redis.Redis.from_url(celery_env["SMSB_LEDGER"])
    try:
        meta = Ledger(client).meta(campaign.id)
    finally:
        client.close()
    assert meta["send_at"] == "2030-01-01T06:00:00+00:00"
    assert meta["queue"] == PARKED
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00",
                        meta["created"]), meta["created"]


def test_numbers_stream_into_tasks_chunk_by_chunk(app: Celery, broker: redis.Redis,
                                                  make_numbers: Numbers) -> None:
    published_when_pulled = []

    def stream() -> Iterator[str]:
        for index, number in enumerate(make_numbers(1_000, "602")):
            published_when_pulled.append((index, broker.llen(PARKED)))
            yield number

    sms_celery.send_campaign(app, "devino", stream(), "Sale at noon", queue=PARKED)
    # Before number i is read, every earlier chunk of 100 is on the broker already:
    # the producer never holds more than one chunk.
    assert published_when_pulled[:1] == [(0, 0)]
    assert all(published == index // 100 for index, published in published_when_pulled)
    assert broker.llen(PARKED) == 10


def test_malformed_numbers_fail_at_once_and_the_rest_is_queued(
        app: Celery, broker: redis.Redis) -> None:
    campaign = sms_celery.send_campaign(
        app, "nikita", ["996555000001", "not a number", "+996 555 000 002", "12"],
        "Sale at noon", queue=PARKED)
    (envelope,) = parked(broker)
    args = json.loads(base64.b64decode(envelope["body"]))[0]
    assert args[3] == ["996555000001", "996555000002"]
    progress = campaign.progress()
    assert (progress.total, progress.failed, progress.pending) == (4, 2, 2)
    failed = {r.recipient: r for r in campaign.results() if r.outcome == "failed"}
    assert set(failed) == {"not a number", "12"}
    assert all(r.error and r.error.startswith("ValidationError") for r in failed.values())


@pytest.mark.parametrize(("call", "error"), [
    (lambda app: sms_celery.send_campaign(app, "nikita", ["996555000001"], "", queue=PARKED),
     ValidationError),
    (lambda app: sms_celery.send_campaign(app, "nikita", ["996555000001"], "hi",
                                          send_at=datetime(2030, 1, 1), queue=PARKED),
     ValidationError),
    (lambda app: sms_celery.send_campaign(app, "nowhere", ["996555000001"], "hi",
                                          queue=PARKED),
     ConfigError),
    (lambda app: sms_celery.send_campaign(app, "nikita", iter(()), "hi", queue=PARKED),
     ValidationError),
    (lambda app: sms_celery.send_campaign(app, "nikita", ["996555000001"], "hi",
                                          campaign_id="no spaces", queue=PARKED),
     ValidationError),
])
def test_bad_campaigns_are_refused_before_anything_is_queued(
        app: Celery, broker: redis.Redis, call: Callable[[Celery], Any],
        error: type[Exception]) -> None:
    with pytest.raises(error):
        call(app)
    assert broker.llen(PARKED) == 0


def test_a_campaign_id_is_used_once(app: Celery, broker: redis.Redis) -> None:
    name = f"spring-{uuid.uuid4().hex[:8]}"
    campaign = sms_celery.send_campaign(app, "nikita", ["996555000001"], "hi",
                                        campaign_id=name, queue=PARKED)
    assert campaign.id == name
    with pytest.raises(ValidationError, match="exists already"):
        sms_celery.send_campaign(app, "nikita", ["996555000001"], "hi", campaign_id=name,
                                 queue=PARKED)
    assert broker.llen(PARKED) == 1


def test_reattaching_to_an_unknown_campaign_fails(app: Celery) -> None:
    with pytest.raises(sms_celery.CampaignNotFound):
        sms_celery.Campaign(app, "no-such-campaign")


def test_setup_refuses_bad_settings(celery_env: dict[str, str]) -> None:
    app = Celery("bad", broker=celery_env["SMSB_BROKER"])
    providers = json.loads(celery_env["SMSB_PROVIDERS"])
    with pytest.raises(ConfigError, match="ledger"):
        sms_celery.setup(app, providers=providers, ledger="localhost:6379")
    with pytest.raises(ConfigError, match="'other'"):
        sms_celery.setup(app, providers=providers, ledger=celery_env["SMSB_LEDGER"],
                         rate_limits={"other": 5})
    with pytest.raises(ConfigError, match="rate_limits"):
        sms_celery.setup(app, providers=providers, ledger=celery_env["SMSB_LEDGER"],
                         rate_limits={"nikita": 0})
    # A lease shorter than a request may take would declare live attempts dead.
    sms_celery.setup(app, providers=providers, ledger=celery_env["SMSB_LEDGER"], lease=2)
    with pytest.raises(ConfigError, match="deadline"):
        sms_celery.send_campaign(app, "nikita", ["996555000001"], "hi")


def test_scheduled_campaigns_are_scheduled_by_the_provider(
        app: Celery, workers: Workers, providers: dict[str, Provider],
        make_numbers: Numbers) -> None:
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=3)
    text = f"Tomorrow {uuid.uuid4().hex[:8]}"
    campaign = sms_celery.send_campaign(app, "nikita", make_numbers(120, "603"), text,
                                        send_at=when)
    # No Celery ETA: the chunks are sent now and the provider holds them until then.
    progress = campaign.wait(timeout=30)
    assert progress.accepted == 120
    held = [m for m in providers["nikita"].sim.messages if m.text == text]
    assert len(held) == 120 and len({m.id for m in held}) == 3
    assert all(m.not_before == when.timestamp() for m in held)


def test_refusals_fail_and_unknown_outcomes_stay_uncertain(
        app: Celery, workers: Workers, providers: dict[str, Provider],
        make_numbers: Numbers) -> None:
    devino = providers["devino"]
    text = f"Faults {uuid.uuid4().hex[:8]}"
    # One chunk's answer is a 500 (it may have been processed: uncertain), another's a
    # refusal (nothing accepted: failed).
    devino.sim.inject("status", path="/SendBulk", status=500, body=b"")
    devino.sim.inject("status", path="/SendBulk", status=400,
                      body=b'{"Code": 6, "Desc": "Invalid destination address"}',
                      content_type="application/json")
    campaign = sms_celery.send_campaign(app, "devino", make_numbers(500, "604"), text)
    progress = campaign.wait(timeout=30)
    assert (progress.accepted, progress.failed, progress.uncertain) == (300, 100, 100)
    records = list(campaign.results())
    errors = {r.outcome: r.error for r in records if r.outcome != "accepted"}
    assert errors["uncertain"] is not None and "DeliveryUnknown" in errors["uncertain"]
    assert errors["failed"] is not None and "Invalid destination address" in errors["failed"]
    held = {m.recipient for m in devino.sim.ledger() if m.text == text}
    assert held == {r.recipient for r in records if r.outcome == "accepted"}


def test_a_deduplicating_provider_is_retried_with_the_same_reference(
        app: Celery, workers: Workers, providers: dict[str, Provider],
        make_numbers: Numbers) -> None:
    nikita = providers["nikita"]
    text = f"Retried {uuid.uuid4().hex[:8]}"
    # The first chunk request is accepted but every answer is lost, more times than the
    # transport repeats it within one task: the task gives the chunk back and a later
    # attempt repeats it with the same id, which the provider recognizes.
    nikita.sim.inject("status", path="/message", status=503, times=3, after_accept=True)
    before = len(nikita.sim.requests)
    campaign = sms_celery.send_campaign(app, "nikita", make_numbers(50, "605"), text)
    progress = campaign.wait(timeout=30)
    # Three sends in the first task (the transport's own repeats), one in the next.
    sends = [r for r in nikita.sim.requests[before:] if r.path.endswith("/message")]
    assert len(sends) == 4
    assert (progress.accepted, progress.uncertain, progress.failed) == (50, 0, 0), [
        r.error for r in campaign.results()][:1]
    held = [m for m in nikita.sim.ledger() if m.text == text]
    assert sorted(m.recipient for m in held) == list(make_numbers(50, "605"))
    ids = {r.recipient: r.message_id for r in campaign.results()}
    assert all(ids[m.recipient] == f"{m.provider_id}:{m.recipient}" for m in held)
