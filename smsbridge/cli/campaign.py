"""A campaign's journal and its stops: what ``send --journal/--resume`` write and read.

A campaign is sent chunk by chunk, one provider request per chunk, each chunk with a
reference derived from the campaign's own (:func:`smsbridge.ids.chunk_reference`). The
journal is JSON lines, flushed as it goes:

- a ``campaign`` record first: the send's options (a fingerprint), the driver and the
  campaign reference;
- a ``chunk`` record *before* each request: its index, reference and members, so a kill
  during the request leaves the chunk on record as in flight;
- one record per recipient as it is answered (or found invalid): ``seq`` (its position
  in the input), ``line``, ``where``, ``recipient``, ``message_id``, ``outcome``
  (``accepted``, ``failed``, ``unknown``, ``skipped`` or ``not_attempted``), ``chunk``
  and ``reference``.

Reading it back (:func:`read_journal`) gives what is settled, the chunks left open
(in flight, or unknown) and the next free chunk index, so a resumed run never reuses
a reference for another chunk. A later record of a recipient overrides an earlier one.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any, TextIO

import attrs

from smsbridge.cli.output import UsageError

__all__ = ["ChunkRecord", "Interrupts", "Journal", "ResumeState", "Settled"]

JOURNAL_VERSION = 1
OUTCOMES = frozenset({"accepted", "failed", "unknown", "skipped", "not_attempted"})


class Settled:
    """Positions (``seq``) of settled recipients as sorted, merged ranges.

    A campaign settles its input almost in order, so this stays a handful of ranges
    however long the input is.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, seq: int) -> None:
        """Mark one position settled."""
        if self._ends and self._ends[-1] + 1 == seq:
            self._ends[-1] = seq
            return
        if seq in self:
            return
        index = bisect.bisect_left(self._starts, seq)
        self._starts.insert(index, seq)
        self._ends.insert(index, seq)
        # Merge with the neighbours it now touches.
        if index + 1 < len(self._starts) and self._starts[index + 1] == seq + 1:
            self._ends[index] = self._ends.pop(index + 1)
            self._starts.pop(index + 1)
        if index > 0 and self._ends[index - 1] + 1 == seq:
            self._ends[index - 1] = self._ends.pop(index)
            self._starts.pop(index)

    def __contains__(self, seq: object) -> bool:
        if not isinstance(seq, int):
            return False
        index = bisect.bisect_right(self._starts, seq) - 1
        return index >= 0 and seq <= self._ends[index]

    def ranges(self) -> list[tuple[int, int]]:
        """The settled ranges, first to last."""
        return list(zip(self._starts, self._ends, strict=True))


@attrs.frozen
class ChunkRecord:
    """A chunk as the journal recorded it before its request."""

    index: int
    reference: str
    #: ``(seq, where, recipient)`` of each member, in request order.
    members: tuple[tuple[int, str, str], ...]


@attrs.define
class ResumeState:
    """What a journal says about a campaign."""

    header: dict[str, Any]
    #: Recipients answered (accepted or failed) or skipped: never sent again.
    settled: Settled = attrs.field(factory=Settled)
    #: Chunks with recipients left open (in flight when the run ended, or reported
    #: unknown), by index; each is repeated whole or its open recipients stay unknown.
    pending: dict[int, ChunkRecord] = attrs.field(factory=dict)
    #: The open recipients of the pending chunks.
    open: set[int] = attrs.field(factory=set)
    #: Open recipients already reported unknown.
    unknown: set[int] = attrs.field(factory=set)
    next_chunk: int = 0

    @property
    def settled_count(self) -> int:
        """How many recipients the journal settled."""
        return sum(end - start + 1 for start, end in self.settled.ranges())


