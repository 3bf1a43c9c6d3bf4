"""The simulator kit: a :class:`KitSimulator` is its provider's wire format and little else.

It owns the state every provider shares, so a simulator module holds only the routes,
the request checks and the answer shapes of its provider:

- ``accounts`` (:class:`~smsbridge.testing.accounts.Accounts`): logins, passwords,
  balance and price per part in Decimal, approved senders, active flag, allowed IPs;
- ``messages`` (:class:`~smsbridge.testing.messages.MessageBook`): one record per
  recipient, ids from ``ids``, the SPEC's ``ledger()``, and delivery progression on the
  injectable ``clock`` (``progression`` / ``deliver_after``, settable at run time);
- ``incoming`` (:class:`~smsbridge.testing.inbox.Inbox`): what handsets wrote to the
  accounts (:meth:`KitSimulator.receive`), for providers with an inbox;
- for providers that log in, :class:`SessionSimulator` adds ``sessions``
  (:class:`~smsbridge.testing.sessions.Sessions`), ``logins`` and ``expire_sessions()``
  (only session providers have them: tests tell them apart by ``expire_sessions``);
- refusals (raise :class:`~smsbridge.testing.answers.Refusal`, render it in
  :meth:`refuse`), faults and latency (from :class:`~smsbridge.testing.simulator.Simulator`).

``docs/simulators.md`` walks through the Nikita simulator, written on this kit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from smsbridge.testing.accounts import Account, Accounts, Money
from smsbridge.testing.inbox import Inbox, IncomingMessage
from smsbridge.testing.messages import DELIVERED_PATH, Ids, MessageBook, MessageRecord, Progression
from smsbridge.testing.sessions import Sessions
from smsbridge.testing.simulator import SimulatedMessage, Simulator
from smsbridge.text import segments

__all__ = ["KitSimulator", "SessionSimulator"]


class KitSimulator(Simulator):
    """A simulator with accounts and a message book on one clock.

    Subclasses set the class attributes, add their demo account in ``__init__`` and
    implement :meth:`handle` (and :meth:`refuse` for their error shape).
    """

    #: The first provider message id (ids are counted from it).
    first_id: ClassVar[int] = 1
    #: Numbers ending so end undelivered (the provider-neutral way to show a failure).
    failing_suffix: ClassVar[str | None] = None
    #: The first id of an incoming message, and the number handsets write to by default.
    first_incoming_id: ClassVar[int] = 1
    inbound_number: ClassVar[str] = ""

    def __init__(self, *, clock: Callable[[], float] | None = None,
                 progression: Progression | None = None) -> None:
        super().__init__(clock=clock or time.time)
        self.accounts = Accounts()
        self.messages = MessageBook(self.clock, progression)
        self.ids = Ids(self.first_id)
        #: Number -> the final state messages to it end in (see :meth:`fail`).
        self.failures: dict[str, str] = {}
        #: Messages handsets wrote to the accounts (see :meth:`receive`).
        self.incoming = Inbox(self.clock, self.first_incoming_id)

    # -- accounts -------------------------------------------------------------------

    @property
    def account(self) -> Account:
        """The demo account (the first one added)."""
        return self.accounts.demo

    def add_account(self, login: str, password: str = "", **fields: Any) -> Account:
        """Create (or replace) an account; ``fields`` are :class:`Account`'s (``balance``,
        ``price``, ``senders``, ``active``, ``allowed_ips``, ``extra``)."""
        with self.lock:
            return self.accounts.add(login, password, **fields)

    def balance_of(self, login: str | None = None) -> Decimal:
        """An account's balance now (the demo account's by default)."""
        with self.lock:
            return (self.accounts[login] if login else self.account).balance

    def set_balance(self, amount: Money, login: str | None = None) -> None:
        """Set an account's balance (the demo account's by default)."""
        with self.lock:
            (self.accounts[login] if login else self.account).balance = amount  # type: ignore[assignment]

    # -- messages -------------------------------------------------------------------

    @property
    def progression(self) -> Progression:
        """When messages move on (see :class:`Progression`); settable at run time."""
        return self.messages.progression

    @progression.setter
    def progression(self, value: Progression) -> None:
        with self.lock:
            self.messages.progression = value

    @property
    def deliver_after(self) -> float | None:
        """Seconds from due to final state; None: one step per status query."""
        return self.progression.deliver_after

    @deliver_after.setter
    def deliver_after(self, seconds: float | None) -> None:
        self.progression = (Progression() if seconds is None
                            else Progression.timed(seconds, min(self.progression.sent_after,
                                                                seconds)))

    def fail(self, number: str, state: str = "undelivered") -> None:
        """Make messages accepted from now on for ``number`` end in ``state``."""
        with self.lock:
            self.failures[number.lstrip("+")] = state

    def path_for(self, recipient: str) -> tuple[str, ...]:
        """The states a message to ``recipient`` goes through."""
        final = self.failures.get(recipient) or (
            "undelivered" if self.failing_suffix and recipient.endswith(self.failing_suffix)
            else "delivered")
        return (*DELIVERED_PATH[:-1], final)

    def record(self, account: Account, recipients: Sequence[str | Mapping[str, Any]], *,
               unpaid: Exception, **fields: Any) -> list[MessageRecord]:
        """Charge ``account`` once for every message and record one per recipient.

        A recipient is a number, or a mapping of :class:`MessageRecord` fields of its own
        (``recipient``, ``text``, ``id``, ...) over the common ``fields`` (its ``extra``
        joins theirs). Unless given, ``parts`` are the segments of the text, ``cost`` is
        the account's price for them, ``id`` is a new id from :attr:`ids` and ``path`` is
        :meth:`path_for` the recipient.
        Raise ``unpaid`` (a :class:`~smsbridge.testing.answers.Refusal`; nothing charged or
        recorded) when the balance does not cover the sum.
        """
        items = []
        for recipient in recipients:
            own: dict[str, Any] = ({"recipient": recipient} if isinstance(recipient, str)
                                   else dict(recipient))
            item = {**fields, **own, "extra": {**fields.get("extra", {}),
                                               **own.get("extra", {})}}
            if "parts" not in item:
                item["parts"] = segments(item["text"]).parts
            if "cost" not in item:
                item["cost"] = account.cost(item["parts"])
            if "path" not in item:
                item["path"] = self.path_for(item["recipient"])
            items.append(item)
        account.pay(sum((item["cost"] for item in items), Decimal(0)), unpaid)
        # Ids are drawn only once the batch is paid for.
        return [self.messages.add(**{**item, "id": item.get("id") or self.ids.next(),
                                     "login": account.login})
                for item in items]

    def top_up(self, amount: Money, login: str | None = None) -> None:
        """Put money on an account (the demo account's by default), as a payment does."""
        with self.lock:
            (self.accounts[login] if login else self.account).top_up(amount)

    def moved(self, records: list[MessageRecord]) -> None:
        """React to ``records`` moving on (a provider that pushes reports pushes them)."""

    def look(self, records: Iterable[MessageRecord]) -> list[MessageRecord]:
        """A status query saw ``records``: move them as :attr:`progression` says."""
        moved = self.messages.look(records)
        if moved:
            self.moved(moved)
        return moved

    def sent_to(self, number: str) -> list[MessageRecord]:
        """The records of messages accepted for ``number`` (a leading ``+`` ignored)."""
        with self.lock:
            return [r for r in self.messages if r.recipient == number.lstrip("+")]

    def messages_of(self, login: str | None = None) -> list[MessageRecord]:
        """The records of ``login``'s messages (default: the demo account's), oldest first."""
        wanted = login or self.account.login
        return [record for record in self.messages if record.login == wanted]

    def messages_between(self, start: float, end: float,
                         login: str | None = None) -> list[MessageRecord]:
        """``login``'s records (default: the demo account's) accepted from ``start`` to
        ``end`` inclusive, as statistics and reports choose them."""
        return [r for r in self.messages_of(login) if start <= r.accepted_at <= end]

    def query(self, message_id: str, login: str | None = None,
              recipients: Iterable[str] = ()) -> list[MessageRecord] | None:
        """A status query for ``message_id`` (of ``login``; only ``recipients``, if any):
        the records, moved as :attr:`progression` says; None when any is unknown."""
        found = {r.recipient: r for r in self.messages.find(message_id, login)}
        wanted = list(recipients)
        if not found or any(recipient not in found for recipient in wanted):
            return None
        records = [found[recipient] for recipient in wanted] if wanted else list(found.values())
        self.look(records)
        return records

    def advance(self, login: str | None = None) -> int:
        """Move every message of ``login`` (default: the demo account) one step now, as
        the operators' reports come in; return how many moved."""
        with self.lock:
            moved = [r for r in self.messages_of(login) if self.messages.step(r)]
            if moved:
                self.moved(moved)
        return len(moved)

    def receive(self, sender: str, text: str, *, recipient: str | None = None,
                login: str | None = None, prefix: str = "",
                at: datetime | None = None) -> IncomingMessage:
        """Record a message a handset wrote to ``recipient`` (default
        :attr:`inbound_number`) of ``login``'s account (default: the demo account's), at
        ``at`` (default: now), for the provider's inbox answers."""
        with self.lock:
            return self.incoming.add(
                sender, self.inbound_number if recipient is None else recipient, text,
                login=login or self.account.login, prefix=prefix,
                created=None if at is None else at.timestamp())

    def ledger(self) -> list[SimulatedMessage]:
        """Every message a recipient would receive, in the order accepted."""
        with self.lock:
            return self.messages.ledger()


class SessionSimulator(KitSimulator):
    """A :class:`KitSimulator` of a provider whose clients log in for a session id."""

    #: How long a session id lives (seconds).
    session_lifetime: ClassVar[float] = 7200.0

    def __init__(self, *, clock: Callable[[], float] | None = None,
                 progression: Progression | None = None) -> None:
        super().__init__(clock=clock, progression=progression)
        self.sessions = Sessions(self.clock, self.session_lifetime)

    @property
    def logins(self) -> int:
        """How many times a client logged in."""
        return self.sessions.logins

    def expire_sessions(self) -> None:
        """Make every issued session id expired, as its lifetime passing would."""
        self.sessions.expire_all()
