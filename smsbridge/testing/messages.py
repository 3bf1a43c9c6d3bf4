"""Simulated message records: ids, the ledger, delivery progression on the simulator's clock."""

from __future__ import annotations

import itertools
import math
import secrets
import string
import threading
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage, utc

__all__ = ["DELIVERED_PATH", "NEVER", "Ids", "MessageBook", "MessageRecord", "Progression"]

#: The states a message goes through by default (DeliveryState values).
DELIVERED_PATH = ("queued", "sent", "delivered")
#: The ``not_before`` of a record held back (unpaid, canceled): it never moves and no
#: recipient would receive it, so the ledger leaves it out.
NEVER = math.inf


class Ids:
    """Provider message ids: counted from ``start`` (as text) or random (``random(n)``)."""

    def __init__(self, start: int = 1, *, prefix: str = "") -> None:
        self._counter = itertools.count(start)
        self._prefix = prefix
        self._lock = threading.Lock()
        self._random: tuple[int, str] | None = None

    @classmethod
    def random(cls, length: int,
               alphabet: str = string.ascii_uppercase + string.digits) -> Ids:
        """Ids of ``length`` characters drawn from ``alphabet``."""
        ids = cls()
        ids._random = (length, alphabet)
        return ids

    def next(self) -> str:
        """A new id."""
        if self._random is not None:
            length, alphabet = self._random
            return self._prefix + "".join(secrets.choice(alphabet) for _ in range(length))
        with self._lock:
            return f"{self._prefix}{next(self._counter)}"


@attrs.define(kw_only=True)
class Progression:
    """When a message moves on to the next state of its path; settable at run time.

    With ``deliver_after`` None (the default) a message moves one step each time it is
    looked at (the simulator calls :meth:`MessageBook.look` on a status query). With a
    number of seconds, the simulator's clock moves it: it is sent ``sent_after`` seconds
    after it is due (accepted, or its scheduled time) and reaches its final state
    ``deliver_after`` seconds after it is due. ``hold=True`` stops every message where it is.
    """

    deliver_after: float | None = attrs.field(default=None)
    sent_after: float = 0.0
    hold: bool = False

    @deliver_after.validator
    def _check(self, _: Any, value: float | None) -> None:
        if value is not None and not 0 <= self.sent_after <= value:
            raise ValueError("need 0 <= sent_after <= deliver_after")

    @classmethod
    def per_look(cls) -> Progression:
        """One step per status query (the default)."""
        return cls()

    @classmethod
    def timed(cls, deliver_after: float, sent_after: float = 0.0) -> Progression:
        """Sent ``sent_after`` and final ``deliver_after`` seconds after a message is due."""
        return cls(deliver_after=deliver_after, sent_after=sent_after)

    @classmethod
    def held(cls) -> Progression:
        """Nothing moves (messages stay queued, or where they are)."""
        return cls(hold=True)

    def offsets(self, steps: int) -> list[float]:
        """Seconds after the due time at which steps 1..``steps``-1 are reached (timed only)."""
        assert self.deliver_after is not None
        middle = steps - 2
        return [self.sent_after + (self.deliver_after - self.sent_after) * k / max(middle, 1)
                for k in range(middle)] + [self.deliver_after]


