"""HLR lookups a simulated provider answered, found by id and by the client's reference.

An HLR request asks a number's home network whether the number is live (``active``) or
switched off or gone (``absent``), which network serves it and whether it was ported
or is roaming. A simulator answers at once: one :class:`LookupRecord` per number, kept
in a :class:`LookupBook` where later queries find it by the provider's id or by the
reference the client gave (providers that take references refuse a repeated one: look
it up with :meth:`LookupBook.referenced` before adding). The simulator renders the
records in its provider's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs

__all__ = ["LookupBook", "LookupRecord"]


@attrs.define(kw_only=True, eq=False)
class LookupRecord:
    """One HLR lookup of one number, as the simulated provider holds it."""

    id: str
    number: str
    reference: str | None = None
    login: str = ""
    #: What the home network said (a :class:`~smsbridge.models.HlrStatus` value).
    status: str = "active"
    #: The serving network (MCC and MNC, ``"25501"``); "" when it is unknown.
    network: str = ""
    ported: bool = False
    roaming: bool = False
    #: When the provider answered it (seconds since the epoch).
    created: float
    #: Provider facts the kit does not model (a callback URL, a tariff, ...).
    extra: dict[str, Any] = attrs.field(factory=dict)


class LookupBook:
    """Every lookup a simulated provider answered, in order.

    Not locked itself: simulators call it under their ``lock``.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        #: Number -> the status its lookups get (others are ``active``); settable at run time.
        self.statuses: dict[str, str] = {}
        self._records: list[LookupRecord] = []
        self._by_id: dict[str, LookupRecord] = {}
        self._by_reference: dict[str, LookupRecord] = {}

    def add(self, **fields: Any) -> LookupRecord:
        """Record an answered lookup; ``fields`` are :class:`LookupRecord`'s.

        ``status`` defaults to the number's in :attr:`statuses` and ``created`` to the clock.
        """
        fields.setdefault("status", self.statuses.get(fields["number"], "active"))
        fields.setdefault("created", self.clock())
        record = LookupRecord(**fields)
        self._records.append(record)
        self._by_id[record.id] = record
        if record.reference is not None:
            self._by_reference[record.reference] = record
        return record

    def find(self, lookup_id: str) -> LookupRecord | None:
        """The lookup with the provider's id ``lookup_id``, or None."""
        return self._by_id.get(lookup_id)

    def referenced(self, reference: str | None) -> LookupRecord | None:
        """The latest lookup with the client's ``reference`` (None for none)."""
        return None if reference is None else self._by_reference.get(reference)

    def __iter__(self) -> Iterator[LookupRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)
