"""A local simulator of the Phoenix SMS dispatch API, written from the provider document.

Accounts are tokens; each has a balance, address books and dispatches. A dispatch
answers ``IN_QUEUE``, then ``ACTIVE``, then ``CLOSED`` on successive status queries
(a scheduled one stays ``IN_QUEUE`` until its ``dateSend``); one the balance cannot
pay for is ``NOT_ENOUGH_MONEY`` until it is run again with money on the account.
Phones listed in ``undeliverable`` are sent but never counted as delivered. A missing
or unknown token gets HTTP 401, a blocked account HTTP 403 (the document says only
that a blocked user loses API access)::

    sim = PhoenixSimulator(balance=Decimal("10"))
    with sim.serve() as url:
        sms = smsbridge.connect("phoenix", **sim.client_settings(url))
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from smsbridge.testing.simulator import SimulatedMessage, Simulator
from smsbridge.text import segments

try:
    from werkzeug.wrappers import Request, Response
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "the Phoenix simulator needs werkzeug: pip install 'smsbridge-phoenix[simulator]'"
    ) from exc

__all__ = ["Account", "Dispatch", "PhoenixSimulator"]

DEMO_TOKEN = "demo-token"
_DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
_PHONE = re.compile(r"^(38071\d{7}|71\d{7})$")
_MAX_TEXT = 5000
# The document's answers carry these headers (Spring Security defaults).
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Frame-Options": "DENY",
}
#: States a status query moves a dispatch on from.
_NEXT_STATE = {"IN_QUEUE": "ACTIVE", "ACTIVE": "CLOSED"}
_CANCELABLE = frozenset({"IN_QUEUE", "NOT_ENOUGH_MONEY"})
_RUNNABLE = frozenset({"CANCELED", "NOT_ENOUGH_MONEY"})


@attrs.define(kw_only=True)
class Dispatch:
    """One dispatch: a text to many phones."""

    id: int
    text: str
    phones: list[str]
    date_send: datetime
    status: str
    cost: Decimal
    charged: bool = False
    sent: int = 0
    delivered: int = 0
    accepted_at: datetime | None = None


@attrs.define(kw_only=True)
class Account:
    """A client account, known by its token."""

    token: str
    balance: Decimal
    beginning_balance: Decimal
    credit_limit: Decimal | None = None
    blocked: bool = False
    payments: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    address_books: dict[int, tuple[str, list[dict[str, Any]]]] = attrs.field(factory=dict)
    dispatches: dict[int, Dispatch] = attrs.field(factory=dict)


def _demo_books() -> dict[int, tuple[str, list[dict[str, Any]]]]:
    """The address books of the document's examples."""
    return {
        1: ("name1", [{"phone": "380710000000", "comment": "Контакт 1"},
                      {"phone": "380719999999", "comment": "Контакт 2"}]),
        2: ("name2", []),
    }