@attrs.define(kw_only=True, eq=False)
class MessageRecord:
    """One message to one recipient, as the simulated provider holds it."""

    id: str
    login: str = ""
    recipient: str
    text: str
    sender: str = ""
    reference: str | None = None
    channel: str = "sms"
    parts: int = 1
    cost: Decimal = Decimal(0)
    #: When the provider accepted it and when it may be sent (seconds since the epoch).
    accepted_at: float
    not_before: float
    #: The states it goes through, the last one final (DeliveryState values).
    path: tuple[str, ...] = DELIVERED_PATH
    step: int = 0
    #: When each step so far was reached.
    stamps: list[float] = attrs.field(factory=list)
    #: Provider facts the kit does not model.
    extra: dict[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if not self.stamps:
            self.stamps.append(self.accepted_at)

    @property
    def state(self) -> str:
        """The state it is in now."""
        return self.path[self.step]

    @property
    def is_final(self) -> bool:
        """True when it reached the end of its path."""
        return self.step == len(self.path) - 1

    def reached(self, state: str) -> float | None:
        """When it reached ``state`` (None: not yet, or never)."""
        for index, name in enumerate(self.path[: self.step + 1]):
            if name == state:
                return self.stamps[index]
        return None

    def move(self, step: int, at: float) -> bool:
        """Go forward to ``step`` (stamped ``at``); False when that is no move."""
        step = min(step, len(self.path) - 1)
        if step <= self.step:
            return False
        while self.step < step:
            self.step += 1
            self.stamps.append(at)
        return True

    def ledger_entry(self) -> SimulatedMessage:
        """This record as the SPEC's :class:`SimulatedMessage`."""
        return SimulatedMessage(recipient=self.recipient, text=self.text, provider_id=self.id,
                                reference=self.reference, channel=self.channel,
                                accepted_at=utc(self.accepted_at), state=self.state)


class MessageBook:
    """Every message a simulated provider accepted, in order, with their progression.

    Not locked itself: simulators call it under their ``lock``.
    """

    def __init__(self, clock: Callable[[], float],
                 progression: Progression | None = None) -> None:
        self.clock = clock
        self.progression = progression or Progression()
        self._records: list[MessageRecord] = []
        self._by_id: dict[str, list[MessageRecord]] = {}
        self._by_reference: dict[tuple[str, str], MessageRecord] = {}

    def add(self, **fields: Any) -> MessageRecord:
        """Record an accepted message; ``fields`` are :class:`MessageRecord`'s.

        ``accepted_at`` defaults to the clock and ``not_before`` to ``accepted_at``.
        """
        fields.setdefault("accepted_at", self.clock())
        fields.setdefault("not_before", fields["accepted_at"])
        record = MessageRecord(**fields)
        self._records.append(record)
        self._by_id.setdefault(record.id, []).append(record)
        if record.reference is not None:
            self._by_reference[(record.channel, record.reference)] = record
        return record

    def alias(self, record: MessageRecord, ids: Iterable[str]) -> None:
        """Let :meth:`find` know ``record`` by ``ids`` too (a provider that gives every
        segment of a message an id of its own)."""
        for message_id in ids:
            self._by_id.setdefault(message_id, []).append(record)

    def find(self, message_id: str, login: str | None = None) -> list[MessageRecord]:
        """The records of ``message_id`` (of ``login``, when given), oldest first."""
        return [r for r in self._by_id.get(message_id, ())
                if login is None or r.login == login]

    def referenced(self, reference: str | None, channel: str = "sms") -> MessageRecord | None:
        """The latest record of ``channel`` with the client's ``reference`` (None for none):
        what a provider that deduplicates on references looks up."""
        return None if reference is None else self._by_reference.get((channel, reference))

    def __iter__(self) -> Iterator[MessageRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def ledger(self) -> list[SimulatedMessage]:
        """Every record that will go out (not held at :data:`NEVER`) as a
        :class:`SimulatedMessage`, timed progression applied."""
        self.tick()
        return [record.ledger_entry() for record in self._records if record.not_before != NEVER]

    def release(self, records: Iterable[MessageRecord], at: float) -> None:
        """Let ``records`` go out from ``at`` (:data:`NEVER`: hold them)."""
        for record in records:
            record.not_before = at

    # -- progression --------------------------------------------------------------

    def _due(self, record: MessageRecord, now: float) -> bool:
        return not self.progression.hold and now >= record.not_before

    def _timed(self, record: MessageRecord, now: float) -> bool:
        """Apply timed progression to ``record``; True when it moved."""
        deliver_after = self.progression.deliver_after
        if deliver_after is None or not self._due(record, now):
            return False
        moved = False
        for step, offset in enumerate(self.progression.offsets(len(record.path)), start=1):
            at = record.not_before + offset
            if at <= now:
                moved = record.move(step, at) or moved
        return moved

    def tick(self, records: Iterable[MessageRecord] | None = None) -> list[MessageRecord]:
        """Apply timed progression up to now; return the records that moved."""
        now = self.clock()
        return [r for r in (self._records if records is None else records)
                if self._timed(r, now)]

    def step(self, record: MessageRecord) -> bool:
        """Move ``record`` one step now (an operator's report came in); True when it moved."""
        now = self.clock()
        if not self._due(record, now):
            return False
        return record.move(record.step + 1, now)

    def look(self, records: Iterable[MessageRecord]) -> list[MessageRecord]:
        """A status query saw ``records``: move them as the progression says; return movers."""
        records = list(records)
        if self.progression.deliver_after is not None:
            return self.tick(records)
        return [r for r in records if self.step(r)]
