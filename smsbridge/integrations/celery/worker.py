"""What runs in a Celery worker: one task sends one chunk, one provider request.

The ledger decides, atomically, whether an attempt may send a chunk (see
:mod:`smsbridge.integrations.celery.ledger`). The broker message names the provider and
carries numbers and text; credentials stay in each worker's own :func:`setup`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

import smsbridge
from smsbridge.errors import (
    ConfigError,
    DeliveryUnknown,
    DuplicateMessage,
    RateLimited,
    SmsBridgeError,
    TransportError,
)
from smsbridge.integrations.celery.ledger import (
    ACCEPTED,
    FAILED,
    UNCERTAIN,
    Ledger,
    Record,
)
from smsbridge.models import SendResult

if TYPE_CHECKING:
    from celery import Celery, Task

    from smsbridge.client import Client

__all__ = ["SEND_TASK", "SWEEP_TASK", "Settings", "chunk_reference", "records_for_error",
           "settings_of"]

logger = logging.getLogger(__name__)

SEND_TASK = "smsbridge.celery.send_chunk"
SWEEP_TASK = "smsbridge.celery.sweep"
#: Longest a task sleeps in the worker for the rate limiter; longer waits go back to
#: the broker as a countdown. Sleeping is the cheap case: only the tasks workers are
#: running wait, so with W workers a wait is about W chunks' worth of the rate; a
#: countdown for every task of a backlog would churn the broker instead.
_MAX_RATE_SLEEP = 30.0
#: Seconds a ledger command may take.
_REDIS_TIMEOUT = 10.0


def chunk_reference(campaign: str, index: int) -> str:
    """The reference of a campaign's chunk: the same for every attempt at it.

    Campaign ids have no ``.``, so no two chunks of two campaigns share a reference; a
    driver fits it to its provider's id format deterministically.
    """
    return f"{campaign}.{index}"


@attrs.define(kw_only=True, eq=False)
class Settings:
    """What :func:`setup` gave one app, plus the per-process connections made from it."""

    providers: Mapping[str, str | Mapping[str, Any]] = attrs.field(repr=False)
    ledger_url: str = attrs.field(repr=False)
    rate_limits: Mapping[str, float]
    max_attempts: int
    lease: float
    retention: float
    _clients: dict[str, Client] = attrs.field(factory=dict, repr=False)
    _ledger: Ledger | None = attrs.field(default=None, repr=False)
    _pid: int = attrs.field(factory=os.getpid, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def _fresh(self) -> None:
        # A forked worker process must not share its parent's sockets.
        if self._pid != os.getpid():
            self._clients, self._ledger, self._pid = {}, None, os.getpid()

    def client(self, provider: str) -> Client:
        """This process's client for ``provider``, made on first use."""
        with self._lock:
            self._fresh()
            client = self._clients.get(provider)
            if client is None:
                config = self.providers.get(provider)
                if config is None:
                    raise ConfigError(
                        f"no provider named {provider!r} in setup(providers=...); "
                        f"configured: {', '.join(sorted(self.providers)) or 'none'}",
                        key="providers")
                client = (smsbridge.connect(config) if isinstance(config, str)
                          else smsbridge.from_config(config))
                deadline = client.driver.settings.deadline
                if self.lease <= deadline:
                    client.close()
                    raise ConfigError(
                        f"setup(lease={self.lease:g}) must be longer than provider "
                        f"{provider!r}'s deadline ({deadline:g}s): an attempt still waiting "
                        "for its answer would count as dead", key="lease")
                self._clients[provider] = client
            return client

    def ledger(self) -> Ledger:
        """This process's connection to the campaign ledger."""
        with self._lock:
            self._fresh()
            if self._ledger is None:
                import redis

                # Timeouts: a Redis server that stops answering must fail the task, not
                # hang it (redis-py repeats a command after a connection error itself).
                self._ledger = Ledger(redis.Redis.from_url(
                    self.ledger_url, socket_timeout=_REDIS_TIMEOUT,
                    socket_connect_timeout=_REDIS_TIMEOUT))
            return self._ledger


def settings_of(app: Celery) -> Settings:
    """The settings :func:`setup` stored on ``app``."""
    settings = getattr(app, "_smsbridge_settings", None)
    if not isinstance(settings, Settings):
        raise ConfigError("call smsbridge.integrations.celery.setup(app, ...) first")
    return settings


def records_for(result: SendResult) -> list[Record]:
    """Each recipient's record from a send's result."""
    return [Record(m.recipient, m.message_id, ACCEPTED, None) if m.ok
            else Record(m.recipient, None, FAILED, str(m.error or "refused"))
            for m in result.messages]


