"""Continuing a campaign: its fingerprint, its journal, and the chunks left in flight."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from smsbridge.cli.campaign import ChunkRecord, Journal, ResumeState, read_journal
from smsbridge.cli.output import UsageError
from smsbridge.cli.recipients import Recipient, RecipientSource
from smsbridge.converter import to_data
from smsbridge.ids import new_reference

__all__ = ["Opened", "PendingChunks", "fingerprint", "open_journal"]


def fingerprint(driver: str, source: RecipientSource, text: str, sender: str | None,
                send_at: datetime | None, validity: timedelta | None) -> dict[str, Any]:
    """What makes two runs the same campaign (the connection excepted)."""

    def path(value: str | None) -> str | None:
        return value if value in (None, "-") else os.path.abspath(str(value))

    options = {
        "driver": driver,
        "to": source.to, "to_file": path(source.to_file), "csv": path(source.csv_file),
        "phone_column": source.phone_column,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "sender": sender, "at": send_at, "validity": validity,
    }
    # Compared with the journal's copy as read back from JSON: compare the JSON form.
    return to_data(options)  # type: ignore[no-any-return]


@attrs.frozen
class Opened:
    """The journal a run writes to, what it says of an earlier run, and the reference."""

    journal: Journal | None
    resumed: ResumeState | None
    reference: str | None


def open_journal(args: Any, options: dict[str, Any], reference: str | None) -> Opened:
    """Continue ``--resume``'s campaign (same ``options``) or start ``--journal``'s."""
    if args.resume is not None:
        state = read_journal(args.resume)
        header = state.header
        differ = [key for key, value in options.items()
                  if header.get("options", {}).get(key) != value]
        if differ:
            raise UsageError(
                f"--resume {args.resume} was written for another campaign: "
                f"{', '.join(differ)} differ{'s' if len(differ) == 1 else ''}; "
                "give the same recipients, text and options as the first run")
        recorded = header.get("reference")
        if reference not in (None, recorded):
            raise UsageError(f"--reference {reference!r} differs from the "
                             f"journal's campaign reference {recorded!r}")
        return Opened(Journal.append(args.resume), state, recorded)
    if args.journal is not None:
        # Chunk references must be on record before their requests: make one up when
        # the caller gave none.
        reference = reference or new_reference(10)
        journal = Journal.create(args.journal, {
            "reference": reference, "options": options,
            "started_at": to_data(datetime.now(timezone.utc))})
        return Opened(journal, None, reference)
    return Opened(None, None, reference)


class PendingChunks:
    """The chunks an earlier run left open, gathered as the input is read again."""

    def __init__(self, state: ResumeState | None = None) -> None:
        self._chunks = dict(state.pending) if state is not None else {}
        self._by_seq = {member[0]: index for index, chunk in self._chunks.items()
                        for member in chunk.members}
        self._collected: dict[int, dict[int, Recipient]] = {
            index: {} for index in self._chunks}

    def __contains__(self, seq: object) -> bool:
        return seq in self._by_seq

    def collect(self, recipient: Recipient) -> tuple[ChunkRecord, list[Recipient]] | None:
        """Add a member read again; return its chunk and members once all are read.

        :raises UsageError: when the input holds another number where the journal
            recorded this member: repeating the chunk would send to someone else.
        """
        index = self._by_seq.pop(recipient.seq)
        chunk = self._chunks[index]
        recorded = next(number for seq, _, number in chunk.members if seq == recipient.seq)
        if recipient.number != recorded:
            raise UsageError(f"{recipient.where} holds {recipient.given!r}, but the journal "
                             f"recorded {recorded} there: the input changed since the first "
                             "run, so the campaign cannot be continued safely")
        collected = self._collected[index]
        collected[recipient.seq] = recipient
        if len(collected) < len(chunk.members):
            return None
        del self._collected[index]
        return chunk, [collected[seq] for seq, _, _ in chunk.members]

    def incomplete(self) -> Iterator[tuple[ChunkRecord, list[Recipient]]]:
        """The chunks the input no longer holds in full, with their recorded members."""
        for index in list(self._collected):
            chunk = self._chunks[index]
            members = [self._collected[index].get(seq) or Recipient(seq, where, number, number)
                       for seq, where, number in chunk.members]
            del self._collected[index]
            yield chunk, members
