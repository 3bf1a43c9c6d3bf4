"""The producer's side: stream numbers into chunk tasks, follow and read a campaign."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import attrs

from smsbridge.converter import to_data
from smsbridge.errors import ConfigError, SmsBridgeError, ValidationError
from smsbridge.integrations.celery.ledger import FAILED, Record
from smsbridge.integrations.celery.worker import SEND_TASK, settings_of
from smsbridge.models import Message
from smsbridge.phones import normalize_msisdn

if TYPE_CHECKING:
    from celery import Celery

    from smsbridge.client import Client

__all__ = ["Campaign", "CampaignNotFound", "CampaignProgress", "CampaignRecord",
           "CampaignTimeout", "send_campaign"]

#: Stands in for the recipients while text and options are checked once.
_PROBE = "10000000"


class CampaignNotFound(SmsBridgeError, LookupError):
    """The ledger has no campaign with this id (never made, or past its retention)."""


class CampaignTimeout(SmsBridgeError, TimeoutError):
    """:meth:`Campaign.wait` ran out of time; ``progress`` is where the campaign was."""

    def __init__(self, message: str, progress: CampaignProgress) -> None:
        super().__init__(message)
        self.progress = progress


@attrs.frozen(kw_only=True)
class CampaignProgress:
    """How many recipients ended in each outcome, and how many are still pending."""

    total: int
    accepted: int
    failed: int
    uncertain: int
    pending: int
    #: False while the producer is still streaming numbers in (``total`` still grows).
    sealed: bool = True

    @property
    def finished(self) -> bool:
        """True when every recipient has its outcome."""
        return self.sealed and self.pending == 0


@attrs.frozen(kw_only=True)
class CampaignRecord:
    """One recipient's outcome: ``accepted`` (with the provider's message id),
    ``failed`` (with the error) or ``uncertain`` (the provider may have it: reconcile)."""

    recipient: str
    message_id: str | None
    outcome: str
    error: str | None = None


def _refused(exc: ValidationError) -> bool:
    """True when a check refused the number, not the text or options."""
    return exc.field in ("to", None)


def _checked_chunk(client: Client, template: Message,
                   numbers: list[str | int]) -> tuple[list[str], list[Record]]:
    """Split raw numbers into those to send (normalized) and those refused now.

    :raises ValidationError: when the text or options are refused.
    """
    valid: list[str] = []
    rejected: list[Record] = []
    for number in numbers:
        try:
            valid.append(normalize_msisdn(number))
        except ValidationError as exc:
            rejected.append(Record(str(number), None, FAILED, f"ValidationError: {exc}"))
    try:
        client.check([attrs.evolve(template, to=n) for n in valid])
    except ValidationError as exc:
        if not _refused(exc):
            raise
        # The driver refused some number: find which, one by one.
        kept = []
        for number in valid:
            try:
                client.check([attrs.evolve(template, to=number)])
                kept.append(number)
            except ValidationError as one:
                if not _refused(one):
                    raise
                rejected.append(Record(number, None, FAILED, f"ValidationError: {one}"))
        valid = kept
    return valid, rejected


def _check_template(client: Client, text: str, send_at: datetime | None) -> Message:
    """Check text and options once, before anything is queued."""
    template = Message(to=_PROBE, text=text, send_at=send_at)
    try:
        client.check([template])
    except ValidationError as exc:
        # A driver may refuse the stand-in number; the real ones are checked per chunk.
        if not _refused(exc):
            raise
    return template


def send_campaign(app: Celery, provider: str, numbers: Iterable[str | int], text: str,
                  send_at: datetime | None = None, *, campaign_id: str | None = None,
                  queue: str | None = None) -> Campaign:
    """Stream ``numbers`` into chunk tasks of one provider request each; return at once.

    ``numbers`` may be a generator of millions: it is read one chunk at a time. Text
    and options are checked before anything is queued (:class:`ValidationError`); a
    malformed number ends ``failed`` without stopping the others.

    :param provider: a name given to :func:`setup` (``providers=``).
    :param send_at: an aware datetime; the provider schedules the messages where it can
        (no long Celery ETA that a broker's visibility timeout could redeliver).
    :param campaign_id: an id of your own (letters, digits, ``-``, ``_``); a new one by
        default.
    :param queue: the Celery queue for the chunk tasks (the app's default otherwise).
    """
    settings = settings_of(app)
    client = settings.client(provider)
    template = _check_template(client, text, send_at)
    if send_at is not None and not client.supports("send_at"):
        raise ConfigError(f"provider {provider!r} cannot schedule messages (send_at)",
                          key="send_at")
    campaign = campaign_id or uuid.uuid4().hex
    if not campaign.replace("-", "").replace("_", "").isalnum() or len(campaign) > 64:
        raise ValidationError("campaign_id: 1 to 64 letters, digits, '-' or '_'",
                              field="campaign_id")
    size = max(1, client.driver.batch_size)
    iterator = iter(numbers) if not isinstance(numbers, (str, int)) else iter([numbers])
    first = list(itertools.islice(iterator, size))
    if not first:
        raise ValidationError("no recipients", field="numbers")
    checked = _checked_chunk(client, template, first)
    ledger = settings.ledger()
    # Stored and passed to the workers in UTC, written as every smsbridge datetime is.
    when: str | None = to_data(send_at.astimezone(timezone.utc)) if send_at else None
    try:
        ledger.create(campaign, {
            "provider": provider, "text": text, "send_at": when or "", "queue": queue or "",
            "created": to_data(datetime.now(timezone.utc)),
        }, settings.retention)
    except ValueError as exc:
        raise ValidationError(str(exc), field="campaign_id") from exc
    task = app.tasks[SEND_TASK]
    for index in itertools.count():
        if index:
            raw = list(itertools.islice(iterator, size))
            if not raw:
                break
            checked = _checked_chunk(client, template, raw)
        valid, rejected = checked
        ledger.register(campaign, index, valid, rejected, settings.retention)
        if valid:
            task.apply_async(args=[campaign, index, provider, valid, text, when],
                             queue=queue, serializer="json")
    ledger.seal(campaign)
    return Campaign(app, campaign)


class Campaign:
    """A campaign in the ledger; ``Campaign(app, id)`` reattaches from any process."""

    def __init__(self, app: Celery, id: str) -> None:
        self.app = app
        self.id = id
        self._settings = settings_of(app)
        if not self._meta():
            raise CampaignNotFound(f"no campaign {id!r} in the ledger")

    def __repr__(self) -> str:
        return f"<Campaign {self.id}>"

    def _meta(self) -> dict[str, str]:
        return self._settings.ledger().meta(self.id)

    def progress(self) -> CampaignProgress:
        """The counters now (read in one step: they always add up)."""
        meta = self._meta()
        if not meta:
            raise CampaignNotFound(f"no campaign {self.id!r} in the ledger")
        total, accepted, failed, uncertain = (
            int(meta.get(k, 0)) for k in ("total", "accepted", "failed", "uncertain"))
        return CampaignProgress(total=total, accepted=accepted, failed=failed,
                                uncertain=uncertain,
                                pending=total - accepted - failed - uncertain,
                                sealed=meta.get("sealed") == "1")

    def sweep(self) -> int:
        """Settle chunks whose worker died and that no redelivery picked up.

        Where the provider deduplicates and attempts remain, the chunk is published again
        (it is repeated with the same reference); elsewhere its recipients end
        ``uncertain``. Chunks still queued when nothing has moved for twice the lease
        (their broker message was lost) are published again. Returns how many chunks
        were published again.
        """
        meta = self._meta()
        provider = meta["provider"]
        ledger = self._settings.ledger()
        client = self._settings.client(provider)
        again = ledger.sweep(self.id, max_attempts=self._settings.max_attempts,
                             dedup=client.supports("deduplication"),
                             stall=2 * self._settings.lease)
        task = self.app.tasks[SEND_TASK]
        for index in again:
            chunk = ledger.chunk(self.id, index)
            task.apply_async(args=[self.id, index, provider, json.loads(chunk["numbers"]),
                                   meta["text"], meta.get("send_at") or None],
                             queue=meta.get("queue") or None, serializer="json")
        return len(again)

    def wait(self, timeout: float = 600.0, *, poll: float = 0.5) -> CampaignProgress:
        """Block until every recipient has an outcome; return the final progress.

        Sweeps while waiting, so chunks of workers that died are settled too.

        :raises CampaignTimeout: not finished within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        next_sweep = time.monotonic() + self._settings.lease
        while True:
            progress = self.progress()
            if progress.finished:
                return progress
            now = time.monotonic()
            if now >= deadline:
                raise CampaignTimeout(
                    f"campaign {self.id} not finished after {timeout:g}s: {progress}",
                    progress)
            if now >= next_sweep:
                self.sweep()
                next_sweep = now + poll * 4
            time.sleep(min(poll, max(deadline - now, 0.01)))

    def results(self) -> Iterator[CampaignRecord]:
        """Every recipient whose outcome is known, chunk by chunk, in constant memory."""
        chunks = int(self._meta().get("chunks", 0))
        for record in self._settings.ledger().records(self.id, chunks):
            yield CampaignRecord(recipient=record.recipient, message_id=record.message_id,
                                 outcome=record.outcome, error=record.error)
