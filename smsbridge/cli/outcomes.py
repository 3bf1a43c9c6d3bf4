"""How each recipient of a ``send`` ended, and the running totals of a campaign."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from smsbridge.cli.output import describe_error
from smsbridge.cli.recipients import Recipient
from smsbridge.errors import DuplicateMessage, SmsBridgeError
from smsbridge.models import SendResult, SentMessage

__all__ = ["Outcome", "Tally", "outcome_of", "sort_after_error"]

#: Unknown recipients the JSON summary lists (every one is in ``messages`` too).
_LISTED_UNKNOWN = 1000


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


def outcome_of(sent: SentMessage) -> str:
    """A recipient's outcome from its answer; a duplicate's earlier fate is unknown."""
    if sent.ok:
        return "accepted"
    return "unknown" if isinstance(sent.error, DuplicateMessage) else "failed"


def sort_after_error(exc: SmsBridgeError, members: list[Recipient], index: int,
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


@attrs.define
class Tally:
    """Running totals of a send, by outcome, and where the open recipients are."""

    accepted: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    not_attempted: int = 0
    #: Recipients a resumed campaign found settled in its journal.
    already: int = 0
    parts: int = 0
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    #: The first unknown recipients (``where``, ``recipient``, ``chunk``, ``reference``).
    unknown_listed: list[dict[str, Any]] = attrs.field(factory=list)
    #: Where the last unknown recipient was given.
    last_unknown: str = ""
    #: Where the recipients never attempted start, if any were left.
    not_attempted_from: str | None = None

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

    def count(self, done: Outcome) -> None:
        """Count one recipient's outcome."""
        if done.outcome == "accepted" and done.sent is not None:
            self.add(done.sent)
        elif done.outcome == "failed":
            self.failed += 1
        elif done.outcome == "unknown":
            self.unknown += 1
            self.last_unknown = done.recipient.where
            if len(self.unknown_listed) < _LISTED_UNKNOWN:
                self.unknown_listed.append({"where": done.recipient.where,
                                            "recipient": done.recipient.number,
                                            "chunk": done.chunk, "reference": done.reference})
        elif done.outcome == "skipped":
            self.skipped += 1
        else:
            self.count_not_attempted(done.recipient.where)

    def count_not_attempted(self, where: str) -> None:
        """Count one recipient never attempted, given at ``where``."""
        self.not_attempted += 1
        if self.not_attempted_from is None:
            self.not_attempted_from = where

    def unknown_span(self) -> str:
        """Where the unknown recipients are, for the summary."""
        if not self.unknown_listed:
            return ""
        first, last = self.unknown_listed[0]["where"], self.last_unknown
        return first if first == last else f"{first} to {last}"

    def summary(self) -> dict[str, Any]:
        """The totals as data (for :func:`~smsbridge.cli.output.dumps`)."""
        return {
            "recipients": self.recipients, "accepted": self.accepted, "failed": self.failed,
            "unknown": self.unknown, "skipped": self.skipped,
            "not_attempted": self.not_attempted, "already_settled": self.already,
            "parts": self.parts,
            "total_price": [{"amount": amount, "currency": currency or None}
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
