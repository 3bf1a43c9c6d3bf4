"""The facade applications call: one client, one plugin manager, one driver."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import pluggy

from smsbridge.checks import (
    as_validity,
    check_callback_body,
    check_id,
    check_iterable,
    check_options,
    check_period,
    check_send_at,
    check_sender,
    check_text,
)
from smsbridge.driver import Driver
from smsbridge.errors import (
    DeliveryUnknown,
    DriverError,
    NotSupported,
    SmsBridgeError,
    ValidationError,
    settle_send_error,
)
from smsbridge.ids import chunk_reference
from smsbridge.manager import capabilities, operations, plugin_manager
from smsbridge.models import (
    Balance,
    HlrResult,
    IncomingMessage,
    Lookup,
    Message,
    Price,
    SendResult,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.phones import normalize_many, normalize_number
from smsbridge.sanity import check_result
from smsbridge.waiting import wait_for_final

__all__ = ["Client", "capabilities", "operations", "plugin_manager"]

#: Stands in for the recipients while the options of a send are checked once.
_PROBE_NUMBER = "10000000"


def _addressed(template: Message, numbers: Iterable[str],
               size: int) -> Iterator[list[Message]]:
    """The checked template addressed to each (normalized) number, ``size`` at a time.

    Lazily: numbers are pulled one chunk ahead of the request. Chunk ``i`` carries the
    reference ``chunk_reference(template.reference, i)``, as :meth:`Client._chunks`
    gives a run of equal messages.
    """
    iterator = iter(numbers)
    text, sender, send_at, validity = (template.text, template.sender, template.send_at,
                                       template.validity)
    channel, options = template.channel, template.options
    for index in itertools.count():
        batch = list(itertools.islice(iterator, max(1, size)))
        if not batch:
            return
        reference = chunk_reference(template.reference, index)
        yield [Message(to=number, text=text, sender=sender, send_at=send_at,
                       validity=validity, reference=reference, channel=channel,
                       options=options) for number in batch]


def _batch_key(message: Message) -> tuple[Any, ...]:
    return (message.text, message.sender, message.send_at, message.validity,
            message.reference, message.channel, tuple(sorted(message.options.items())))


class Client:
    """Send messages and query a provider through one driver.

    Made by :func:`smsbridge.connect` and friends. Safe to reuse for many calls; close it
    (or use it as a context manager) to release its HTTP connections.
    """

    def __init__(self, driver: Driver[Any], *, plugins: Sequence[object] = ()) -> None:
        self._driver = driver
        self._pm = plugin_manager(driver, plugins)
        self._operations = operations(self._pm, driver)
        self.capabilities: frozenset[str] = capabilities(self._pm, driver)

    def __repr__(self) -> str:
        return f"<smsbridge.Client {self._driver!r}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def driver(self) -> Driver[Any]:
        """The driver object, for provider-only extras."""
        return self._driver

    @property
    def _country(self) -> str | None:
        """The country national numbers are read in (a setting of national providers)."""
        country: str | None = getattr(self._driver.settings, "default_country", None)
        return country

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """This client's own plugin manager (driver plus extension plugins)."""
        return self._pm

    def supports(self, capability: str) -> bool:
        """True when the driver offers ``capability`` (an operation name or a feature)."""
        return capability in self.capabilities

    def close(self) -> None:
        """Release the driver's HTTP connections."""
        self._driver.close()

    # -- plumbing -------------------------------------------------------------------

    def _call(self, operation: str, expected: type | tuple[type, ...], **kwargs: Any) -> Any:
        if operation not in self._operations:
            raise NotSupported(operation, self._driver.name)
        result = getattr(self._pm.hook, operation)(**kwargs)
        if result is None or not isinstance(result, expected):
            names = (expected.__name__ if isinstance(expected, type)
                     else " or ".join(t.__name__ for t in expected))
            raise DriverError(
                f"driver {self._driver.name!r} returned {type(result).__name__} from "
                f"{operation}(); expected {names}"
            )
        check_result(result, provider=self._driver.name, operation=operation,
                     redactor=self._driver.redactor)
        return result

    def _message(self, to: str, text: str, *, sender: str | None, send_at: datetime | None,
                 validity: timedelta | float | None, reference: str | None, channel: str,
                 options: Mapping[str, Any]) -> Message:
        return Message(to=to, text=text, sender=sender or self._driver.settings.sender,
                       send_at=send_at, validity=as_validity(validity), reference=reference,
                       channel=channel, options=options)

    def _check_message(self, message: Message) -> Message:
        if not isinstance(message, Message):
            raise ValidationError(f"expected smsbridge.Message objects, got "
                                  f"{type(message).__name__}", field="messages")
        check_text(message.text)
        check_sender(message.sender)
        check_options(message.options)
        check_send_at(message.send_at)
        if not isinstance(message.channel, str) or not message.channel:
            raise ValidationError("channel must be a non-empty string", field="channel")
        if message.channel != "sms" and message.channel not in self.capabilities:
            raise NotSupported(f"send(channel={message.channel!r})", self._driver.name)
        if message.reference is not None and not isinstance(message.reference, str):
            raise ValidationError("reference must be a string", field="reference")
        return self._prepare(message)

    def _prepare(self, message: Message) -> Message:
        """A checked message as this client sends it (number normalized, sender filled in)."""
        return attrs.evolve(
            message, to=normalize_number(message.to, self._country),
            sender=message.sender or self._driver.settings.sender,
            validity=as_validity(message.validity),
        )

    def _validate(self, messages: Sequence[Message]) -> None:
        if "validate" in self._operations and messages:
            self._call("validate", bool, messages=list(messages))

    def _send_chunk(self, chunk: list[Message]) -> list[SentMessage]:
        try:
            results: list[SentMessage] = self._call("send", list, messages=chunk)
        except SmsBridgeError as exc:
            # Whichever layer judged the answer, the same rule says what it proves.
            settled = settle_send_error(exc)
            if settled is exc:
                raise
            raise settled from exc
        if len(results) != len(chunk) or not all(isinstance(r, SentMessage) for r in results):
            raise DriverError(
                f"driver {self._driver.name!r} returned {len(results)} results for "
                f"{len(chunk)} messages from send()"
            )
        return results

    def _chunks(self, messages: Iterable[Message]) -> Iterator[list[Message]]:
        """Group messages into requests: same options together, at most batch_size each."""
        size = max(1, self._driver.batch_size)
        if self._driver.mixed_batches:
            iterator = iter(messages)
            index = 0
            while chunk := list(itertools.islice(iterator, size)):
                if index and any(m.reference is not None for m in chunk):
                    chunk = [attrs.evolve(m, reference=chunk_reference(m.reference, index))
                             for m in chunk]
                index += 1
                yield chunk
            return
        seen: dict[tuple[Any, ...], int] = {}
        for key, run in itertools.groupby(messages, key=_batch_key):
            run_iter = iter(run)
            while chunk := list(itertools.islice(run_iter, size)):
                index = seen.get(key, 0)
                seen[key] = index + 1
                reference = chunk_reference(chunk[0].reference, index)
                if reference != chunk[0].reference:
                    chunk = [attrs.evolve(m, reference=reference) for m in chunk]
                yield chunk

    def _settle(self, exc: SmsBridgeError, chunk: list[Message],
                sent: list[SentMessage]) -> None:
        """Tell the caller exactly where a failed send stands.

        ``partial`` gets what was accepted (``sent`` before this chunk, then what the
        driver says this chunk's earlier requests accepted); ``unknown`` the chunk's
        messages that may or may not have arrived; ``retry_safe`` whether repeating the
        same call could make anyone receive a message twice.
        """
        own = list(exc.partial.messages) if isinstance(exc.partial, SendResult) else []
        accepted = [*sent, *own]
        exc.partial = SendResult(messages=accepted)
        if isinstance(exc, DeliveryUnknown) and not exc.unknown:
            taken = {m.recipient for m in own}
            exc.unknown = tuple(m for m in chunk if m.to not in taken)
        if accepted or exc.unknown or isinstance(exc, DeliveryUnknown):
            # A repeat resends the accepted and uncertain messages: harmless only where the
            # provider recognizes them by ids derived from the caller's reference.
            exc.retry_safe = self._repeatable(chunk)

    def _repeatable(self, chunk: list[Message]) -> bool:
        """True when the provider recognizes a resent ``chunk`` by its references."""
        return ("deduplication" in self.capabilities
                and all(m.reference is not None for m in chunk))

    def _send_settled(self, chunk: list[Message]) -> list[SentMessage]:
        """Send one chunk; on failure its error says what this chunk got accepted."""
        try:
            return self._send_chunk(chunk)
        except SmsBridgeError as exc:
            self._settle(exc, chunk, [])
            raise

    def _concurrency(self, concurrency: object) -> int:
        """``concurrency`` checked and clamped to the driver's ceiling, with connections
        for that many requests reserved."""
        if concurrency == 1 and type(concurrency) is int:
            return 1
        # Imported on use: the thread pool costs ~5 ms of every program's start.
        from smsbridge.inflight import check_concurrency

        count = check_concurrency(concurrency, ceiling=max(1, self._driver.max_concurrency),
                                  driver=self._driver.name)
        if count > 1:
            self._driver.reserve_connections(count)
        return count

    def _validated(self, chunks: Iterable[list[Message]]) -> Iterator[list[Message]]:
        for chunk in chunks:
            self._validate(chunk)
            yield chunk

    def _deliver(self, chunks: Iterable[list[Message]],
                 concurrency: int = 1) -> Iterator[SentMessage]:
        if concurrency > 1:
            from smsbridge.inflight import run_chunks

            for _, answered in run_chunks(self._send_settled, self._validated(chunks),
                                          concurrency, repeatable=self._repeatable):
                yield from answered
            return
        for chunk in chunks:
            self._validate(chunk)
            try:
                results = self._send_chunk(chunk)
            except SmsBridgeError as exc:
                # Earlier chunks were yielded already; partial is what this one accepted.
                self._settle(exc, chunk, [])
                raise
            yield from results

    def _collect(self, chunks: list[list[Message]], *, checked: bool = False,
                 concurrency: int = 1) -> SendResult:
        """Validate every chunk (unless ``checked``), then send them one by one, keeping
        what was accepted (in input order)."""
        if "send" not in self._operations:
            raise NotSupported("send", self._driver.name)
        if not checked:
            for chunk in chunks:
                self._validate(chunk)
        if concurrency > 1:
            from smsbridge.inflight import run_chunks

            answered = dict(run_chunks(self._send_settled, iter(chunks), concurrency,
                                       repeatable=self._repeatable, keep=True))
            return SendResult(messages=[m for i in sorted(answered) for m in answered[i]])
        sent: list[SentMessage] = []
        for chunk in chunks:
            try:
                sent.extend(self._send_chunk(chunk))
            except SmsBridgeError as exc:
                self._settle(exc, chunk, sent)
                raise
        return SendResult(messages=sent)

    # -- sending --------------------------------------------------------------------

    def send(
        self,
        to: str | Iterable[str],
        text: str,
        *,
        sender: str | None = None,
        send_at: datetime | None = None,
        validity: timedelta | float | None = None,
        reference: str | None = None,
        channel: str = "sms",
        concurrency: int = 1,
        **channel_options: Any,
    ) -> SendResult:
        """Send ``text`` to one number or to every number of an iterable.

        Every number and option is validated before the first request. When a chunk
        fails, the raised error's ``partial`` is the :class:`SendResult` of what the
        provider already accepted, its ``unknown`` the messages whose outcome is unknown
        (the chunks in flight) and its ``retry_safe`` whether repeating this call could
        double a message. Recipients in neither were not attempted.

        ``concurrency`` keeps up to that many requests in flight (at most the driver's
        ``max_concurrency``; more is lowered to it and logged); on a failure no new
        request starts and the ones in flight are waited for.
        """
        count = self._concurrency(concurrency)
        check_text(text)
        template = self._check_message(self._message(
            _PROBE_NUMBER, text, sender=sender, send_at=send_at, validity=validity,
            reference=reference, channel=channel, options=channel_options))
        chunks = list(_addressed(template, normalize_many(to, self._country),
                                 self._driver.batch_size))
        if not chunks:
            raise ValidationError("no recipients", field="to")
        return self._collect(chunks, concurrency=count)

    def send_iter(
        self,
        to: str | Iterable[str],
        text: str,
        *,
        sender: str | None = None,
        send_at: datetime | None = None,
        validity: timedelta | float | None = None,
        reference: str | None = None,
        channel: str = "sms",
        concurrency: int = 1,
        **channel_options: Any,
    ) -> Iterator[SentMessage]:
        """Send to a (possibly huge) iterable of numbers lazily, chunk by chunk.

        Text and options are checked now; each number is checked just before its chunk
        is sent. Each recipient's :class:`SentMessage` is yielded as soon as its chunk is
        answered, so memory stays constant and the caller can persist ids as they come.
        When a chunk fails, the error's ``partial`` holds what that chunk got accepted
        (earlier chunks were yielded) and ``unknown`` its messages of unknown outcome.

        ``concurrency`` keeps up to that many chunk requests in flight (at most the
        driver's ``max_concurrency``), each chunk yielded as it is answered, not
        necessarily in input order; numbers are still pulled as slots free up. On a
        failure no new chunk starts, the ones in flight are waited for, and the error's
        ``partial`` holds every accepted message not yielded, ``unknown`` those of every
        chunk left uncertain. Stopping the iteration early waits for the requests in
        flight without reporting them: consume it to the end.
        """
        if "send" not in self._operations:
            raise NotSupported("send", self._driver.name)
        count = self._concurrency(concurrency)
        check_text(text)
        template = self._check_message(self._message(
            _PROBE_NUMBER, text, sender=sender, send_at=send_at, validity=validity,
            reference=reference, channel=channel, options=channel_options))
        return self._deliver(_addressed(template, normalize_many(to, self._country),
                                        self._driver.batch_size), count)

    def send_many(self, messages: Iterable[Message]) -> SendResult:
        """Send a different text (or options) per recipient.

        Drivers that support it send many texts per request; others send each group of
        equal messages in its own requests.
        """
        checked = [self._check_message(m) for m in check_iterable(messages, "messages")]
        if not checked:
            raise ValidationError("no messages", field="messages")
        return self._collect(list(self._chunks(checked)))

    def _send_checked(self, messages: Sequence[Message]) -> SendResult:
        """:meth:`send_many` for messages :meth:`check` accepted: not checked again.

        For drivers that send through other clients and check with them first (the
        failover driver checks a chunk with every provider, then sends it through one).
        """
        return self._collect(list(self._chunks([self._prepare(m) for m in messages])),
                             checked=True)

    def check(self, messages: Iterable[Message]) -> list[Message]:
        """Run every check a send runs, the core's and the driver's, and send nothing.

        :returns: the messages as they would be sent (numbers normalized, the default
            sender filled in).
        :raises ValidationError: naming the first problem.
        """
        checked = [self._check_message(m) for m in check_iterable(messages, "messages")]
        for chunk in self._chunks(checked):
            self._validate(chunk)
        return checked

    # -- queries --------------------------------------------------------------------

    def status(self, message_id: str) -> StatusReport:
        """The delivery state of a message ``send()`` returned."""
        check_id(message_id, "message_id")
        result: StatusReport = self._call("status", StatusReport, message_id=message_id)
        return result

    def wait(self, ids: str | Iterable[str] | SendResult, *, timeout: float = 300.0,
             poll: float = 5.0) -> dict[str, StatusReport]:
        """Poll the status of messages until every one is final (delivered, undelivered,
        expired, rejected, canceled or read).

        ``ids`` is one id, many, or a :class:`SendResult`. Each round asks only about
        the messages still in progress; pauses start at ``poll`` seconds and grow by half
        each round up to a minute.

        :returns: every id's final :class:`StatusReport`, by id, in the order given.
        :raises WaitTimeout: (a ``TimeoutError``) after ``timeout`` seconds; its
            ``reports`` keeps every id's last report and ``pending`` the ids not final.
        :raises SmsBridgeError: what :meth:`status` raises (``NotFound`` for an id the
            provider does not know), at once.
        """
        return wait_for_final(self.status, ids, timeout=timeout, poll=poll)

    def balance(self) -> Balance:
        """The account balance."""
        result: Balance = self._call("balance", Balance)
        return result

    def prices(self, channel: str | None = None, **filters: Any) -> list[Price]:
        """Prices, optionally for one channel (``sms``, ``viber``, ``hlr``)."""
        if channel is not None and not isinstance(channel, str):
            raise ValidationError("channel must be a string such as 'sms'", field="channel")
        result: list[Price] = self._call("prices", list, channel=channel, filters=filters)
        return result

    def hlr(self, msisdns: str | Iterable[str], **options: Any) -> list[HlrResult]:
        """Create HLR requests for one or many numbers."""
        numbers = list(normalize_many(msisdns, self._country))
        if not numbers:
            raise ValidationError("no numbers", field="msisdns")
        check_options(options)
        result: list[HlrResult] = self._call("hlr", list, msisdns=numbers, options=options)
        return result

    def hlr_result(self, hlr_id: str) -> HlrResult:
        """The result of an HLR request created earlier."""
        check_id(hlr_id, "hlr_id")
        result: HlrResult = self._call("hlr_result", HlrResult, hlr_id=hlr_id)
        return result

    def lookup(self, msisdn: str) -> Lookup:
        """Region, operator and time zone of a number."""
        number = normalize_number(msisdn, self._country)
        result: Lookup = self._call("lookup", Lookup, msisdn=number)
        return result

    def report(self, start: datetime, end: datetime, **filters: Any) -> Statistics:
        """Statistics of the messages sent between two aware datetimes."""
        check_period(start, end)
        result: Statistics = self._call("report", Statistics, start=start, end=end,
                                        filters=filters)
        return result

    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """Messages received between two aware datetimes."""
        check_period(start, end)
        result: list[IncomingMessage] = self._call("inbox", list, start=start, end=end)
        return result

    def parse_callback(self, body: bytes | str, content_type: str | None = None) -> list[Any]:
        """Parse a report the provider pushed to the application (delivery, HLR)."""
        body = check_callback_body(body)
        if content_type is not None and not isinstance(content_type, str):
            raise ValidationError("content_type must be a string", field="content_type")
        result: list[Any] = self._call("parse_callback", list, body=body,
                                       content_type=content_type)
        return result

