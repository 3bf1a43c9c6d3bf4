"""A local simulator of the Nikita gateway, written from the provider's document.

It answers ``POST /api/message``, ``/api/dr``, ``/api/def`` and ``/api/info`` with the
documented XML and keeps state: accounts (login, password, balance, price per SMS
part, approved senders, active flag), sent requests with a delivery state per phone
that advances one step per ``dr`` query (0 queued -> 1 sent -> 3 delivered; numbers
ending in ``0000`` end as 4, not delivered), deduplication by ``id`` (status 10), test
mode (status 11, nothing charged) and the documented error statuses. With
``callback_url`` set, every change of a phone's report (a ``dr`` query, or
:meth:`NikitaSimulator.advance`) is also pushed there as the gateway's delivery-report
XML, retried 3 times 10 minutes apart (``push_delays``) until the application answers
200. Faults (HTTP errors, delays, dropped connections) come from
:class:`smsbridge.testing.Simulator`::

    sim = NikitaSimulator(balance=Decimal("10"))
    with sim.serve() as url:
        sms = smsbridge.connect("nikita", **sim.client_settings(url))
        sms.send("996550123456", "hello")

Needs werkzeug (``pip install smsbridge-nikita[simulator]``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage, Simulator, utc
from smsbridge.text import segments
from smsbridge.xmlutil import build_xml, parse_xml

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "DEMO_SENDER", "NikitaSimulator", "SimAccount",
           "SimMessage"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_SENDER = "SMSBRIDGE"

_ROOT = "/api"
_NS_DELIVERY_REPORT = "http://Giper.mobi/schema/DeliveryReport"
_NS_PHONE_DEF = "http://Giper.mobi/schema/PhoneDEF"
_NS_INFO = "http://Giper.mobi/schema/Info"
_BISHKEK = timezone(timedelta(hours=6), "UTC+06:00")
_TIME_FORMAT = "%Y%m%d%H%M%S"
_ID = re.compile(r"^[A-Za-z0-9]{1,12}$")
_SENDER = re.compile(r"^(?:[A-Za-z0-9.\-]{1,11}|[0-9]{1,14})$")
_PHONE = re.compile(r"^\+?([0-9]{7,15})$")
_MAX_PHONES = 50
_MAX_TEXT = 800
#: Report codes a phone goes through; a failing number stops at 4 instead of 3.
_PROGRESS = (0, 1, 3)
_FAILING_SUFFIX = "0000"
#: Report code -> the delivery state a recipient is in (nikita.txt, "Статусы доставки").
_LEDGER_STATES = {0: "queued", 1: "sent", 2: "rejected", 3: "delivered", 4: "undelivered",
                  5: "rejected", 6: "unknown", 7: "expired"}

#: Number prefix -> (region, operator, GMT offset) for ``/api/def``.
DEF_TABLE: Mapping[str, tuple[str, str, int]] = {
    "99655": ("Бишкек , Бишкек", "MegaCom", 6),
    "99699": ("Бишкек , Бишкек", "MegaCom", 6),
    "99677": ("Ош , Ош", "Beeline", 6),
    "99622": ("Чуйская область , Токмок", "Beeline", 6),
    "99670": ("Иссык-Кульская область , Каракол", "O!", 6),
    "99650": ("Нарынская область , Нарын", "O!", 6),
    "99651": ("", "Katel", -1),
}


@attrs.define(kw_only=True)
class SimAccount:
    """A partner account of the simulated gateway."""

    login: str
    password: str
    balance: Decimal = Decimal("100.00")
    price: Decimal = Decimal("0.50")
    #: Approved sender names; None approves every well-formed sender.
    senders: frozenset[str] | None = None
    active: bool = True
    #: IP addresses allowed to call; None allows every address.
    allowed_ips: frozenset[str] | None = None


@attrs.define(kw_only=True)
class SimMessage:
    """One accepted ``message`` request."""

    login: str
    id: str
    sender: str
    text: str
    phones: list[str]
    parts: int
    cost: Decimal
    #: When the provider may send it (seconds since the epoch).
    not_before: float
    #: When the provider accepted it (seconds since the epoch).
    accepted_at: float = 0.0
    #: Phone -> index into its progression of report codes.
    steps: dict[str, int] = attrs.field(factory=dict)
    send_times: dict[str, str] = attrs.field(factory=dict)
    receive_times: dict[str, str] = attrs.field(factory=dict)

    def report(self, phone: str) -> int:
        """The phone's current report code."""
        step = self.steps.get(phone, 0)
        code = _PROGRESS[step]
        if code == 3 and phone.endswith(_FAILING_SUFFIX):
            return 4
        return code


