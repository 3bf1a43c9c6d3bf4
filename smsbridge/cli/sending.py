"""The ``send`` command: numbers streamed through ``Client.send_iter`` in constant memory."""

from __future__ import annotations

import collections
import importlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from smsbridge.cli.output import (
    DO_NOT_RESEND,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    describe_error,
    dumps,
    error_document,
    exit_code_for,
    jsonable,
)
from smsbridge.errors import DeliveryUnknown, SmsBridgeError, ValidationError
from smsbridge.models import Message, Price, SentMessage
from smsbridge.phones import normalize_msisdn
from smsbridge.text import segments

if TYPE_CHECKING:
    from smsbridge.cli.app import Context
    from smsbridge.client import Client

__all__ = ["RecipientSource", "run_send"]

#: Invalid numbers a dry run lists one by one (it counts all of them).
_LISTED_INVALID = 100


@attrs.frozen
class Recipient:
    """One number as given: where it came from, the text, and its normalized form."""

    where: str
    given: str
    number: str | None
    error: ValidationError | None = None


class RecipientSource:
    """Numbers from ``--to`` and ``--to-file``, read lazily and normalized one by one.

    A number that cannot be normalized becomes a failed recipient (with its line) instead
    of stopping a campaign half way.
    """

    def __init__(self, to: list[str], to_file: str | None, stdin: TextIO) -> None:
        self.to = [part.strip() for item in to for part in item.split(",") if part.strip()]
        self.to_file = to_file
        self.stdin = stdin

    def _open(self) -> TextIO:
        assert self.to_file is not None
        if self.to_file == "-":
            return self.stdin
        try:
            return open(self.to_file, encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(f"cannot read --to-file {self.to_file}: "
                             f"{exc.strerror or exc}") from None

    @staticmethod
    def _item(where: str, given: str) -> Recipient:
        try:
            return Recipient(where, given, normalize_msisdn(given))
        except ValidationError as exc:
            return Recipient(where, given, None, exc)

    def __iter__(self) -> Iterator[Recipient]:
        for index, given in enumerate(self.to, 1):
            yield self._item(f"--to #{index}", given)
        if self.to_file is None:
            return
        handle = self._open()
        label = "stdin line" if self.to_file == "-" else "line"
        try:
            for line_number, line in enumerate(handle, 1):
                given = line.strip()
                if given and not given.startswith("#"):
                    yield self._item(f"{label} {line_number}", given)
        except UnicodeDecodeError:
            raise UsageError(f"--to-file {self.to_file} is not UTF-8 text") from None
        finally:
            if handle is not self.stdin:
                handle.close()

    def count(self) -> int | None:
        """How many numbers there are, for a progress bar; None for standard input."""
        if self.to_file == "-":
            return None
        return sum(1 for _ in self)


@attrs.define
class Tally:
    """Running totals of a send."""

    recipients: int = 0
    accepted: int = 0
    failed: int = 0
    parts: int = 0
    prices: dict[str, Decimal] = attrs.field(factory=dict)

    def add(self, sent: SentMessage) -> None:
        """Count one recipient's answer."""
        self.recipients += 1
        if sent.ok:
            self.accepted += 1
            self.parts += sent.parts or 0
            if sent.price is not None:
                currency = sent.currency or ""
                self.prices[currency] = self.prices.get(currency, Decimal(0)) + sent.price
        else:
            self.failed += 1

    def refuse(self) -> None:
        """Count a number that never reached the provider."""
        self.recipients += 1
        self.failed += 1

    def summary(self) -> dict[str, Any]:
        """The totals as JSON-ready data."""
        return {
            "recipients": self.recipients, "accepted": self.accepted, "failed": self.failed,
            "parts": self.parts,
            "total_price": [{"amount": str(amount), "currency": currency or None}
                            for currency, amount in sorted(self.prices.items())],
        }

    def text(self) -> str:
        """The totals as one line."""
        line = (f"{self.recipients} recipient{'s' if self.recipients != 1 else ''}: "
                f"{self.accepted} accepted, {self.failed} failed, {self.parts} SMS part"
                f"{'s' if self.parts != 1 else ''}")
        if self.prices:
            line += ", total price " + " + ".join(
                f"{amount}{' ' + currency if currency else ''}"
                for currency, amount in sorted(self.prices.items()))
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

    def update(self) -> None:
        """Count one more recipient done."""
        if self._bar is not None:
            self._bar.update(1)

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


class SendReport:
    """Prints each recipient as its answer arrives and the summary at the end.

    In JSON mode the document is written as it goes (``messages`` first, then
    ``summary``), so a send of a million numbers never holds them all.
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

    def sent(self, where: str, sent: SentMessage) -> None:
        """Report one recipient the provider answered for."""
        if self.ctx.json:
            self._item({"where": where, **jsonable(sent), "ok": sent.ok})
        elif not sent.ok:
            error = describe_error(sent.error) if sent.error else "refused (no message id)"
            self.progress.print(self.ctx, f"failed  {sent.recipient}  {where}: {error}")
        elif not self.quiet:
            parts = f"  ({sent.parts} part{'s' if sent.parts != 1 else ''})" if sent.parts else ""
            self.progress.print(self.ctx, f"ok      {sent.recipient}  {sent.message_id}{parts}")

    def refused(self, recipient: Recipient) -> None:
        """Report a number that was not sent because it is malformed."""
        assert recipient.error is not None
        if self.ctx.json:
            self._item({"where": recipient.where, "recipient": recipient.given,
                        "message_id": None, "ok": False, "parts": None, "price": None,
                        "currency": None, "provider": None, "reference": None,
                        "error": error_document(recipient.error)})
        else:
            self.progress.print(self.ctx, f"failed  {recipient.given}  {recipient.where}: "
                                          f"{describe_error(recipient.error)}")

    def finish(self, tally: Tally, error: BaseException | None, interrupted: bool,
               unconfirmed: list[str]) -> int:
        """Print the summary (and the error that stopped the send); return the exit code."""
        if error is not None:
            code = exit_code_for(error)
        elif interrupted:
            code = EXIT_INTERRUPTED
        else:
            code = EXIT_FAILED if tally.failed else EXIT_OK
        stopped_at = unconfirmed[0] if unconfirmed else None
        if error is not None or interrupted:
            if isinstance(error, DeliveryUnknown) and stopped_at:
                after = (f"recipients from {stopped_at} on were not confirmed; {DO_NOT_RESEND}")
            elif stopped_at:
                after = f"recipients from {stopped_at} on were not sent"
            else:
                after = "no further recipients were sent"
        else:
            after = None
        out = self.ctx.out
        if self.ctx.json:
            self._open()
            out.write("\n], " + dumps({
                "summary": tally.summary(),
                "stopped_at": stopped_at if (error or interrupted) else None,
                "interrupted": interrupted,
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
        if after:
            out.note(f"smsbridge: {after}")
        out.line(("Stopped early: " if after else "Sent: ") + tally.text())
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


def run_send(ctx: Context) -> int:
    """Send a text to numbers from ``--to`` and ``--to-file``."""
    from smsbridge.cli.app import parse_when

    args = ctx.args
    if not args.to and args.to_file is None:
        raise UsageError("no recipients: give --to NUMBER (repeatable) or --to-file FILE")
    if args.to_file == "-" and args.text_file == "-":
        raise UsageError("--to-file and --text-file cannot both read standard input")
    text = _read_text(ctx)
    send_at = parse_when(args.at, "--at") if args.at else None
    validity = timedelta(seconds=args.validity) if args.validity else None
    source = RecipientSource(list(args.to), args.to_file, ctx.stdin)
    client = ctx.client()
    if args.dry_run:
        return _dry_run(ctx, client, source, text, send_at, validity)

    file_driven = args.to_file is not None
    show_bar = file_driven and not args.no_progress and _isatty(ctx.out.stderr)
    progress = Progress.start(ctx, wanted=show_bar,
                              total=source.count() if show_bar else None)
    report = SendReport(ctx, progress)
    tally = Tally()
    # Where each number handed to the client came from, until its answer arrives: at most
    # one request's worth, so memory stays constant.
    in_flight: collections.deque[str] = collections.deque()

    def numbers() -> Iterator[str]:
        for recipient in source:
            if recipient.number is None:
                tally.refuse()
                report.refused(recipient)
                progress.update()
                continue
            in_flight.append(recipient.where)
            yield recipient.number

    error: BaseException | None = None
    interrupted = False
    try:
        for sent in client.send_iter(numbers(), text, sender=args.sender, send_at=send_at,
                                     validity=validity, reference=args.reference):
            where = in_flight.popleft() if in_flight else "?"
            tally.add(sent)
            report.sent(where, sent)
            progress.update()
    except (SmsBridgeError, UsageError) as exc:
        error = exc
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    if error is None and not interrupted and tally.recipients == 0:
        error = UsageError("no recipients: the file holds no numbers")
    return report.finish(tally, error, interrupted, list(in_flight))


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
    for recipient in source:
        if recipient.number is not None:
            valid += 1
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
    split = segments(text)
    parts = valid * split.parts
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
