"""Simulated inboxes and counts: messages handsets sent, records in a time window, tallies."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

import attrs

__all__ = ["Inbox", "IncomingMessage", "between", "ratio", "tally"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@attrs.define(kw_only=True)
class IncomingMessage:
    """A message a handset sent to one of an account's numbers."""

    id: int
    login: str
    sender: str
    recipient: str
    text: str
    prefix: str = ""
    #: When the provider received it (seconds since the epoch).
    created: float


class Inbox:
    """The incoming messages of a simulated provider, ids counted from ``first_id``.

    Not locked itself: simulators call it under their ``lock``.
    """

    def __init__(self, clock: Callable[[], float], first_id: int = 1) -> None:
        self.clock = clock
        self._messages: list[IncomingMessage] = []
        self._ids = itertools.count(first_id)

    def add(self, sender: str, recipient: str, text: str, *, login: str = "",
            prefix: str = "", created: float | None = None) -> IncomingMessage:
        """Record a message ``sender`` wrote to ``recipient`` (at ``created``, default now)."""
        message = IncomingMessage(id=next(self._ids), login=login, sender=sender,
                                  recipient=recipient, text=text, prefix=prefix,
                                  created=self.clock() if created is None else created)
        self._messages.append(message)
        return message

    def between(self, start: float, end: float,
                login: str | None = None) -> list[IncomingMessage]:
        """The messages received from ``start`` to ``end`` inclusive (to ``login``, if given)."""
        return [m for m in between(self._messages, start, end, lambda m: m.created)
                if login is None or m.login == login]

    def __iter__(self) -> Iterator[IncomingMessage]:
        return iter(list(self._messages))

    def __len__(self) -> int:
        return len(self._messages)


def between(items: Iterable[T], start: float, end: float,
            at: Callable[[T], float]) -> list[T]:
    """The ``items`` whose time ``at(item)`` lies from ``start`` to ``end`` inclusive."""
    return [item for item in items if start <= at(item) <= end]


def tally(values: Iterable[K], buckets: Mapping[K, str],
          names: Sequence[str], default: str | None = None) -> dict[str, int]:
    """Count ``values`` into the named ``buckets`` (every name in ``names`` starts at 0);
    a value no bucket takes counts under ``default`` (or nowhere when None)."""
    counts = dict.fromkeys(names, 0)
    for value in values:
        name = buckets.get(value, default)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return counts


def ratio(part: int, total: int) -> int:
    """``part`` of ``total`` in whole percent (0 of nothing)."""
    return round(100 * part / total) if total else 0