class Journal:
    """Appends a campaign's records to a file, flushing after each step."""

    def __init__(self, path: str, handle: TextIO) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def create(cls, path: str, header: Mapping[str, Any]) -> Journal:
        """Start a new journal; refuse a file that already holds a campaign."""
        try:
            if os.path.getsize(path) > 0:
                raise UsageError(
                    f"--journal {path} already holds a campaign; continue it with "
                    f"--resume {path}, or give a new file")
        except OSError:
            pass  # no such file yet
        journal = cls(path, _open(path, "--journal"))
        journal.write({"event": "campaign", "version": JOURNAL_VERSION, **header})
        journal.flush()
        return journal

    @classmethod
    def append(cls, path: str) -> Journal:
        """Reopen a journal (read with :func:`read_journal`) to continue its campaign.

        A last line cut short by a kill is dropped first: it was never acted on (a
        chunk's record is complete before its request starts), and the records that
        follow must start on a line of their own.
        """
        try:
            with open(path, "rb+") as handle:
                data = handle.read()
                if data and not data.endswith(b"\n"):
                    handle.truncate(data.rfind(b"\n") + 1)
        except OSError as exc:
            raise UsageError(f"cannot write --resume {path}: {exc.strerror or exc}") from None
        return cls(path, _open(path, "--resume"))

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record (flushed by :meth:`flush`)."""
        self._handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                           + "\n")

    def flush(self) -> None:
        """Hand what was written to the operating system (it survives a kill)."""
        self._handle.flush()

    def chunk(self, index: int, reference: str, members: list[tuple[int, str, str]]) -> None:
        """Record a chunk before its request."""
        self.write({"event": "chunk", "chunk": index, "reference": reference,
                    "members": [list(member) for member in members]})
        self.flush()

    def close(self) -> None:
        """Flush and close the file."""
        with contextlib.suppress(OSError, ValueError):
            self._handle.close()


def _open(path: str, option: str) -> TextIO:
    try:
        return open(path, "a", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {option} {path}: {exc.strerror or exc}") from None


def _records(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed below, as it is read)
    except OSError as exc:
        raise UsageError(f"cannot read --resume {path}: {exc.strerror or exc}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if not line.endswith("\n"):
                    return  # the last line of a killed run, cut short: never acted on
                raise UsageError(f"--resume {path}: line {number} is not a journal "
                                 "record") from None
            if not isinstance(record, dict):
                raise UsageError(f"--resume {path}: line {number} is not a journal record")
            yield number, record


def read_journal(path: str) -> ResumeState:
    """What the journal at ``path`` says: settled recipients, pending chunks, next index."""
    records = _records(path)
    first = next(records, None)
    if first is None or first[1].get("event") != "campaign":
        raise UsageError(f"--resume {path} is not a smsbridge campaign journal")
    if first[1].get("version") != JOURNAL_VERSION:
        raise UsageError(f"--resume {path} was written by another smsbridge version "
                         f"(journal version {first[1].get('version')!r})")
    state = ResumeState(header=first[1])
    chunks: dict[int, ChunkRecord] = {}
    open_members: dict[int, set[int]] = {}
    try:
        for _, record in records:
            if record.get("event") == "chunk":
                chunk = ChunkRecord(
                    index=int(record["chunk"]), reference=str(record["reference"]),
                    members=tuple((int(seq), str(where), str(number))
                                  for seq, where, number in record["members"]))
                chunks[chunk.index] = chunk
                open_members[chunk.index] = {member[0] for member in chunk.members}
                state.next_chunk = max(state.next_chunk, chunk.index + 1)
                continue
            outcome = record.get("outcome")
            if outcome not in OUTCOMES:
                continue
            seq = int(record["seq"])
            chunk_index = None if record.get("chunk") is None else int(record["chunk"])
            members = open_members.get(chunk_index) if chunk_index is not None else None
            if outcome == "unknown":
                state.unknown.add(seq)  # stays open: a deduplicating provider can repeat it
                continue
            state.unknown.discard(seq)
            if members is not None:
                members.discard(seq)
                if not members and chunk_index is not None:  # closed: forget it
                    del open_members[chunk_index], chunks[chunk_index]
            if outcome != "not_attempted":  # not attempted: sent again in a new chunk
                state.settled.add(seq)
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"--resume {path} holds a malformed record") from None
    state.pending = {index: chunks[index] for index, left in open_members.items()}
    state.open = {seq for index in state.pending for seq in open_members[index]}
    state.unknown &= state.open
    return state


class Interrupts:
    """Ctrl-C (SIGINT) and SIGTERM during a campaign, acted on between requests.

    The first signal asks the campaign to stop after the request in flight, whose
    answer then settles its recipients. A second one stops at once (a request in
    flight then leaves its recipients unknown), except inside :meth:`critical`, where
    outcomes are being written down: it waits for that to finish. Only the main thread
    can install signal handlers; elsewhere the default behaviour stays.
    """

    def __init__(self) -> None:
        self.count = 0
        self.in_request = False
        #: How many requests a pool has in flight (``send --concurrency``).
        self.pooled: Callable[[], int] = lambda: 0
        self._critical = 0
        self._previous: dict[int, Any] = {}

    @property
    def stop(self) -> bool:
        """True once a stop was asked for."""
        return self.count > 0

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.count == 1:
            pooled = self.pooled()
            if pooled > 1:
                _say(f"\nsmsbridge: stopping after the {pooled} requests in flight (Ctrl-C "
                     "again to stop now, leaving their recipients unknown)\n")
            elif self.in_request or pooled:
                _say("\nsmsbridge: stopping after the request in flight (Ctrl-C again to "
                     "stop now, leaving its recipients unknown)\n")
            return
        if not self._critical:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Mark a request in flight."""
        self.in_request = True
        try:
            yield
        finally:
            self.in_request = False

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """Hold a second signal off while outcomes are written down."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1


def _say(text: str) -> None:
    # Straight to the file descriptor: a signal handler must not reenter sys.stderr's buffer.
    with contextlib.suppress(OSError, ValueError):
        os.write(2, text.encode("utf-8"))
