"""The ``send`` command: a campaign sent chunk by chunk in constant memory, with a journal."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from smsbridge.cli.campaign import Interrupts, Journal, ResumeState, read_journal
from smsbridge.cli.context import Context, parse_when
from smsbridge.cli.output import (
    DO_NOT_RESEND,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TRANSPORT,
    UsageError,
    describe_error,
    dumps,
    error_document,
    exit_code_for,
    jsonable,
)
from smsbridge.cli.recipients import Recipient, RecipientSource
from smsbridge.errors import DuplicateMessage, SmsBridgeError, ValidationError
from smsbridge.ids import chunk_reference, new_reference
from smsbridge.models import Message, Price, SendResult, SentMessage
from smsbridge.text import segments

if TYPE_CHECKING:
    from smsbridge.cli.inflight import InFlight
    from smsbridge.client import Client

__all__ = ["Campaign", "run_send"]

#: Invalid numbers a dry run lists one by one (it counts all of them).
_LISTED_INVALID = 100
#: Unknown recipients the JSON summary lists (every one is in ``messages`` too).
_LISTED_UNKNOWN = 1000


@attrs.define
class Tally:
    """Running totals of a send, by outcome."""

    accepted: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    not_attempted: int = 0
    #: Recipients a resumed campaign found settled in its journal.
    already: int = 0
    parts: int = 0
    prices: dict[str, Decimal] = attrs.field(factory=dict)

    @property
    def recipients(self) -> int:
        """Recipients this run settled: accepted, failed, unknown or skipped."""
        return self.accepted + self.failed + self.unknown + self.skipped

    def add(self, sent: SentMessage) -> None:
        """Count one accepted recipient, its parts and its price."""
        self.accepted += 1
        self.parts += sent.parts or 0
        if sent.price is not None:
            currency = sent.currency or ""
            self.prices[currency] = self.prices.get(currency, Decimal(0)) + sent.price

    def summary(self) -> dict[str, Any]:
        """The totals as JSON-ready data."""
        return {
            "recipients": self.recipients, "accepted": self.accepted, "failed": self.failed,
            "unknown": self.unknown, "skipped": self.skipped,
            "not_attempted": self.not_attempted, "already_settled": self.already,
            "parts": self.parts,
            "total_price": [{"amount": str(amount), "currency": currency or None}
                            for currency, amount in sorted(self.prices.items())],
        }

    def text(self) -> str:
        """The totals as one line."""
        line = (f"{self.recipients} recipient{'s' if self.recipients != 1 else ''}: "
                f"{self.accepted} accepted, {self.failed} failed")
        for count, label in ((self.unknown, "unknown"), (self.skipped, "skipped"),
                             (self.not_attempted, "not attempted")):
            if count:
                line += f", {count} {label}"
        line += f", {self.parts} SMS part{'s' if self.parts != 1 else ''}"
        if self.prices:
            line += ", total price " + " + ".join(
                f"{amount}{' ' + currency if currency else ''}"
                for currency, amount in sorted(self.prices.items()))
        if self.already:
            line += f" ({self.already} settled by the earlier run)"
        return line


class Progress:
    """A tqdm bar on stderr, or nothing (not a terminal, tqdm missing, or not wanted)."""

    def __init__(self, bar: Any = None, stdout_is_terminal: bool = False) -> None:
        self._bar = bar
        self._stdout_is_terminal = stdout_is_terminal

    @classmethod
    def start(cls, ctx: Context, *, wanted: bool, total: int | None) -> Progress:
        """Show a bar when ``wanted`` and stderr is a terminal."""
        if not wanted or not _isatty(ctx.out.stderr):
            return cls()
        try:
            # Imported by name: tqdm ships no type information.
            tqdm = importlib.import_module("tqdm").tqdm
        except ImportError:  # the 'cli' extra is optional: no bar then
            return cls()
        bar = tqdm(total=total, unit="msg", desc="sending", file=ctx.out.stderr,
                   dynamic_ncols=True, mininterval=0.2)
        return cls(bar, _isatty(ctx.out.stdout))

    @property
    def active(self) -> bool:
        """True when a bar is shown."""
        return self._bar is not None

    def update(self, count: int = 1) -> None:
        """Count recipients done."""
        if self._bar is not None and count:
            self._bar.update(count)

    def print(self, ctx: Context, text: str) -> None:
        """Print a line to stdout without tearing the bar when both share the terminal."""
        if self._bar is not None and self._stdout_is_terminal:
            with type(self._bar).external_write_mode(file=ctx.out.stdout):
                ctx.out.line(text)
        else:
            ctx.out.line(text)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@attrs.frozen
class Outcome:
    """How one recipient of a campaign ended."""

    recipient: Recipient
    #: ``accepted``, ``failed``, ``unknown``, ``skipped`` or ``not_attempted``.
    outcome: str
    sent: SentMessage | None = None
    error: BaseException | None = None
    chunk: int | None = None
    reference: str | None = None

    def journal_record(self) -> dict[str, Any]:
        """The journal's line for this recipient."""
        sent = self.sent
        where = self.recipient.where
        line = int(where.rsplit(" ", 1)[1]) if "line " in where else None
        error = self.error if self.error is not None else (sent.error if sent else None)
        return {"seq": self.recipient.seq, "line": line, "where": where,
                "recipient": sent.recipient if sent else (self.recipient.number
                                                          or self.recipient.given),
                "message_id": sent.message_id if sent else None, "outcome": self.outcome,
                "chunk": self.chunk, "reference": self.reference,
                "error": describe_error(error) if error is not None else None}