class PhoenixSimulator(Simulator):
    """The Phoenix API on ``/sms-api/...``: dispatches, balance, address books.

    :param token: the demo account's token.
    :param balance: the demo account's balance.
    :param price: what one SMS part to one phone costs.
    :param credit_limit: the demo account's credit limit (None: no credit).
    :param undeliverable: phones whose messages are never delivered.
    :param timezone: the zone of the dates in requests and answers.
    :param clock: seconds since the epoch; injectable to move scheduled dispatches on.
    """

    def __init__(
        self,
        *,
        token: str = DEMO_TOKEN,
        balance: Decimal | int | str = Decimal("100"),
        price: Decimal | int | str = Decimal("1.5"),
        credit_limit: Decimal | int | str | None = None,
        undeliverable: frozenset[str] | set[str] = frozenset(),
        timezone: str = "Europe/Moscow",
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(**({"clock": clock} if clock is not None else {}))
        self.price = Decimal(price)
        self.undeliverable = set(undeliverable)
        self.zone = ZoneInfo(timezone)
        self.accounts: dict[str, Account] = {}
        self._ids = itertools.count(1)
        self.add_account(token, balance=balance, credit_limit=credit_limit,
                         address_books=_demo_books())

    def add_account(self, token: str, *, balance: Decimal | int | str = Decimal("0"),
                    credit_limit: Decimal | int | str | None = None, blocked: bool = False,
                    address_books: dict[int, tuple[str, list[dict[str, Any]]]] | None = None,
                    ) -> Account:
        """Open an account reachable with ``token``."""
        amount = Decimal(balance)
        account = Account(
            token=token, balance=amount, beginning_balance=amount,
            credit_limit=None if credit_limit is None else Decimal(credit_limit),
            blocked=blocked, address_books=dict(address_books or {}),
        )
        with self.lock:
            self.accounts[token] = account
        return account

    @property
    def account(self) -> Account:
        """The demo account (the first one opened)."""
        return next(iter(self.accounts.values()))

    @property
    def dispatches(self) -> list[Dispatch]:
        """Every dispatch of every account, oldest first."""
        with self.lock:
            found = [d for a in self.accounts.values() for d in a.dispatches.values()]
        return sorted(found, key=lambda d: d.id)

    def ledger(self) -> list[SimulatedMessage]:
        """Every phone of every dispatch that will go out (not unpaid, not canceled)."""
        states = {"IN_QUEUE": "queued", "ACTIVE": "sent", "DELIVERING": "sent",
                  "TARIFFING": "sent", "CLOSED": "delivered"}
        with self.lock:
            return [
                SimulatedMessage(
                    recipient=phone, text=d.text, provider_id=str(d.id), reference=None,
                    channel="sms", accepted_at=(d.accepted_at or d.date_send).astimezone(
                        timezone.utc),
                    state=states[d.status])
                for account in self.accounts.values() for d in account.dispatches.values()
                if d.status in states for phone in d.phones
            ]

    def top_up(self, amount: Decimal | int | str, token: str | None = None) -> None:
        """Put money on an account (the demo account by default)."""
        with self.lock:
            account = self.accounts[token] if token else self.account
            account.balance += Decimal(amount)
            account.payments += Decimal(amount)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings that connect the Phoenix driver to the demo account."""
        return {"token": self.account.token, "base_url": base_url}

    # -- plumbing -----------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    def _date(self, when: datetime) -> str:
        return when.astimezone(self.zone).strftime(_DATE_FORMAT)

    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        return Response(text, status=status, headers=_HEADERS,
                        content_type="application/json")

    @classmethod
    def _error(cls, status: int, code: str, message: str) -> Response:
        return cls._json({"code": code, "message": message}, status)

    @staticmethod
    def _empty(status: int = 200) -> Response:
        return Response(b"", status=status, headers=_HEADERS)

    # -- requests -----------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as the document describes."""
        path = request.path.rstrip("/")
        if not path.startswith("/sms-api/"):
            return self._json({"status": 404, "error": "Not Found", "path": request.path}, 404)
        with self.lock:
            account = self.accounts.get(request.args.get("token", ""))
            if account is None:
                return self._empty(401)
            if account.blocked:
                return self._empty(403)
            return self._route(request, path[len("/sms-api"):], account)

    def _route(self, request: Request, path: str, account: Account) -> Response:
        method = request.method
        routes: list[tuple[str, str, Callable[..., Response]]] = [
            ("GET", r"/addressbooks", self._address_books),
            ("GET", r"/addressbooks/(\d+)/contacts", self._contacts),
            ("POST", r"/dispatches", self._create),
            ("POST", r"/dispatches/cancel", self._cancel),
            ("POST", r"/dispatches/run", self._run),
            ("GET", r"/dispatches/(\d+)", self._dispatch),
            ("GET", r"/finance/balance", self._balance),
        ]
        allowed = False
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match is None:
                continue
            allowed = True
            if route_method == method:
                return handler(request, account, *match.groups())
        if allowed:
            return self._json({"status": 405, "error": "Method Not Allowed"}, 405)
        return self._json({"status": 404, "error": "Not Found", "path": request.path}, 404)

    @staticmethod
    def _body(request: Request) -> Any:
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return None

    def _address_books(self, request: Request, account: Account) -> Response:
        return self._json([{"id": i, "name": name}
                           for i, (name, _) in sorted(account.address_books.items())])

    def _contacts(self, request: Request, account: Account, book_id: str) -> Response:
        book = account.address_books.get(int(book_id))
        if book is None:
            return self._error(404, "ADDRESS_BOOK_NOT_FOUND",
                               f"Адресная книга {int(book_id)} не найдена")
        return self._json([{"phone": c["phone"], "comment": c.get("comment")} for c in book[1]])

    def _create(self, request: Request, account: Account) -> Response:
        body = self._body(request)
        if not isinstance(body, dict):
            return self._error(400, "ARGUMENT_NOT_VALID", "тело запроса не может быть пусто")
        text = body.get("message")
        if not isinstance(text, str) or not text:
            return self._error(400, "ARGUMENT_NOT_VALID", "message не может быть пусто")
        if len(text.encode("utf-16-le", "surrogatepass")) // 2 > _MAX_TEXT:
            return self._error(400, "ARGUMENT_NOT_VALID",
                               f"message размер должен быть между 1 и {_MAX_TEXT}")
        phones = body.get("phonesList")
        if not isinstance(phones, list) or not phones:
            return self._error(400, "ARGUMENT_NOT_VALID", "phonesList не может быть пусто")
        for phone in phones:
            if not isinstance(phone, str) or not _PHONE.match(phone):
                return self._error(
                    400, "INVALID_FORMAT",
                    f"Телефонный номер {phone} должен быть в формате 38071xxxxxxx "
                    "либо 71xxxxxxx")
        now = self._now()
        date_send = now
        if body.get("dateSend") is not None:
            try:
                date_send = datetime.strptime(str(body["dateSend"]), _DATE_FORMAT).replace(
                    tzinfo=self.zone)
            except ValueError:
                return self._error(400, "ARGUMENT_NOT_VALID",
                                   "dateSend должна быть в формате dd.MM.yyyy HH:mm:ss")
            if date_send < now.replace(microsecond=0):
                return self._error(400, "INVALID_DISPATCH_DATE",
                                   "Рассылка не может быть создана прошедшим числом")
        dispatch = Dispatch(
            id=next(self._ids), text=text, phones=list(phones), date_send=date_send,
            status="IN_QUEUE", cost=self.price * segments(text).parts * len(phones),
            accepted_at=now,
        )
        self._charge(account, dispatch)
        account.dispatches[dispatch.id] = dispatch
        return self._json(dispatch.id)

    def _charge(self, account: Account, dispatch: Dispatch) -> None:
        """Pay for a dispatch, or mark it NOT_ENOUGH_MONEY."""
        available = account.balance + (account.credit_limit or Decimal("0"))
        if available < dispatch.cost:
            dispatch.status = "NOT_ENOUGH_MONEY"
            return
        account.balance -= dispatch.cost
        account.fees += dispatch.cost
        dispatch.charged = True
        dispatch.status = "IN_QUEUE"

    def _dispatch(self, request: Request, account: Account, dispatch_id: str) -> Response:
        dispatch = account.dispatches.get(int(dispatch_id))
        if dispatch is None:
            return self._error(404, "DISPATCH_NOT_FOUND", f"Рассылка {int(dispatch_id)} не найдена")
        answer = self._json({
            "idDispatch": dispatch.id,
            "dateSend": self._date(dispatch.date_send),
            "dateToClose": self._date(dispatch.date_send + timedelta(days=1)),
            "status": dispatch.status,
            "messagesCount": len(dispatch.phones),
            "messagesSent": dispatch.sent,
            "messagesDelivered": dispatch.delivered,
            "comment": None,
            "text": dispatch.text,
            "dispatchSource": "API",
        })
        self._advance(dispatch)
        return answer

    def _advance(self, dispatch: Dispatch) -> None:
        """Move a dispatch one step on, as a status query has just seen it."""
        following = _NEXT_STATE.get(dispatch.status)
        if following is None or self._now() < dispatch.date_send:
            return
        dispatch.status = following
        if following == "ACTIVE":
            dispatch.sent = len(dispatch.phones)
        elif following == "CLOSED":
            dispatch.delivered = sum(1 for p in dispatch.phones if p not in self.undeliverable)

    def _target(self, request: Request, account: Account,
                missing_code: str) -> Dispatch | Response:
        body = self._body(request)
        raw_id = body.get("idDispatch") if isinstance(body, dict) else None
        if isinstance(raw_id, bool) or not isinstance(raw_id, int) or raw_id < 1:
            return self._error(400, "ARGUMENT_NOT_VALID",
                               "idDispatch должно быть не меньше 1")
        dispatch = account.dispatches.get(raw_id)
        if dispatch is None:
            return self._error(404, missing_code, f"Рассылка {raw_id} не найдена")
        return dispatch

    def _cancel(self, request: Request, account: Account) -> Response:
        dispatch = self._target(request, account, "DISPATCH_CANCEL_NOT_FOUND")
        if isinstance(dispatch, Response):
            return dispatch
        if dispatch.status not in _CANCELABLE:
            return self._error(400, "DISPATCH_CAN_NOT_BE_CANCELED",
                               f"Рассылка {dispatch.id} не может быть отменена")
        if dispatch.charged:
            account.balance += dispatch.cost
            account.fees -= dispatch.cost
            dispatch.charged = False
        dispatch.status = "CANCELED"
        return self._empty()

    def _run(self, request: Request, account: Account) -> Response:
        dispatch = self._target(request, account, "DISPATCH_NOT_FOUND")
        if isinstance(dispatch, Response):
            return dispatch
        if dispatch.status not in _RUNNABLE:
            return self._error(400, "DISPATCH_CAN_NOT_BE_RUN",
                               f"Рассылка {dispatch.id} не может быть запущена")
        dispatch.date_send = max(dispatch.date_send, self._now())
        self._charge(account, dispatch)
        return self._empty()

    def _balance(self, request: Request, account: Account) -> Response:
        credit: dict[str, Any] = {}
        if account.credit_limit is not None:
            today = self._now().astimezone(self.zone)
            credit = {
                "limit": _number(account.credit_limit),
                "dateStart": today.strftime("%d.%m.%Y"),
                "dateEnd": (today + timedelta(days=31)).strftime("%d.%m.%Y"),
            }
        return self._json({
            "balance": _number(account.balance),
            "beginningPeriodBalance": _number(account.beginning_balance),
            "limit": _number(account.credit_limit or Decimal("0")),
            "creditLimit": credit,
            "currentPayments": _number(account.payments),
            "currentFees": _number(account.fees),
        })


def _number(value: Decimal) -> float:
    """A JSON number as the document prints money (``42.0``)."""
    result = float(value)
    return result if math.isfinite(result) else 0.0
