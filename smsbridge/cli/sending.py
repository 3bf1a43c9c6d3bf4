"""The ``send`` command: a campaign sent chunk by chunk in constant memory, with a journal.

Outcomes and totals live in :mod:`.outcomes`, printing in :mod:`.send_report`, the
options in :mod:`.send_options`, resuming in :mod:`.resume`, ``--dry-run`` in :mod:`.dry_run`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from smsbridge.cli.campaign import Interrupts, Journal, ResumeState
from smsbridge.cli.context import Context, parse_when
from smsbridge.cli.dry_run import dry_run
from smsbridge.cli.outcomes import Outcome, Tally, outcome_of, sort_after_error
from smsbridge.cli.output import UsageError
from smsbridge.cli.recipients import Recipient, RecipientSource
from smsbridge.cli.resume import PendingChunks, fingerprint, open_journal
from smsbridge.cli.send_options import check_arguments, checker, read_text, recipient_source
from smsbridge.cli.send_report import Ending, Progress, SendReport
from smsbridge.errors import DuplicateMessage, SmsBridgeError, ValidationError
from smsbridge.ids import chunk_reference
from smsbridge.models import Message, SendResult

if TYPE_CHECKING:
    from smsbridge.cli.inflight import InFlight
    from smsbridge.client import Client

__all__ = ["Campaign", "run_send"]


def run_send(ctx: Context) -> int:
    """Send a text to numbers from ``--to``, ``--to-file`` or ``--csv``."""
    args = ctx.args
    check_arguments(args)
    text = read_text(ctx)
    source = recipient_source(ctx, text)
    send_at = parse_when(args.at, "--at") if args.at else None
    validity = timedelta(seconds=args.validity) if args.validity else None
    client = ctx.client()
    source.check = checker(client, args, send_at, validity)
    if args.dry_run:
        return dry_run(ctx, client, source, text, send_at, validity)
    return Campaign(ctx, client, source, text, send_at, validity).run()


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
        self._in_flight: tuple[int, str | None, list[Recipient]] | None = None
        self.pending = PendingChunks()
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
            flight = self._flight = InFlight(count)
            self.interrupts.pooled = lambda: len(flight)

    # -- the run --------------------------------------------------------------------

    def _open_journal(self) -> None:
        options = fingerprint(self.client.driver.name, self.source, self.text, self.sender,
                              self.send_at, self.validity)
        opened = open_journal(self.ctx.args, options, self.base_reference)
        self.journal, self.resumed = opened.journal, opened.resumed
        self.base_reference = opened.reference
        if self.resumed is not None:
            self.next_chunk = self.resumed.next_chunk
            self.tally.already = self.resumed.settled_count
            self.pending = PendingChunks(self.resumed)

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
        return self.report.finish(self.tally, Ending(
            error=self.error, interrupted=self.interrupted, journal_path=self.journal_path,
            reference=self.base_reference, rest_counted=self.rest_counted,
            provider=self.client.driver.name, dedup=self._dedup))

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
            if recipient.seq in self.pending:
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
        for chunk, members in self.pending.incomplete():
            self._still_unknown(chunk.index, chunk.reference, members)

    def _take(self) -> list[Recipient]:
        chunk, self._buffer = self._buffer, []
        return chunk

    def _collect_pending(self, recipient: Recipient) -> None:
        """Gather a chunk left in flight by the earlier run; settle it once complete."""
        complete = self.pending.collect(recipient)
        if complete is None:
            return
        chunk, members = complete
        if self._dedup:
            # The same request again, with the chunk's own reference: the provider returns
            # what it accepted the first time, or sends now what it never received.
            self._send(members, index=chunk.index, reference=chunk.reference, recorded=True)
        else:
            self._still_unknown(chunk.index, chunk.reference, members)

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
            outcomes = sort_after_error(exc, members, index, reference)
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
                    Outcome(member, outcome_of(sent), sent, chunk=index, reference=reference)
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
            self.tally.count(done)
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
            self.tally.count_not_attempted(recipient.where)
        self._buffer = []
        iterator = getattr(self, "_iterator", None)
        if iterator is None:
            return
        if not self.source.rereadable:
            # Reading on could block on a pipe: name the boundary without reading.
            self.rest_counted = False
            last = self._last_read
            if self.tally.not_attempted_from is None and last is not None:
                label, _, line = last.where.rpartition(" ")
                self.tally.not_attempted_from = (f"{label} {int(line) + 1}" if line.isdigit()
                                           else f"after {last.where}")
            return
        for recipient in iterator:
            if not self._covered(recipient.seq):
                self.tally.count_not_attempted(recipient.where)

    def _covered(self, seq: int) -> bool:
        """True when the journal settled ``seq`` or holds it in a chunk left open."""
        return self.resumed is not None and (seq in self.resumed.settled
                                             or seq in self.pending)