class SendReport:
    """Prints each recipient as its outcome is known and the summary at the end.

    In JSON mode the document is written as it goes (``messages`` first, then the
    summary), so a send of a million numbers never holds them all. Results go to
    stdout; the summary, the error and the advice go to stderr in text mode, so they
    reach the terminal when stdout is redirected to keep the ids.
    """

    def __init__(self, ctx: Context, progress: Progress) -> None:
        self.ctx = ctx
        self.progress = progress
        self.quiet = bool(ctx.args.quiet)
        self._first = True
        self._opened = False

    def _open(self) -> None:
        if not self._opened:
            self.ctx.out.write('{"command": "send", "dry_run": false, "messages": [')
            self._opened = True

    def _item(self, item: dict[str, Any]) -> None:
        self._open()
        self.ctx.out.write(("\n" if self._first else ",\n")
                           + json.dumps(item, ensure_ascii=False))
        self._first = False

    def outcome(self, done: Outcome) -> None:
        """Report one recipient's outcome."""
        recipient, sent = done.recipient, done.sent
        if self.ctx.json:
            if sent is not None:
                item = {"where": recipient.where, **jsonable(sent), "ok": sent.ok}
            else:
                item = {"where": recipient.where,
                        "recipient": recipient.number or recipient.given,
                        "message_id": None, "parts": None, "price": None, "currency": None,
                        "error": None if done.error is None else error_document(done.error),
                        "provider": None, "reference": done.reference, "ok": False}
            item["outcome"] = done.outcome
            self._item(item)
        elif done.outcome == "accepted" and sent is not None:
            if not self.quiet:
                parts = (f"  ({sent.parts} part{'s' if sent.parts != 1 else ''})"
                         if sent.parts else "")
                self.progress.print(self.ctx, f"ok      {sent.recipient}  {sent.message_id}"
                                              f"{parts}")
        elif done.outcome == "failed":
            error = (done.error or (sent.error if sent else None))
            why = describe_error(error) if error else "refused (no message id)"
            shown = sent.recipient if sent else recipient.given
            self.progress.print(self.ctx, f"failed  {shown}  {recipient.where}: {why}")
        elif done.outcome == "unknown":
            ref = f" (chunk reference {done.reference})" if done.reference else ""
            error = done.error or (sent.error if sent else None)
            why = (describe_error(error) if isinstance(error, DuplicateMessage)
                   else "its request was in flight")
            self.progress.print(self.ctx, f"unknown {recipient.number}  {recipient.where}: "
                                          f"{why}{ref}")
        elif done.outcome == "skipped":
            why = describe_error(done.error) if done.error else "invalid"
            self.progress.print(self.ctx, f"skipped {recipient.given}  {recipient.where}: {why}")
        # Not attempted: the summary names where that starts ("from line N on").

    def finish(self, campaign: Campaign) -> int:
        """Print the summary (and the error that stopped the send); return the exit code."""
        tally, error = campaign.tally, campaign.error
        interrupted = campaign.interrupted
        if error is not None:
            code = exit_code_for(error)
        elif interrupted:
            code = EXIT_INTERRUPTED
        elif tally.failed:
            code = EXIT_FAILED
        elif tally.unknown:
            code = EXIT_TRANSPORT
        else:
            code = EXIT_OK
        stopped = error is not None or interrupted
        out = self.ctx.out
        advice = campaign.advice()
        if self.ctx.json:
            self._open()
            out.write("\n], " + dumps({
                "summary": tally.summary(),
                "unknown": campaign.unknown,
                "not_attempted_from": campaign.not_attempted_from,
                "stopped_at": campaign.not_attempted_from if stopped else None,
                "interrupted": interrupted,
                "journal": campaign.journal_path,
                "reference": campaign.base_reference,
                "advice": advice,
                "error": None if error is None else error_document(error),
                "exit_code": code,
                "ok": code == EXIT_OK,
            }, indent=None)[1:] + "\n")
            if error is not None:
                out.note(f"smsbridge: error: {describe_error(error)}")
            return code
        if error is not None:
            out.note(f"smsbridge: error: {describe_error(error)}")
        if interrupted:
            out.note("smsbridge: interrupted")
        out.note(("Stopped early: " if stopped else "Sent: ") + tally.text())
        if stopped or tally.unknown:
            out.note(f"  accepted: {tally.accepted}" + campaign.where_ids())
            if tally.unknown:
                out.note(f"  unknown: {tally.unknown}, {campaign.unknown_span()} (the "
                         "provider may have accepted them)")
            if campaign.not_attempted_from is not None:
                count = (f"{tally.not_attempted}, " if campaign.rest_counted else "")
                out.note(f"  not attempted: {count}from {campaign.not_attempted_from} on")
        for line in advice:
            out.note(f"smsbridge: {line}")
        return code


