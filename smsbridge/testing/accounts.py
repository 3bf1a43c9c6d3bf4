"""Simulated provider accounts: credentials, balance in Decimal money, price per part."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["Account", "Accounts", "Money", "money"]

#: What a simulator takes as money: converted exactly through ``str``, never via float.
Money = Decimal | int | str


def money(value: Money) -> Decimal:
    """``value`` as a Decimal (``"0.50"``, ``5`` and ``Decimal("5")`` alike)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _names(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


@attrs.define(kw_only=True, eq=False)
class Account:
    """One account of a simulated provider; tests may change any field at run time."""

    login: str
    password: str = ""
    balance: Decimal = attrs.field(default=Decimal("100.00"), converter=money)
    #: Charged per SMS part (per segment) and per recipient.
    price: Decimal = attrs.field(default=Decimal("0.50"), converter=money)
    #: Approved sender names; None approves every well-formed sender.
    senders: frozenset[str] | None = attrs.field(
        default=None, converter=_names)
    active: bool = True
    #: IP addresses allowed to call; None allows every address.
    allowed_ips: frozenset[str] | None = attrs.field(
        default=None, converter=_names)
    #: How far the balance may go below zero; None: not at all.
    credit_limit: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(money))
    #: What :meth:`top_up` put on the account and :meth:`charge` took (net of refunds).
    paid_in: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    #: Provider facts the kit does not model (a tariff, a currency, ...).
    extra: dict[str, Any] = attrs.field(factory=dict)

    def cost(self, parts: int, recipients: int = 1) -> Decimal:
        """What sending ``parts`` parts to ``recipients`` numbers costs."""
        return self.price * parts * recipients

    def can_pay(self, amount: Decimal) -> bool:
        """True when the balance (with the credit limit) covers ``amount``."""
        return amount <= self.balance + (self.credit_limit or 0)

    def charge(self, amount: Decimal) -> bool:
        """Take ``amount`` from the balance; False (nothing taken) when it does not cover it."""
        if not self.can_pay(amount):
            return False
        self.balance -= amount
        self.spent += amount
        return True

    def refund(self, amount: Decimal) -> None:
        """Give back ``amount`` charged earlier (a send canceled before it went out)."""
        self.balance += amount
        self.spent -= amount

    def top_up(self, amount: Money) -> None:
        """Put ``amount`` on the account, as a payment does."""
        self.balance += money(amount)
        self.paid_in += money(amount)

    def pay(self, amount: Decimal, unpaid: Exception) -> None:
        """Take ``amount`` from the balance, or raise ``unpaid`` (the provider's refusal;
        nothing taken) when it does not cover it."""
        if not self.charge(amount):
            raise unpaid

    def afford(self, amount: Decimal, unpaid: Exception) -> None:
        """Raise ``unpaid`` unless the balance covers ``amount``, taking nothing (a whole
        request checked before its parts are charged one by one)."""
        if not self.can_pay(amount):
            raise unpaid

    def approves(self, sender: str) -> bool:
        """True when ``sender`` is one of the account's approved names (or all are)."""
        return self.senders is None or sender in self.senders

    def admits(self, address: str | None) -> bool:
        """True when a request from ``address`` may use the account."""
        return self.allowed_ips is None or address in self.allowed_ips


class Accounts:
    """The accounts of a simulated provider, by login; the first one added is the demo."""

    def __init__(self) -> None:
        self._by_login: dict[str, Account] = {}

    def add(self, login: str, password: str = "", **fields: Any) -> Account:
        """Create (or replace) an account; ``fields`` are :class:`Account`'s."""
        account = Account(login=login, password=password, **fields)
        self._by_login[login] = account
        return account

    @property
    def demo(self) -> Account:
        """The first account added."""
        return next(iter(self._by_login.values()))

    def get(self, login: str) -> Account | None:
        """The account of ``login``, or None."""
        return self._by_login.get(login)

    def authenticate(self, login: str, password: str) -> Account | None:
        """The account whose login and password these are, or None (compared in constant time)."""
        account = self._by_login.get(login)
        if account is None or not secrets.compare_digest(
                account.password.encode("utf-8"), password.encode("utf-8")):
            return None
        return account

    def __getitem__(self, login: str) -> Account:
        return self._by_login[login]

    def __contains__(self, login: object) -> bool:
        return login in self._by_login

    def __iter__(self) -> Iterator[Account]:
        return iter(list(self._by_login.values()))

    def __len__(self) -> int:
        return len(self._by_login)

    def logins(self) -> Iterable[str]:
        """Every login, in the order added."""
        return list(self._by_login)