def records_for_error(numbers: Sequence[str], exc: SmsBridgeError) -> list[Record]:
    """Each recipient's record after a send raised ``exc``.

    What the error says was accepted is accepted; its ``unknown`` messages, and every
    other recipient after a :class:`DeliveryUnknown` (or a :class:`DuplicateMessage`:
    the provider has an earlier attempt whose ids we lack), are uncertain; the rest
    failed.
    """
    known = records_for(exc.partial) if isinstance(exc.partial, SendResult) else []
    seen = {r.recipient for r in known}
    unknown = {m.to for m in exc.unknown}
    outcome_all = UNCERTAIN if isinstance(exc, (DeliveryUnknown, DuplicateMessage)) else FAILED
    reason = f"{type(exc).__name__}: {exc}"
    rest = [Record(n, None, UNCERTAIN if n in unknown else outcome_all, reason)
            for n in numbers if n not in seen]
    return known + rest


def scheduled_for(send_at: str | None, now: datetime | None = None) -> datetime | None:
    """The ``send_at`` a chunk passes to the provider: None once the time has come.

    A campaign's chunks may run long after its ``send_at`` (a backlog, a rate limit, a
    redelivery); a time already past means "now", and the client refuses past times.
    """
    if send_at is None:
        return None
    when = datetime.fromisoformat(send_at)
    return when if when > (now or datetime.now(timezone.utc)) else None


def _retry_later(exc: SmsBridgeError, attempt: int) -> float | None:
    """Seconds before repeating the chunk, or None when it must not be repeated."""
    if not exc.retry_safe or not isinstance(exc, (TransportError, RateLimited)):
        return None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        return max(exc.retry_after, 0.1)
    return float(min(2 ** (attempt - 1), 30))


def send_chunk(task: Task, campaign: str, index: int, provider: str, numbers: list[str],
               text: str, send_at: str | None) -> str:
    """Send chunk ``index`` of ``campaign`` unless the ledger says it must not be."""
    settings = settings_of(task.app)
    ledger = settings.ledger()
    client = settings.client(provider)
    dedup = client.supports("deduplication")
    if ledger.state(campaign, index) in (None, "done"):
        return "done"
    rate = settings.rate_limits.get(provider)
    if rate:
        reserved, wait = ledger.reserve(provider, len(numbers), rate=rate, burst=len(numbers),
                                        max_wait=_MAX_RATE_SLEEP)
        if not reserved:
            raise task.retry(countdown=wait - _MAX_RATE_SLEEP / 2, max_retries=None)
        time.sleep(wait)
    token = uuid.uuid4().hex
    claim = ledger.claim(campaign, index, token, lease=settings.lease,
                         max_attempts=settings.max_attempts, dedup=dedup)
    if claim.action == "busy":
        # Another attempt holds the chunk (a redelivered copy of this message): look
        # again when its lease ends; the ledger then knows whether it finished.
        raise task.retry(countdown=claim.detail + 0.5, max_retries=None)
    if claim.action not in ("send", "resend"):
        return claim.action
    attempt = int(claim.detail)
    when = scheduled_for(send_at)
    try:
        result = client.send(numbers, text, send_at=when,
                             reference=chunk_reference(campaign, index))
    except SmsBridgeError as exc:
        delay = _retry_later(exc, attempt)
        if delay is not None and attempt < settings.max_attempts:
            proven = not isinstance(exc, DeliveryUnknown)
            if ledger.requeue(campaign, index, token, proven=proven):
                logger.info("campaign %s chunk %d: %s; again in %.1fs", campaign, index,
                            type(exc).__name__, delay)
                raise task.retry(countdown=delay, max_retries=None) from exc
            return "late"  # another attempt took the chunk over meanwhile
        records = records_for_error(numbers, exc)
    else:
        records = records_for(result)
    if not ledger.settle(campaign, index, token, records):
        logger.warning("campaign %s chunk %d: answered after another attempt took over",
                       campaign, index)
        return "late"
    return "settled"


def register_tasks(app: Celery) -> None:
    """Register the chunk task and the sweeper task on ``app``."""

    def send(self: Task, campaign: str, index: int, provider: str, numbers: list[str],
             text: str, send_at: str | None = None) -> str:
        return send_chunk(self, campaign, index, provider, numbers, text, send_at)

    def sweep(campaign: str) -> int:
        from smsbridge.integrations.celery.campaign import Campaign

        return Campaign(app, campaign).sweep()

    # acks_late and reject_on_worker_lost: a chunk's message is acknowledged only once
    # the ledger has its outcome, so a killed worker's chunk comes back to the ledger.
    app.task(name=SEND_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             serializer="json", ignore_result=True, max_retries=None)(send)
    app.task(name=SWEEP_TASK, serializer="json", ignore_result=True)(sweep)