def _read_text(ctx: Context) -> str:
    args = ctx.args
    if args.text is not None:
        return str(args.text)
    if args.text_file == "-":
        return ctx.stdin.read().rstrip("\r\n")
    try:
        with open(args.text_file, encoding="utf-8") as handle:
            return handle.read().rstrip("\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read --text-file {args.text_file}: "
                         f"{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--text-file {args.text_file} is not UTF-8 text") from None


def _check_arguments(args: Any) -> None:
    """Refuse option combinations that cannot work, before reading anything."""
    if args.journal is not None and args.resume is not None:
        raise UsageError("give --journal FILE for a new campaign or --resume FILE to "
                         "continue one, not both")
    if args.dry_run and (args.journal is not None or args.resume is not None):
        raise UsageError("--dry-run sends nothing, so it keeps no journal")
    if not args.to and args.to_file is None and args.csv is None:
        raise UsageError("no recipients: give --to NUMBER (repeatable), --to-file FILE or "
                         "--csv FILE")
    if args.to_file is not None and args.csv is not None:
        raise UsageError("give --to-file or --csv, not both")
    if "-" in (args.to_file, args.csv) and args.text_file == "-":
        raise UsageError("the recipients and --text-file cannot both read standard input")
    if args.phone_column is not None and args.csv is None:
        raise UsageError("--phone-column goes with --csv")
    if args.reference is not None and "#" in args.reference:
        # Chunk i's reference is REF#i: a '#' here could name another campaign's chunk.
        raise UsageError(f"--reference {args.reference!r} contains '#', which chunk "
                         "references use (REF#1, REF#2, ...); choose one without it")


def _source(ctx: Context, text: str) -> RecipientSource:
    args = ctx.args
    return RecipientSource(list(args.to), args.to_file, ctx.stdin, csv_file=args.csv,
                           template=text, phone_column=args.phone_column)


def _checker(client: Client, args: Any, send_at: datetime | None,
             validity: timedelta | None) -> Callable[[str, str], object]:
    """Run every check a send runs on one recipient's message, sending nothing."""

    def check(number: str, text: str) -> object:
        return client.check([Message(to=number, text=text, sender=args.sender,
                                     send_at=send_at, validity=validity,
                                     reference=args.reference)])

    return check


def run_send(ctx: Context) -> int:
    """Send a text to numbers from ``--to``, ``--to-file`` or ``--csv``."""
    args = ctx.args
    _check_arguments(args)
    text = _read_text(ctx)
    source = _source(ctx, text)
    send_at = parse_when(args.at, "--at") if args.at else None
    validity = timedelta(seconds=args.validity) if args.validity else None
    client = ctx.client()
    source.check = _checker(client, args, send_at, validity)
    if args.dry_run:
        return _dry_run(ctx, client, source, text, send_at, validity)
    return Campaign(ctx, client, source, text, send_at, validity).run()


def _outcome_of(sent: SentMessage) -> str:
    """A recipient's outcome from its answer; a duplicate's earlier fate is unknown."""
    if sent.ok:
        return "accepted"
    return "unknown" if isinstance(sent.error, DuplicateMessage) else "failed"


class _Stop(Exception):
    """The campaign stops: a signal arrived, or a number is invalid."""


