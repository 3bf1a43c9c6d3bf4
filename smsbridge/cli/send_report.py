"""What a ``send`` prints: each recipient as it is settled, a progress bar, the summary."""

from __future__ import annotations

import importlib
from typing import Any, TextIO

import attrs

from smsbridge.cli.context import Context
from smsbridge.cli.outcomes import Outcome, Tally
from smsbridge.cli.output import (
    DO_NOT_RESEND,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TRANSPORT,
    describe_error,
    dumps,
    exit_code_for,
    jsonable,
)
from smsbridge.errors import DuplicateMessage
from smsbridge.models import SentMessage

__all__ = ["Ending", "Progress", "SendReport"]


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


@attrs.frozen(kw_only=True)
class Ending:
    """How a campaign's run ended, beyond its tally."""

    error: BaseException | None
    interrupted: bool
    #: The journal written (``--journal``) or continued (``--resume``).
    journal_path: str | None
    reference: str | None
    #: False when the rest of a pipe was left unread, so ``not_attempted`` is a floor.
    rest_counted: bool
    #: The driver's name, for the advice.
    provider: str
    #: True when the provider deduplicates by reference.
    dedup: bool


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
        self.ctx.out.write(("\n" if self._first else ",\n") + dumps(item, indent=None))
        self._first = False

    def outcome(self, done: Outcome) -> None:
        """Report one recipient's outcome."""
        recipient, sent = done.recipient, done.sent
        if self.ctx.json:
            # A recipient without an answer is shown as an answer without an id, so
            # every item has the same keys.
            answer = sent or SentMessage(recipient=recipient.number or recipient.given,
                                         message_id=None, reference=done.reference)
            item = {"where": recipient.where, **jsonable(answer), "ok": answer.ok,
                    "outcome": done.outcome}
            if sent is None:
                item["error"] = jsonable(done.error)
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

    def finish(self, tally: Tally, ending: Ending) -> int:
        """Print the summary (and the error that stopped the send); return the exit code."""
        error, interrupted = ending.error, ending.interrupted
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
        advice = _advice(tally, ending)
        if self.ctx.json:
            self._open()
            out.write("\n], " + dumps({
                "summary": tally.summary(),
                "unknown": tally.unknown_listed,
                "not_attempted_from": tally.not_attempted_from,
                "stopped_at": tally.not_attempted_from if stopped else None,
                "interrupted": interrupted,
                "journal": ending.journal_path,
                "reference": ending.reference,
                "advice": advice,
                "error": error,
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
            out.note(f"  accepted: {tally.accepted}" + self._where_ids(tally, ending))
            if tally.unknown:
                out.note(f"  unknown: {tally.unknown}, {tally.unknown_span()} (the "
                         "provider may have accepted them)")
            if tally.not_attempted_from is not None:
                count = (f"{tally.not_attempted}, " if ending.rest_counted else "")
                out.note(f"  not attempted: {count}from {tally.not_attempted_from} on")
        for line in advice:
            out.note(f"smsbridge: {line}")
        return code

    def _where_ids(self, tally: Tally, ending: Ending) -> str:
        """Where the accepted recipients' message ids can be found."""
        if not tally.accepted:
            return ""
        if not self.quiet:
            return " (their ids are listed on standard output)"
        if ending.journal_path is not None:
            return f" (their ids are in the journal {ending.journal_path})"
        return ""


def _advice(tally: Tally, ending: Ending) -> list[str]:
    """What to do next, when something is left to do."""
    lines: list[str] = []
    left = tally.unknown or tally.not_attempted_from is not None
    if not left:
        return lines
    if ending.journal_path is not None:
        lines.append(f"continue the campaign with the same command and --resume "
                     f"{ending.journal_path}")
        if tally.unknown:
            lines.append(
                f"the {ending.provider} provider deduplicates: --resume repeats "
                "the unknown recipients' request with its own reference, so none "
                "receives it twice" if ending.dedup else
                f"the {ending.provider} provider does not deduplicate: --resume "
                "will not send the unknown recipients again; check the provider's "
                "report ('smsbridge report') before sending to them by hand")
    else:
        if tally.unknown:
            lines.append(DO_NOT_RESEND)
        if tally.not_attempted_from is not None:
            lines.append(f"nothing from {tally.not_attempted_from} on was sent; next "
                         "time give --journal FILE, and a stopped campaign continues "
                         "with --resume FILE")
    return lines
