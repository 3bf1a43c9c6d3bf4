"""The KetchUp Loyalty driver: hook implementations over the pure ``api`` modules."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from smsbridge import Driver, hookimpl
from smsbridge.answers import Answer
from smsbridge.errors import NotFound, ProviderError, SmsBridgeError, ValidationError
from smsbridge.models import (
    HlrResult,
    HlrStatus,
    Message,
    Price,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.phones import normalize_many, normalize_msisdn
from smsbridge_ketchup import api, exports, hlr, sending
from smsbridge_ketchup.errors import PROVIDER_ERRORS
from smsbridge_ketchup.parsing import is_duplicate
from smsbridge_ketchup.push import parse_push
from smsbridge_ketchup.references import message_references, provider_reference
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import SEND_OPTIONS, SENDER_RULE, check_message

__all__ = ["KetchupDriver"]

logger = logging.getLogger("smsbridge.ketchup")


class KetchupDriver(Driver[KetchupSettings]):
    """KetchUp Loyalty (api.smsketchuployalty.com.ua): SMS, Viber, HLR, statistics."""

    name = "ketchup"
    batch_setting = "chunk_size"
    # sms/create "individual" carries a text and originator per recipient.
    mixed_batches = True
    # The platform refuses a second message with our reference: repeats cannot double.
    features = frozenset({"send_at", "viber", "deduplication"})
    send_options = SEND_OPTIONS
    sender_rule = SENDER_RULE
    url_credentials = (None, "api_key")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_ketchup.simulator:KetchupSimulator"

    def check_message(self, message: Message) -> None:
        """Check the channel's options, originator length and validity range too."""
        super().check_message(message)
        check_message(message)

    # -- hooks ----------------------------------------------------------------------

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send SMS (``phone``/``phones``/``individual``) and Viber messages."""
        references = message_references(messages)
        groups = sending.send_groups(messages, self.settings)
        outcome = sending.Outcome(messages, references)
        for channel, indices in groups:
            try:
                sent = self._create(channel, [messages[i] for i in indices],
                                    [references[i] for i in indices])
            except ProviderError as exc:
                if len(groups) == 1:
                    raise
                outcome.refuse(indices, exc)
            except SmsBridgeError as exc:
                outcome.keep(exc)
                raise
            else:
                outcome.record(indices, sent)
        return outcome.result()

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Fetch ``sms/{id}``, ``viber/{id}`` or their ``reference/{reference}`` forms."""
        answer = self.perform(api.status_request(message_id, self.settings), operation="status")
        return api.parse_status(answer, message_id)

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """List ``{sms,viber,hlr}/prices/{tariff}``."""
        out: list[Price] = []
        for name, request in api.prices_requests(channel, filters, self.settings):
            out.extend(api.parse_prices(self.perform(request, operation="prices"), name, filters))
        return out

    @hookimpl
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Create HLR requests (``hlr/create``), deduplicated by reference like sends."""
        out: list[HlrResult] = []
        for chunk in hlr.hlr_chunks(msisdns, options, self.settings):
            answer = self.perform(chunk.request, operation="hlr", send=True, idempotent=True)
            created, whole = hlr.parse_create(answer, chunk)
            found = [result if result is not None else self._existing_hlr(msisdn, reference)
                     for result, msisdn, reference in zip(created, chunk.msisdns,
                                                          chunk.references, strict=True)]
            if whole is not None and all(f.status is HlrStatus.FAILED for f in found):
                raise hlr.whole_refusal(answer, whole, found)
            out.extend(found)
        return out

    @hookimpl
    def hlr_result(self, hlr_id: str) -> HlrResult:
        """Fetch ``hlr/{id}`` or, for ``ref:<reference>``, ``hlr/reference/{reference}``."""
        answer = self.perform(hlr.result_request(hlr_id, self.settings), operation="hlr_result")
        return hlr.parse_result(answer)

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Export the period's statistics, wait for the file and count it."""
        key = self.create_export(start=start, end=end, **filters)
        polls = exports.polls(self.settings)
        rows: list[dict[str, Any]] = []
        for attempt in range(polls):
            try:
                rows = self.export_rows(key)
                break
            except ProviderError as exc:
                if exc.code == exports.EMPTY:  # nothing was sent in the period
                    break
                if exc.code != exports.NOT_READY or attempt == polls - 1:
                    raise
            self.retry.sleep(self.settings.report_poll_interval)
        if self.settings.report_cleanup:
            try:
                self.delete_export(key)
            except ProviderError:
                logger.info("ketchup export %s was read but could not be deleted", key)
        return exports.statistics(rows)

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Parse an HLR report (or message status) the provider pushed."""
        pushed = Answer.of_push(body, provider=self.name, redactor=self.redactor)
        with pushed.reading("a KetchUp report"):
            return parse_push(body)

    # -- sending and HLR, step by step -------------------------------------------------

    def _create(self, channel: str, group: Sequence[Message],
                references: Sequence[str]) -> list[SentMessage]:
        """Make one create request; look up the references it answers "exists" for."""
        # KetchUp refuses a reference it already has, so a repeat cannot double a message.
        answer = self.perform(sending.create_request(channel, group, references, self.settings),
                              operation="send", send=True, idempotent=True)
        sent, whole = sending.parse_create(answer, channel, group, references)
        out: list[SentMessage] = []
        for index, (message, reference, result) in enumerate(
                zip(group, references, sent, strict=True)):
            try:
                out.append(self._existing(channel, message, reference, result.error)
                           if is_duplicate(channel, result.error) else result)
            except SmsBridgeError as exc:
                # What this request created, or found created earlier, stays accepted.
                exc.partial = sending.kept(channel, out, sent[index + 1:])
                raise
        if whole is not None and not any(m.ok for m in out):
            raise out[0].error or whole
        return out

    def _existing(self, channel: str, message: Message, reference: str,
                  refused: ProviderError | None) -> SentMessage:
        """The message KetchUp holds under ``reference``; unknown when it cannot be read."""
        try:
            answer = self.perform(sending.existing_request(channel, reference, self.settings),
                                  operation="send")
            found = sending.parse_existing(answer, channel)
        except NotFound:
            found = {}
        except SmsBridgeError as exc:
            raise sending.unknown_existing(reference, exc) from exc
        result = sending.existing_result(channel, message, reference, refused, found)
        if result.ok:
            logger.info("ketchup %s reference %s was accepted earlier; returning that "
                        "acceptance", channel, reference)
        return result

    def _existing_hlr(self, msisdn: str, reference: str) -> HlrResult:
        """The HLR request KetchUp holds under ``reference``; unknown when unreadable."""
        try:
            found: HlrResult | None = self.hlr_result(f"ref:{reference}")
        except NotFound:
            found = None
        except SmsBridgeError as exc:
            raise hlr.unknown_existing(reference, exc) from exc
        result = hlr.existing_hlr(found, msisdn, reference)
        if result is found:
            logger.info("ketchup HLR reference %s was created earlier; returning it", reference)
        return result

    # -- extras ---------------------------------------------------------------------

    def estimate(self, to: str | Iterable[str], text: str, *, sender: str | None = None,
                 send_at: datetime | None = None, validity: timedelta | None = None,
                 channel: str = "sms", **options: Any) -> Price:
        """What a send would cost (``sms/price`` or ``viber/price``), as a :class:`Price`."""
        messages = [Message(to=n, text=text, sender=sender or self.settings.sender,
                            send_at=send_at, validity=validity, channel=channel,
                            options=options) for n in normalize_many(to)]
        return self.estimate_messages(messages)

    def estimate_messages(self, messages: Sequence[Message]) -> Price:
        """What sending these messages would cost (numbers already normalized)."""
        if not messages:
            raise ValidationError("no messages", field="messages")
        messages = [m if m.sender else Message(
            to=m.to, text=m.text, sender=self.settings.sender, send_at=m.send_at,
            validity=m.validity, reference=m.reference, channel=m.channel,
            options=m.options) for m in messages]
        self.validate(messages)
        answer = self.perform(api.estimate_request(messages, self.settings),
                              operation="estimate")
        return api.parse_estimate(answer, messages[0].channel)

    def status_by_reference(self, reference: str, channel: str = "sms",
                            recipient: str | None = None) -> StatusReport:
        """Status of a message by the reference it was sent with.

        The reference is mapped exactly as ``send()`` mapped it; give ``recipient`` for a
        request that sent one reference to several numbers.
        """
        prefix = "viber:" if channel == "viber" else ""
        number = None if recipient is None else normalize_msisdn(recipient)
        return self.status(f"{prefix}ref:{provider_reference(reference, number)}")

    def task_status(self, task_id: str) -> Statistics:
        """Counts of a many-number send by its ``task_id`` (kept in ``SentMessage.raw``)."""
        answer = self.perform(api.task_request(task_id, self.settings), operation="task_status")
        return api.parse_task(answer)

    def hlr_by_reference(self, reference: str, msisdn: str | None = None) -> HlrResult:
        """An HLR request by its reference (``hlr/reference/{reference}``).

        The reference is mapped exactly as ``hlr()`` mapped it; give ``msisdn`` for a
        request that created several HLR requests with one reference.
        """
        number = None if msisdn is None else normalize_msisdn(msisdn)
        return self.hlr_result(f"ref:{provider_reference(reference, number)}")

    def create_export(self, *, message_ids: Sequence[str | int] | None = None,
                      start: datetime | None = None, end: datetime | None = None,
                      **filters: Any) -> str:
        """Request a statistics export (``stat/create``); return the file key."""
        request = exports.create_request(self.settings, message_ids=message_ids, start=start,
                                         end=end, filters=filters)
        return exports.parse_created(self.perform(request, operation="report"))

    def export_rows(self, key: str) -> list[dict[str, Any]]:
        """The message rows of an export (JSON); ``ProviderError`` 91 while not ready."""
        answer = self.perform(exports.file_request(self.settings, key), operation="report")
        return exports.parse_rows(answer)

    def export_file(self, key: str, file_format: str = "json") -> bytes:
        """Download an export as ``json``, ``xml`` or ``csv`` bytes."""
        answer = self.perform(exports.file_request(self.settings, key, file_format),
                              operation="report")
        return exports.parse_file(answer, file_format)

    def list_exports(self) -> Any:
        """The exports the provider keeps (``stat/list``), as answered."""
        answer = self.perform(exports.list_request(self.settings), operation="list_exports")
        return exports.parse_list(answer)

    def delete_export(self, key: str) -> None:
        """Delete an export (the provider keeps at most five)."""
        answer = self.perform(exports.delete_request(self.settings, key),
                              operation="delete_export")
        exports.parse_deleted(answer)

    @property
    def is_test_key(self) -> bool:
        """True when the API key is a test key (the provider answers with random data)."""
        return api.is_test_key(self.settings)