def _answer(fields: Mapping[str, Any], namespace: str | None = None) -> Response:
    from werkzeug.wrappers import Response

    body = build_xml("response", dict(fields), namespace=namespace)
    return Response(body, status=200, content_type="text/xml; charset=utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        # An element with attributes: its text is under "#text".
        return str(value.get("#text") or "").strip()
    return str(value).strip()


class NikitaSimulator(Simulator):
    """The Nikita gateway on 127.0.0.1: serve it with :meth:`serve`.

    :param login: the demo account's login.
    :param password: the demo account's password.
    :param balance: the demo account's money.
    :param price: the demo account's price per SMS part.
    :param senders: approved sender names of the demo account (None: any valid one).
    :param stop_words: words that make ``message`` answer status 6.
    :param unrecognized: well-formed numbers the gateway silently does not take: the
        request is accepted without them and ``<phones>`` counts only the others.
    :param clock: seconds since the epoch (scheduled sends wait for ``time``).
    :param callback_url: where delivery reports are pushed (None: only polled).
    """

    #: "3 повторные отправки отчета с периодичностью в 10 минут".
    push_delays = (600.0, 600.0, 600.0)

    def __init__(
        self,
        *,
        login: str = DEMO_LOGIN,
        password: str = DEMO_PASSWORD,
        balance: Decimal | int | str = Decimal("100.00"),
        price: Decimal | int | str = Decimal("0.50"),
        senders: Iterable[str] | None = None,
        stop_words: Iterable[str] = (),
        unrecognized: Iterable[str] = (),
        clock: Callable[[], float] | None = None,
        callback_url: str | None = None,
    ) -> None:
        if clock is None:
            super().__init__()
        else:
            super().__init__(clock=clock)
        self.callback_url = callback_url
        self.accounts: dict[str, SimAccount] = {}
        self.messages: dict[tuple[str, str], SimMessage] = {}
        self.stop_words = frozenset(w.lower() for w in stop_words)
        self.unrecognized = frozenset(unrecognized)
        self._busy = 0
        self.add_account(login, password, balance=balance, price=price, senders=senders)

    # -- set-up ---------------------------------------------------------------------

    def add_account(self, login: str, password: str, *, balance: Decimal | int | str = "100.00",
                    price: Decimal | int | str = "0.50", senders: Iterable[str] | None = None,
                    active: bool = True,
                    allowed_ips: Iterable[str] | None = None) -> SimAccount:
        """Create (or replace) an account."""
        account = SimAccount(
            login=login, password=password, balance=Decimal(str(balance)),
            price=Decimal(str(price)),
            senders=None if senders is None else frozenset(senders), active=active,
            allowed_ips=None if allowed_ips is None else frozenset(allowed_ips),
        )
        with self.lock:
            self.accounts[login] = account
        return account

    @property
    def account(self) -> SimAccount:
        """The demo account (the first one created)."""
        return next(iter(self.accounts.values()))

    def ledger(self) -> list[SimulatedMessage]:
        """Every phone of every accepted ``message`` request, in the order accepted."""
        with self.lock:
            return [
                SimulatedMessage(
                    recipient=phone, text=message.text, provider_id=message.id,
                    reference=message.id, channel="sms", accepted_at=utc(message.accepted_at),
                    state=_LEDGER_STATES.get(message.report(phone), "unknown"))
                for message in self.messages.values() for phone in message.phones
            ]

    def busy(self, times: int = 1) -> None:
        """Answer the next ``times`` ``message`` requests with status 9 (overloaded)."""
        with self.lock:
            self._busy += times

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings connecting the nikita driver to the demo account."""
        return {"login": self.account.login, "password": self.account.password,
                "base_url": base_url.rstrip("/") + _ROOT, "sender": DEMO_SENDER}

    def delivery_report(self, login: str | None = None) -> bytes:
        """The push the gateway would send now: every phone of every message of ``login``."""
        login = login or self.account.login
        drs = []
        with self.lock:
            for message in self.messages.values():
                if message.login != login:
                    continue
                drs.append({"id": message.id, "phone": [
                    self._phone_report(message, phone) for phone in message.phones]})
        return build_xml("report", {"dr": drs}, namespace=_NS_DELIVERY_REPORT)

    def advance(self, login: str | None = None) -> int:
        """Move every phone of every message of ``login`` one report step, as the
        operators' reports come in; push the changes. Returns how many phones moved."""
        login = login or self.account.login
        with self.lock:
            changed = [(message, phone) for message in self.messages.values()
                       if message.login == login
                       for phone in message.phones if self._advance(message, phone)]
            self._push_reports(changed)
        return len(changed)

    def _push_reports(self, changed: Iterable[tuple[SimMessage, str]]) -> None:
        drs: dict[str, dict[str, Any]] = {}
        for message, phone in changed:
            dr = drs.setdefault(message.id, {"id": message.id, "phone": []})
            dr["phone"].append(self._phone_report(message, phone))
        if drs:
            body = build_xml("report", {"dr": list(drs.values())},
                             namespace=_NS_DELIVERY_REPORT)
            self.push(body, "text/xml; charset=utf-8")

    def push_accepted(self, status: int) -> bool:
        """Only 200 acknowledges: "скрипт партнера должен вернуть код HTTP 200 OK"."""
        return status == 200

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as smspro.nikita.kg would."""
        from werkzeug.wrappers import Response

        handlers = {
            f"{_ROOT}/message": self._message,
            f"{_ROOT}/dr": self._dr,
            f"{_ROOT}/def": self._def,
            f"{_ROOT}/info": self._info,
        }
        handler = handlers.get(request.path.rstrip("/"))
        if handler is None:
            return Response("not found", status=404, content_type="text/plain")
        if request.method != "POST":
            return Response("method not allowed", status=405, content_type="text/plain",
                            headers={"Allow": "POST"})
        try:
            document = parse_xml(request.get_data(), force_list=("phone",))
        except ValueError:
            return _answer({"status": 1})
        if len(document) != 1:
            return _answer({"status": 1})
        fields = next(iter(document.values()))
        if not isinstance(fields, dict):
            return _answer({"status": 1})
        with self.lock:
            return handler(fields, request.remote_addr)

    def _authorize(self, fields: Mapping[str, Any], address: str | None) -> SimAccount | int:
        account = self.accounts.get(_text(fields.get("login")))
        if account is None or account.password != _text(fields.get("pwd")):
            return 2
        if account.allowed_ips is not None and address not in account.allowed_ips:
            return 3
        return account

    def _message(self, fields: Mapping[str, Any], address: str | None) -> Response:
        request_id = _text(fields.get("id"))
        account = self._authorize(fields, address)

        def refuse(status: int, note: str = "", phones: int = 0, parts: int = 0) -> Response:
            return _answer({"id": request_id, "status": status, "phones": phones,
                            "smscnt": parts, "message": note})

        if isinstance(account, int):
            return refuse(account)
        if not account.active:
            return refuse(2, "account inactive or blocked")
        if self._busy:
            self._busy -= 1
            return refuse(9)
        if not _ID.match(request_id):
            return refuse(1, "id: up to 12 latin letters and digits")
        text = _text(fields.get("text"))
        if not text or len(text) > _MAX_TEXT:
            return refuse(1, f"text: 1 to {_MAX_TEXT} characters")
        phones_field = fields.get("phones")
        raw_phones = phones_field.get("phone") if isinstance(phones_field, dict) else None
        if not raw_phones or len(raw_phones) > _MAX_PHONES:
            return refuse(1, f"phones: 1 to {_MAX_PHONES} numbers")
        phones = []
        for value in raw_phones:
            match = _PHONE.match(_text(value))
            if not match:
                return refuse(7, f"invalid phone number {_text(value)}")
            if match.group(1) not in self.unrecognized:
                phones.append(match.group(1))
        if not phones:
            return refuse(7, "no valid phone number")
        parts = segments(text).parts
        sender = _text(fields.get("sender"))
        if not _SENDER.match(sender) or (account.senders is not None
                                         and sender not in account.senders):
            return refuse(5, f"sender {sender!r} is not approved", len(phones), parts)
        lowered = text.lower()
        if any(word in lowered for word in self.stop_words):
            return refuse(6, "stop words", len(phones), parts)
        not_before = self.clock()
        when = _text(fields.get("time"))
        if when:
            try:
                scheduled = datetime.strptime(when, _TIME_FORMAT).replace(tzinfo=_BISHKEK)
            except ValueError:
                return refuse(8, "time: YYYYMMDDhhmmss", len(phones), parts)
            if len(when) != 14:
                return refuse(8, "time: YYYYMMDDhhmmss", len(phones), parts)
            not_before = max(not_before, scheduled.timestamp())
        key = (account.login, request_id)
        if key in self.messages:
            return refuse(10, "repeated id", len(phones), parts)
        if _text(fields.get("test")) == "1":
            return refuse(11, "", len(phones), parts)
        cost = account.price * parts * len(phones)
        if cost > account.balance:
            return refuse(4, "insufficient funds", len(phones), parts)
        account.balance -= cost
        self.messages[key] = SimMessage(
            login=account.login, id=request_id, sender=sender, text=text, phones=phones,
            parts=parts, cost=cost, not_before=not_before, accepted_at=self.clock(),
            steps=dict.fromkeys(phones, 0),
        )
        return refuse(0, "", len(phones), parts)

    def _local_now(self) -> str:
        return datetime.fromtimestamp(self.clock(), _BISHKEK).strftime(_TIME_FORMAT)

    def _advance(self, message: SimMessage, phone: str) -> bool:
        """Move ``phone`` one report step; False when it did not move."""
        if self.clock() < message.not_before:
            return False  # scheduled for later: still queued
        step = message.steps.get(phone, 0)
        if step + 1 >= len(_PROGRESS):
            return False
        message.steps[phone] = step + 1
        if step + 1 == 1:
            message.send_times[phone] = self._local_now()
        else:
            message.receive_times[phone] = self._local_now()
        return True

    def _phone_report(self, message: SimMessage, phone: str) -> dict[str, Any]:
        return {"number": phone, "report": message.report(phone),
                "sendTime": message.send_times.get(phone, ""),
                "rcvTime": message.receive_times.get(phone, "")}

    def _dr(self, fields: Mapping[str, Any], address: str | None) -> Response:
        account = self._authorize(fields, address)
        if isinstance(account, int):
            return _answer({"status": account})
        request_id = _text(fields.get("id"))
        if not request_id:
            return _answer({"status": 1})
        message = self.messages.get((account.login, request_id))
        phone_values = fields.get("phone") or []
        wanted = [_text(p).lstrip("+") for p in phone_values if _text(p)]
        if message is None or any(p not in message.phones for p in wanted):
            return _answer({"status": 4})
        phones = wanted or message.phones
        self._push_reports([(message, phone) for phone in phones
                            if self._advance(message, phone)])
        return _answer({"status": 0,
                        "phone": [self._phone_report(message, p) for p in phones]})

    def _def(self, fields: Mapping[str, Any], address: str | None) -> Response:
        account = self._authorize(fields, address)
        if isinstance(account, int):
            return _answer({"status": account}, _NS_PHONE_DEF)
        values = fields.get("phone") or []
        if len(values) != 1:
            return _answer({"status": 1}, _NS_PHONE_DEF)
        match = _PHONE.match(_text(values[0]))
        if not match:
            return _answer({"status": 3}, _NS_PHONE_DEF)
        number = match.group(1)
        found = next((v for k, v in DEF_TABLE.items() if number.startswith(k)), None)
        if found is None or len(number) != 12:
            return _answer({"status": 4}, _NS_PHONE_DEF)
        region, operator, offset = found
        return _answer({"status": 0, "region": region, "operator": operator,
                        "timezone": offset}, _NS_PHONE_DEF)

    def _info(self, fields: Mapping[str, Any], address: str | None) -> Response:
        account = self._authorize(fields, address)
        if isinstance(account, int):
            return _answer({"status": account}, _NS_INFO)
        return _answer({"status": 0, "state": 0 if account.active else 1,
                        "account": f"{account.balance:.2f}",
                        "smsprice": f"{account.price:.2f}"}, _NS_INFO)