class Campaign:
    """One ``send``: recipients read lazily, sent chunk by chunk, every outcome reported.

    Each chunk is one provider request (at most the driver's batch size, one text
    unless the driver takes mixed batches) with its own reference, recorded in the
    journal before the request. A stop (Ctrl-C, SIGTERM, an error) sorts every
    recipient into exactly one group: accepted or failed (answered), unknown (the
    request in flight), skipped (invalid, with ``--skip-invalid``) or not attempted.
    """

    def __init__(self, ctx: Context, client: Client, source: RecipientSource, text: str,
                 send_at: datetime | None, validity: timedelta | None) -> None:
        args = ctx.args
        self.ctx = ctx
        self.client = client
        self.source = source
        self.text = text
        self.send_at = send_at
        self.validity = validity
        self.sender: str | None = args.sender
        self.skip_invalid = bool(args.skip_invalid)
        self.tally = Tally()
        self.error: BaseException | None = None
        self.interrupted = False
        self.unknown: list[dict[str, Any]] = []
        self.not_attempted_from: str | None = None
        self.rest_counted = True
        self.journal: Journal | None = None
        self.journal_path: str | None = args.journal or args.resume
        self.resumed: ResumeState | None = None
        self.base_reference: str | None = args.reference
        self.next_chunk = 0
        self.report = SendReport(ctx, Progress())
        self.interrupts = Interrupts()
        self._buffer: list[Recipient] = []
        self._last_read: Recipient | None = None
        self._last_unknown = ""
        self._in_flight: tuple[int, str | None, list[Recipient]] | None = None
        self._pending_by_seq: dict[int, int] = {}
        self._collected: dict[int, dict[int, Recipient]] = {}
        self._dedup = client.supports("deduplication")
        from smsbridge.inflight import check_concurrency

        count = check_concurrency(getattr(args, "concurrency", 1),
                                  ceiling=max(1, client.driver.max_concurrency),
                                  driver=client.driver.name)
        #: Chunk requests in flight beyond the serial one (``--concurrency``).
        self._flight: InFlight[tuple[int, str | None, list[Recipient], bool]] | None = None
        if count > 1:
            from smsbridge.cli.inflight import InFlight

            client.driver.reserve_connections(count)
            self._flight = InFlight(count)

    # -- the run --------------------------------------------------------------------

    def _fingerprint(self) -> dict[str, Any]:
        """What makes two runs the same campaign (the connection excepted)."""
        source = self.source

        def path(value: str | None) -> str | None:
            return value if value in (None, "-") else os.path.abspath(str(value))

        return {
            "driver": self.client.driver.name,
            "to": source.to, "to_file": path(source.to_file), "csv": path(source.csv_file),
            "phone_column": source.phone_column,
            "text_sha256": hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
            "sender": self.sender, "at": None if self.send_at is None
            else self.send_at.isoformat(),
            "validity": None if self.validity is None else self.validity.total_seconds(),
        }

    def _open_journal(self) -> None:
        args = self.ctx.args
        fingerprint = self._fingerprint()
        if args.resume is not None:
            state = read_journal(args.resume)
            header = state.header
            differ = [key for key, value in fingerprint.items()
                      if header.get("options", {}).get(key) != value]
            if differ:
                raise UsageError(
                    f"--resume {args.resume} was written for another campaign: "
                    f"{', '.join(differ)} differ{'s' if len(differ) == 1 else ''}; "
                    "give the same recipients, text and options as the first run")
            recorded = header.get("reference")
            if self.base_reference not in (None, recorded):
                raise UsageError(f"--reference {self.base_reference!r} differs from the "
                                 f"journal's campaign reference {recorded!r}")
            self.base_reference = recorded
            self.journal = Journal.append(args.resume)
            self.resumed = state
            self.next_chunk = state.next_chunk
            self.tally.already = state.settled_count
            self._pending_by_seq = {member[0]: index for index, chunk in state.pending.items()
                                    for member in chunk.members}
            self._collected = {index: {} for index in state.pending}
            return
        if args.journal is not None:
            # Chunk references must be on record before their requests: make one up when
            # the caller gave none.
            self.base_reference = self.base_reference or new_reference(10)
            self.journal = Journal.create(args.journal, {
                "reference": self.base_reference, "options": fingerprint,
                "started_at": datetime.now(timezone.utc).isoformat()})

    def _check_input(self) -> int | None:
        """Read a re-readable input once: count it and refuse invalid numbers up front."""
        if not self.source.rereadable:
            return None
        invalid: list[Recipient] = []  # the first ten, to name them
        invalid_count = 0
        count = 0
        first: str | None = None
        for recipient in self.source:
            count += 1
            if recipient.error is not None:
                invalid_count += 1
                if len(invalid) < 10:
                    invalid.append(recipient)
            elif first is None and recipient.text is None:
                first = recipient.number
        if count == 0:
            raise UsageError("no recipients: the file holds no numbers")
        if first is not None and self.source.check is not None:
            # The text and options are the same for every recipient: check them once
            # now, so a text too long stops the campaign before its first request.
            self.source.check(first, self.text)
        if invalid and not self.skip_invalid:
            bad = invalid[0]
            assert bad.error is not None
            listed = ", ".join(r.where for r in invalid)
            more = f" and {invalid_count - len(invalid)} more" if invalid_count > 10 else ""
            raise ValidationError(
                f"{bad.where}: {bad.error.message}; {invalid_count} invalid "
                f"recipient{'s' if invalid_count != 1 else ''} ({listed}{more}); nothing was "
                "sent: fix them, or give --skip-invalid to send the others", field="to")
        return count

    def run(self) -> int:
        """Send everything (or until a stop); report; return the exit code."""
        args = self.ctx.args
        total = self._check_input()
        self._open_journal()
        show_bar = (args.to_file is not None or args.csv is not None) and not args.no_progress
        self.report.progress = Progress.start(self.ctx, wanted=show_bar, total=total)
        self.report.progress.update(self.tally.already)  # a resumed campaign's head start
        try:
            with self.interrupts:
                self._send_all()
        except _Stop:
            self.interrupted = self.interrupts.stop
        except KeyboardInterrupt:
            self.interrupted = True
        except (SmsBridgeError, UsageError) as exc:
            self.error = exc
        finally:
            self.report.progress.close()
        try:
            self._settle_in_flight()
            self._settle_rest()
        finally:
            if self.journal is not None:
                self.journal.close()
        if (self.error is None and not self.interrupted and self.tally.recipients == 0
                and not self.tally.already and self.resumed is None):
            self.error = UsageError("no recipients: the file holds no numbers")
        return self.report.finish(self)

    def _send_all(self) -> None:
        size = max(1, self.client.driver.batch_size)
        mixed = self.client.driver.mixed_batches
        self._iterator = iter(self.source)
        for recipient in self._iterator:
            self._last_read = recipient
            if self.interrupts.stop:
                if not self._covered(recipient.seq):
                    self._buffer.append(recipient)
                raise _Stop
            if recipient.seq in self._pending_by_seq:
                self._collect_pending(recipient)
                continue
            if self.resumed is not None and recipient.seq in self.resumed.settled:
                continue
            if recipient.error is not None:
                if not self.skip_invalid:
                    # Standard input cannot be checked up front: stop at the bad line.
                    self._buffer.append(recipient)
                    raise ValidationError(f"{recipient.where}: {recipient.error.message}; "
                                          "give --skip-invalid to send the others",
                                          field="to")
                self._record([Outcome(recipient, "skipped", error=recipient.error)])
                continue
            if self._buffer and not mixed and recipient.text != self._buffer[0].text:
                self._send(self._take())
            self._buffer.append(recipient)
            if len(self._buffer) >= size:
                self._send(self._take())
        if self._buffer:
            if self.interrupts.stop:
                raise _Stop
            self._send(self._take())
        while self._flight:
            self._take_answer()
        # A pending chunk the input no longer holds in full: its outcome stays unknown.
        for index in list(self._collected):
            assert self.resumed is not None
            chunk = self.resumed.pending[index]
            members = [self._collected[index].get(seq) or Recipient(seq, where, number, number)
                       for seq, where, number in chunk.members]
            del self._collected[index]
            self._still_unknown(index, chunk.reference, members)

    def _take(self) -> list[Recipient]:
        chunk, self._buffer = self._buffer, []
        return chunk

    def _collect_pending(self, recipient: Recipient) -> None:
        """Gather a chunk left in flight by the earlier run; settle it once complete."""
        assert self.resumed is not None
        index = self._pending_by_seq.pop(recipient.seq)
        chunk = self.resumed.pending[index]
        recorded = next(number for seq, _, number in chunk.members if seq == recipient.seq)
        if recipient.number != recorded:
            raise UsageError(f"{recipient.where} holds {recipient.given!r}, but the journal "
                             f"recorded {recorded} there: the input changed since the first "
                             "run, so the campaign cannot be continued safely")
        collected = self._collected[index]
        collected[recipient.seq] = recipient
        if len(collected) < len(chunk.members):
            return
        del self._collected[index]
        members = [collected[seq] for seq, _, _ in chunk.members]
        if self._dedup:
            # The same request again, with the chunk's own reference: the provider returns
            # what it accepted the first time, or sends now what it never received.
            self._send(members, index=index, reference=chunk.reference, recorded=True)
        else:
            self._still_unknown(index, chunk.reference, members)

    def _still_unknown(self, index: int, reference: str, members: list[Recipient]) -> None:
        """Report a pending chunk's open recipients unknown; never send them again."""
        assert self.resumed is not None
        state = self.resumed
        new = [Outcome(m, "unknown", chunk=index, reference=reference)
               for m in members if m.seq in state.open and m.seq not in state.unknown]
        known = [Outcome(m, "unknown", chunk=index, reference=reference)
                 for m in members if m.seq in state.unknown]
        self._record(new)
        self._record(known, journal=False)

    # -- one chunk ------------------------------------------------------------------

    def _send(self, members: list[Recipient], *, index: int | None = None,
              reference: str | None = None, recorded: bool = False) -> None:
        """Send one chunk as one request and settle each of its recipients."""
        if self._flight is not None:
            try:
                while self._flight.full:
                    self._take_answer()
            except BaseException:
                if not recorded:  # never attempted: counted with the rest
                    self._buffer[:0] = members
                raise
        if index is None:
            index = self.next_chunk
            self.next_chunk += 1
            reference = chunk_reference(self.base_reference, index)
        with self.interrupts.critical():
            if self.journal is not None and not recorded:
                assert reference is not None
                self.journal.chunk(index, reference, [(m.seq, m.where, str(m.number))
                                                      for m in members])
            self._in_flight = (index, reference, members)
        if self._flight is not None:
            self._in_flight = None  # the pool knows it
            self._flight.submit((index, reference, members, recorded), self._request,
                                members, reference)
        else:
            try:
                with self.interrupts.request():
                    result = self._request(members, reference)
            except SmsBridgeError as exc:
                self._answered(members, index, reference, recorded, error=exc)
            else:
                self._answered(members, index, reference, recorded, result=result)
        if self.interrupts.stop:
            raise _Stop

    def _take_answer(self) -> None:
        """Wait for one of the requests in flight and settle its recipients."""
        assert self._flight is not None
        with self.interrupts.request():
            (index, reference, members, recorded), result, error = \
                self._flight.next_answered()
        if error is not None and not isinstance(error, SmsBridgeError):
            raise error
        self._answered(members, index, reference, recorded, result=result, error=error)

    def _answered(self, members: list[Recipient], index: int, reference: str | None,
                  recorded: bool, *, result: SendResult | None = None,
                  error: SmsBridgeError | None = None) -> None:
        """Settle a chunk's recipients from its answer; raise its error unless the
        provider recognized the chunk as a duplicate."""
        if error is not None:
            exc = error
            outcomes = self._sorted_after(exc, members, index, reference)
            duplicate = isinstance(exc, DuplicateMessage)
            if recorded or duplicate:
                # A repeat of a chunk whose first request may have been accepted: a
                # refusal of the repeat proves nothing about the first, so what it did
                # not attempt stays unknown (and open, for the next resume). A provider
                # refusing the chunk's reference as a duplicate holds a message under it
                # already: never send those recipients again under a new reference.
                outcomes = [attrs.evolve(done, outcome="unknown", error=exc)
                            if done.outcome == "not_attempted" else done
                            for done in outcomes]
            with self.interrupts.critical():
                self._in_flight = None
                self._record(self._open(outcomes, recorded))
            if not duplicate:
                raise exc
        else:
            assert result is not None
            with self.interrupts.critical():
                self._in_flight = None
                self._record(self._open([
                    Outcome(member, _outcome_of(sent), sent, chunk=index, reference=reference)
                    for member, sent in zip(members, result.messages, strict=True)],
                    recorded))

    def _open(self, outcomes: list[Outcome], repeat: bool) -> list[Outcome]:
        """The outcomes a repeated chunk still owes: those of its open recipients."""
        if not repeat or self.resumed is None:
            return outcomes
        return [done for done in outcomes if done.recipient.seq in self.resumed.open]

    def _request(self, members: list[Recipient], reference: str | None) -> SendResult:
        texts = {member.text for member in members}
        if len(texts) == 1:
            text = members[0].text if members[0].text is not None else self.text
            return self.client.send([str(m.number) for m in members], text,
                                    sender=self.sender, send_at=self.send_at,
                                    validity=self.validity, reference=reference)
        return self.client.send_many([
            Message(to=str(m.number), text=m.text if m.text is not None else self.text,
                    sender=self.sender, send_at=self.send_at, validity=self.validity,
                    reference=reference) for m in members])

    @staticmethod
    def _sorted_after(exc: SmsBridgeError, members: list[Recipient], index: int,
                      reference: str | None) -> list[Outcome]:
        """Sort a failed chunk's recipients: accepted earlier, unknown, not attempted."""
        left = list(members)

        def take(number: str) -> Recipient | None:
            for position, member in enumerate(left):
                if member.number == number:
                    return left.pop(position)
            return None

        outcomes: list[Outcome] = []
        partial = exc.partial.messages if isinstance(exc.partial, SendResult) else []
        for sent in partial:
            member = take(sent.recipient)
            if member is not None:
                outcomes.append(Outcome(member, "accepted" if sent.ok else "failed", sent,
                                        chunk=index, reference=reference))
        for message in exc.unknown:
            member = take(message.to)
            if member is not None:
                outcomes.append(Outcome(member, "unknown", error=exc, chunk=index,
                                        reference=reference))
        outcomes.extend(Outcome(member, "not_attempted", chunk=index, reference=reference)
                        for member in left)
        return outcomes

    # -- bookkeeping ----------------------------------------------------------------

    def _record(self, outcomes: list[Outcome], *, journal: bool = True) -> None:
        """Journal, count and print outcomes (the journal first: it must survive a kill)."""
        with self.interrupts.critical():
            self._write(outcomes, journal)

    def _write(self, outcomes: list[Outcome], journal: bool) -> None:
        if self.journal is not None and journal and outcomes:
            for done in outcomes:
                self.journal.write(done.journal_record())
            self.journal.flush()
        for done in outcomes:
            if done.outcome == "accepted" and done.sent is not None:
                self.tally.add(done.sent)
            elif done.outcome == "failed":
                self.tally.failed += 1
            elif done.outcome == "unknown":
                self.tally.unknown += 1
                self._last_unknown = done.recipient.where
                if len(self.unknown) < _LISTED_UNKNOWN:
                    self.unknown.append({"where": done.recipient.where,
                                         "recipient": done.recipient.number,
                                         "chunk": done.chunk, "reference": done.reference})
            elif done.outcome == "skipped":
                self.tally.skipped += 1
            else:
                self.tally.not_attempted += 1
                if self.not_attempted_from is None:
                    self.not_attempted_from = done.recipient.where
            self.report.outcome(done)
        self.report.progress.update(sum(1 for d in outcomes if d.outcome != "not_attempted"))

    def _settle_in_flight(self) -> None:
        """Wait for the requests still in flight (``--concurrency``); a request cut short
        by a second Ctrl-C: its recipients' outcome is unknown."""
        if self._flight is not None:
            self._drain(self._flight)
        if self._in_flight is None:
            return
        index, reference, members = self._in_flight
        self._in_flight = None
        self._record([Outcome(m, "unknown", chunk=index, reference=reference)
                      for m in members])

    def _drain(self, flight: InFlight[tuple[int, str | None, list[Recipient], bool]]) -> None:
        """Settle each request in flight as it is answered (after a stop or an error:
        later errors are recorded, the first one reported). After a second Ctrl-C, the
        requests left in flight leave their recipients unknown."""
        try:
            with self.interrupts:
                while flight and self.interrupts.count < 2:
                    try:
                        self._take_answer()
                    except SmsBridgeError as exc:
                        self.error = self.error or exc
        except KeyboardInterrupt:
            self.interrupted = True
        for index, reference, members, _ in flight.abandon():
            self._record([Outcome(m, "unknown", chunk=index, reference=reference)
                          for m in members])

    def _settle_rest(self) -> None:
        """Count what was never attempted: the numbers read but not sent, and the rest."""
        if not (self.error is not None or self.interrupted):
            return
        for recipient in self._buffer:
            self._not_attempted(recipient)
        self._buffer = []
        iterator = getattr(self, "_iterator", None)
        if iterator is None:
            return
        if not self.source.rereadable:
            # Reading on could block on a pipe: name the boundary without reading.
            self.rest_counted = False
            last = self._last_read
            if self.not_attempted_from is None and last is not None:
                label, _, line = last.where.rpartition(" ")
                self.not_attempted_from = (f"{label} {int(line) + 1}" if line.isdigit()
                                           else f"after {last.where}")
            return
        for recipient in iterator:
            if not self._covered(recipient.seq):
                self._not_attempted(recipient)

    def _covered(self, seq: int) -> bool:
        """True when the journal settled ``seq`` or holds it in a chunk left open."""
        return self.resumed is not None and (seq in self.resumed.settled
                                             or seq in self._pending_by_seq)

    def _not_attempted(self, recipient: Recipient) -> None:
        self.tally.not_attempted += 1
        if self.not_attempted_from is None:
            self.not_attempted_from = recipient.where

    def where_ids(self) -> str:
        """Where the accepted recipients' message ids can be found."""
        if not self.tally.accepted:
            return ""
        if not self.ctx.args.quiet:
            return " (their ids are listed on standard output)"
        if self.journal_path is not None:
            return f" (their ids are in the journal {self.journal_path})"
        return ""

    def unknown_span(self) -> str:
        """Where the unknown recipients are, for the summary."""
        if not self.unknown:
            return ""
        first, last = self.unknown[0]["where"], self._last_unknown
        return first if first == last else f"{first} to {last}"

    def advice(self) -> list[str]:
        """What to do next, when something is left to do."""
        lines: list[str] = []
        left = self.tally.unknown or self.not_attempted_from is not None
        if not left:
            return lines
        if self.journal_path is not None:
            lines.append(f"continue the campaign with the same command and --resume "
                         f"{self.journal_path}")
            if self.tally.unknown:
                lines.append(
                    f"the {self.client.driver.name} provider deduplicates: --resume repeats "
                    "the unknown recipients' request with its own reference, so none "
                    "receives it twice" if self._dedup else
                    f"the {self.client.driver.name} provider does not deduplicate: --resume "
                    "will not send the unknown recipients again; check the provider's "
                    "report ('smsbridge report') before sending to them by hand")
        else:
            if self.tally.unknown:
                lines.append(DO_NOT_RESEND)
            if self.not_attempted_from is not None:
                lines.append(f"nothing from {self.not_attempted_from} on was sent; next "
                             "time give --journal FILE, and a stopped campaign continues "
                             "with --resume FILE")
        return lines
