"""A local simulator of the Phoenix SMS dispatch API, on the simulator kit.

Routes under ``/sms-api`` answer as the document (``phoenix.txt``) describes them, its own
request example taken over its format rule, and our assumptions where it is silent: the
README's "Simulator" section says which behaviour comes from where::

    sim = PhoenixSimulator(balance=Decimal("10"))
    with sim.serve() as url:
        sms = smsbridge.connect("phoenix", **sim.client_settings(url))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

import attrs

from smsbridge.testing.accounts import Account, Money, money
from smsbridge.testing.answers import Refusal, json_answer, json_body, read_local_time, text_answer
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.messages import NEVER, MessageRecord
from smsbridge.testing.routes import NoRoute, route
from smsbridge.testing.simulator import utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_TOKEN", "Dispatch", "PhoenixSimulator"]

DEMO_TOKEN = "demo-token"
_DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
_PHONE = re.compile(r"^(?:380|80|0)?71\d{6,7}$")
_MAX_TEXT = 5000
#: A record's step -> its dispatch's status.
_STATUSES = ("IN_QUEUE", "ACTIVE", "CLOSED")


@attrs.define(kw_only=True, eq=False)
class Dispatch:
    """One dispatch: a text to many phones, one kit record per phone."""

    id: int
    text: str
    phones: list[str]
    date_send: datetime
    cost: Decimal
    records: list[MessageRecord]
    #: ``NOT_ENOUGH_MONEY`` or ``CANCELED``; None while it goes out.
    held: str | None = None

    @property
    def status(self) -> str:
        """The status ``/dispatches/{id}`` answers."""
        return self.held or _STATUSES[self.records[0].step]


#: The address books of the document's examples.
_DEMO_BOOKS = {1: ("name1", [{"phone": "380710000000", "comment": "Контакт 1"},
                             {"phone": "380719999999", "comment": "Контакт 2"}]),
               2: ("name2", [])}


class PhoenixSimulator(KitSimulator):
    """The Phoenix API on ``/sms-api/...``: dispatches, balance, address books.

    The demo account has ``token``, ``balance`` and ``credit_limit`` (None: no credit);
    ``price`` is one SMS part to one phone; dates are read and written in ``timezone``.
    """

    root = "/sms-api"
    #: Spring Security's headers, on every answer of the document.
    answer_headers: ClassVar[Mapping[str, str]] = {
        "X-Content-Type-Options": "nosniff", "X-XSS-Protection": "1; mode=block",
        "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
        "Pragma": "no-cache", "Expires": "0", "X-Frame-Options": "DENY"}

    def __init__(self, *, token: str = DEMO_TOKEN, balance: Money = Decimal("100"),
                 price: Money = Decimal("1.5"), credit_limit: Money | None = None,
                 undeliverable: Iterable[str] = (), timezone: str = "Europe/Moscow",
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock=clock)
        self.price = money(price)
        self.zone = ZoneInfo(timezone)
        self.dispatches: list[Dispatch] = []
        for phone in undeliverable:
            self.fail(phone)
        self.add_account(token, balance=balance, credit_limit=credit_limit,
                         address_books=_DEMO_BOOKS)

    def add_account(self, login: str, password: str = "", *, balance: Money = Decimal("0"),
                    blocked: bool = False,
                    address_books: dict[int, tuple[str, list[dict[str, Any]]]] | None = None,
                    **fields: Any) -> Account:
        """Open an account reachable with the token ``login`` (``fields``: the kit's
        :class:`~smsbridge.testing.accounts.Account`'s, such as ``credit_limit``)."""
        return super().add_account(login, password, balance=balance, price=self.price,
                                   active=not blocked,
                                   extra={"books": dict(address_books or {})}, **fields)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings that connect the Phoenix driver to the demo account."""
        return {"token": self.account.login, "base_url": base_url}

    def refuse(self, refusal: Refusal) -> Response:
        """The document's error body, ``{"code", "message"}``; none for an HTTP refusal."""
        if refusal.code == "":
            return _empty(refusal.status)
        return json_answer({"code": refusal.code, "message": refusal.description}, refusal.status)

    def _now(self) -> datetime:
        return utc(self.clock())

    def _date(self, when: datetime) -> str:
        return when.astimezone(self.zone).strftime(_DATE_FORMAT)

    # -- requests -----------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as the document describes: the token first, then the route."""
        if not request.path.rstrip("/").startswith(self.root + "/"):
            raise NoRoute
        with self.lock:
            account = self.accounts.get(request.args.get("token", ""))
            if account is None or not account.active:
                raise Refusal("", status=401 if account is None else 403)
            answer: Response = self.route_for(request)(request, account)
            return answer

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        """Spring's JSON 405 or 404."""
        if allowed:
            return json_answer({"status": 405, "error": "Method Not Allowed"}, 405)
        return json_answer({"status": 404, "error": "Not Found", "path": request.path}, 404)

    @route("/addressbooks")
    def _address_books(self, request: Request, account: Account) -> Response:
        return json_answer([{"id": i, "name": name}
                            for i, (name, _) in sorted(account.extra["books"].items())])

    @route("/addressbooks/<int:book_id>/contacts")
    def _contacts(self, request: Request, account: Account, book_id: int) -> Response:
        book = account.extra["books"].get(book_id)
        if book is None:
            raise Refusal("ADDRESS_BOOK_NOT_FOUND", f"Адресная книга {book_id} не найдена",
                          status=404)
        return json_answer([{"phone": c["phone"], "comment": c.get("comment")} for c in book[1]])

    @route("/dispatches", methods=("POST",))
    def _create(self, request: Request, account: Account) -> Response:
        body = json_body(request)
        if not isinstance(body, dict):
            raise _invalid("тело запроса не может быть пусто")
        text, phones = body.get("message"), body.get("phonesList")
        if not isinstance(text, str) or not text:
            raise _invalid("message не может быть пусто")
        if len(text.encode("utf-16-le", "surrogatepass")) // 2 > _MAX_TEXT:
            raise _invalid(f"message размер должен быть между 1 и {_MAX_TEXT}")
        if not isinstance(phones, list) or not phones:
            raise _invalid("phonesList не может быть пусто")
        for phone in phones:
            if not isinstance(phone, str) or not _PHONE.match(phone):
                raise _invalid(f"Телефонный номер {phone} должен быть в формате 38071xxxxxxx "
                               "либо 71xxxxxxx", "INVALID_FORMAT")
        now = date_send = self._now()
        if body.get("dateSend") is not None:
            date_send = read_local_time(str(body["dateSend"]), self.zone, _DATE_FORMAT, _invalid(
                "dateSend должна быть в формате dd.MM.yyyy HH:mm:ss"))
            if date_send < now.replace(microsecond=0):
                raise _invalid("Рассылка не может быть создана прошедшим числом",
                               "INVALID_DISPATCH_DATE")
        parts, dispatch_id = segments(text).parts, int(self.ids.next())
        records = [self.messages.add(id=str(dispatch_id), login=account.login, recipient=p,
                                     text=text, parts=parts, cost=account.cost(parts),
                                     path=self.path_for(p), not_before=NEVER) for p in phones]
        dispatch = Dispatch(id=dispatch_id, text=text, phones=list(phones), date_send=date_send,
                            cost=account.cost(parts, len(phones)), records=records)
        self._charge(account, dispatch)
        self.dispatches.append(dispatch)
        return json_answer(dispatch.id)

    def _charge(self, account: Account, dispatch: Dispatch) -> None:
        """Pay for a dispatch and let it go out, or hold it as NOT_ENOUGH_MONEY."""
        if not account.charge(dispatch.cost):
            dispatch.held = "NOT_ENOUGH_MONEY"
            return
        dispatch.held = None
        self.messages.release(dispatch.records, dispatch.date_send.timestamp())

    def _find(self, account: Account, dispatch_id: Any, missing: str) -> Dispatch:
        if isinstance(dispatch_id, bool) or not isinstance(dispatch_id, int) or dispatch_id < 1:
            raise _invalid("idDispatch должно быть не меньше 1")
        for dispatch in self.dispatches:
            if dispatch.id == dispatch_id and dispatch.records[0].login == account.login:
                return dispatch
        raise Refusal(missing, f"Рассылка {dispatch_id} не найдена", status=404)

    @route("/dispatches/<int:dispatch_id>")
    def _dispatch(self, request: Request, account: Account, dispatch_id: int) -> Response:
        dispatch = self._find(account, dispatch_id, "DISPATCH_NOT_FOUND")
        self.messages.tick(dispatch.records)  # timed progression: the state now
        answer = json_answer({
            "idDispatch": dispatch.id, "dateSend": self._date(dispatch.date_send),
            "dateToClose": self._date(dispatch.date_send + timedelta(days=1)),
            "status": dispatch.status, "messagesCount": len(dispatch.phones),
            "messagesSent": sum(r.reached("sent") is not None for r in dispatch.records),
            "messagesDelivered": sum(r.state == "delivered" for r in dispatch.records),
            "comment": None, "text": dispatch.text, "dispatchSource": "API"})
        self.look(dispatch.records)  # one step per query: this one moves it on
        return answer

    @route("/dispatches/cancel", methods=("POST",))
    def _cancel(self, request: Request, account: Account) -> Response:
        dispatch = self._find(account, _target(request), "DISPATCH_CANCEL_NOT_FOUND")
        if dispatch.status not in ("IN_QUEUE", "NOT_ENOUGH_MONEY"):
            raise Refusal("DISPATCH_CAN_NOT_BE_CANCELED",
                          f"Рассылка {dispatch.id} не может быть отменена", status=400)
        if dispatch.held is None:  # paid: the money comes back
            account.refund(dispatch.cost)
        dispatch.held = "CANCELED"
        self.messages.release(dispatch.records, NEVER)
        return _empty()

    @route("/dispatches/run", methods=("POST",))
    def _run(self, request: Request, account: Account) -> Response:
        dispatch = self._find(account, _target(request), "DISPATCH_NOT_FOUND")
        if dispatch.held is None:
            raise Refusal("DISPATCH_CAN_NOT_BE_RUN",
                          f"Рассылка {dispatch.id} не может быть запущена", status=400)
        dispatch.date_send = max(dispatch.date_send, self._now())
        self._charge(account, dispatch)
        return _empty()

    @route("/finance/balance")
    def _balance(self, request: Request, account: Account) -> Response:
        limit, credit = account.credit_limit, {}
        if limit is not None:
            today = self._now().astimezone(self.zone)
            credit = {"limit": float(limit), "dateStart": today.strftime("%d.%m.%Y"),
                      "dateEnd": (today + timedelta(days=31)).strftime("%d.%m.%Y")}
        return json_answer({"balance": float(account.balance),
                            # What the period's payments and fees leave to explain.
                            "beginningPeriodBalance": float(
                                account.balance - account.paid_in + account.spent),
                            "limit": float(limit or 0), "creditLimit": credit,
                            "currentPayments": float(account.paid_in),
                            "currentFees": float(account.spent)})


def _empty(status: int = 200) -> Response:
    return text_answer("", status)


def _invalid(message: str, code: str = "ARGUMENT_NOT_VALID") -> Refusal:
    return Refusal(code, message, status=400)


def _target(request: Request) -> Any:
    """The ``idDispatch`` of a cancel or run request."""
    body = json_body(request)
    return body.get("idDispatch") if isinstance(body, dict) else None