# -- dry run ---------------------------------------------------------------------------


def _estimate(prices: list[Price], parts: int) -> list[dict[str, Any]]:
    """Cost of ``parts`` SMS parts per currency: exact for one price, else a range."""
    by_currency: dict[str, list[Decimal]] = {}
    for price in prices:
        if price.channel == "sms":
            by_currency.setdefault(price.currency or "", []).append(price.price)
    estimates = []
    for currency, values in sorted(by_currency.items()):
        low, high = min(values), max(values)
        estimates.append({
            "currency": currency or None,
            "parts": parts,
            "price_per_part": str(low) if low == high else None,
            "min": str(low * parts),
            "max": str(high * parts),
        })
    return estimates


def _estimate_text(estimate: dict[str, Any]) -> str:
    currency = f" {estimate['currency']}" if estimate["currency"] else ""
    if estimate["price_per_part"] is not None:
        parts = estimate["parts"]
        return (f"{estimate['min']}{currency} ({parts} part{'s' if parts != 1 else ''} at "
                f"{estimate['price_per_part']}{currency} each)")
    return (f"{estimate['min']} to {estimate['max']}{currency} for {estimate['parts']} parts, "
            "depending on the destinations")


def _dry_run(ctx: Context, client: Client, source: RecipientSource, text: str,
             send_at: datetime | None, validity: timedelta | None) -> int:
    """Check everything a send would check, send nothing, and estimate the cost."""
    if not text.strip():
        raise ValidationError("text is empty", field="text")
    valid = 0
    invalid = 0
    listed: list[dict[str, Any]] = []
    first: str | None = None
    split = segments(text)
    parts = 0
    for recipient in source:
        if recipient.error is None and recipient.number is not None:
            valid += 1
            # A --csv template gives each row its own text (checked by the source).
            parts += (split.parts if recipient.text is None
                      else segments(recipient.text).parts)
            first = first or recipient.number
            continue
        invalid += 1
        if len(listed) < _LISTED_INVALID and recipient.error is not None:
            listed.append({"where": recipient.where, "value": recipient.given,
                           "error": describe_error(recipient.error)})
    if not valid and not invalid:
        raise UsageError("no recipients: the file holds no numbers")
    # The driver's own checks (sender format, text length, ...), as a send runs them
    # before its first request; no request is made here.
    probe = Message(to=first or "996550123456", text=text,
                    sender=ctx.args.sender or client.driver.settings.sender,
                    send_at=send_at, validity=validity, reference=ctx.args.reference)
    client.check([probe])
    estimates: list[dict[str, Any]] = []
    note: str | None = None
    if client.supports("prices"):
        try:
            estimates = _estimate(client.prices(channel="sms"), parts)
        except SmsBridgeError as exc:
            note = f"no cost estimate: {describe_error(exc)}"
        if not estimates and note is None:
            note = "no cost estimate: the provider lists no SMS price"
    else:
        note = f"no cost estimate: the {client.driver.name} driver gives no prices"
    code = EXIT_FAILED if invalid else EXIT_OK
    if ctx.json:
        ctx.out.document(
            "send", code == EXIT_OK, dry_run=True, recipients=valid, invalid=invalid,
            invalid_numbers=listed, sender=probe.sender, send_at=send_at,
            segments=jsonable(split), parts=parts, estimate=estimates, estimate_note=note,
            exit_code=code)
        return code
    out = ctx.out
    out.line("Dry run: nothing was sent.")
    out.line(f"Recipients: {valid} valid, {invalid} invalid")
    for item in listed:
        out.line(f"  {item['where']}: {item['error']}")
    if invalid > len(listed):
        out.line(f"  ... and {invalid - len(listed)} more")
    unit = "GSM-7 septets" if split.encoding == "gsm7" else "UCS-2 code units"
    out.line(f"Text: {split.parts} part{'s' if split.parts != 1 else ''} per message "
             f"({split.encoding}, {split.length} {unit})")
    out.line(f"SMS parts in total: {parts}")
    if send_at is not None:
        out.line(f"Scheduled for: {send_at.isoformat()}")
    for estimate in estimates:
        out.line(f"Cost estimate: {_estimate_text(estimate)}")
    if note:
        out.line(note[0].upper() + note[1:] + ".")
    return code
