"""A local simulator of the Nikita gateway, written from the provider's document.

``POST /api/message``, ``/api/dr``, ``/api/def`` and ``/api/info`` answer with the
documented XML, on the simulator kit; the README's "Simulator" section lists the
statuses, the progression and the pushes::

    sim = NikitaSimulator(balance=Decimal("10"))
    with sim.serve() as url:
        sms = smsbridge.connect("nikita", **sim.client_settings(url))
        sms.send("996550123456", "hello")

Needs werkzeug (``pip install "smsbridge-nikita[simulator]"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.testing.accounts import Account, Money
from smsbridge.testing.answers import (
    Refusal,
    local_time,
    read_local_time,
    xml_answer,
    xml_fields,
    xml_text,
)
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.messages import MessageRecord
from smsbridge.testing.routes import route
from smsbridge.text import segments
from smsbridge.xmlutil import build_xml

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEF_TABLE", "DEMO_LOGIN", "DEMO_PASSWORD", "DEMO_SENDER", "NikitaSimulator"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_SENDER = "SMSBRIDGE"

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
#: Delivery state -> report code (nikita.txt, "Статусы доставки").
_REPORT_CODES = {"queued": 0, "sent": 1, "delivered": 3, "undelivered": 4}

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


def _answer(fields: Mapping[str, Any], namespace: str | None = None) -> Response:
    return xml_answer("response", fields, namespace=namespace)


class NikitaSimulator(KitSimulator):
    """The Nikita gateway on 127.0.0.1: serve it with :meth:`serve`.

    ``login``, ``password``, ``balance``, ``price`` (per part) and ``senders`` (approved
    names; None: any valid one) make the demo account. ``stop_words`` make ``message``
    answer status 6; ``unrecognized`` numbers are silently left out of a request
    (``<phones>`` counts the others). ``clock`` gives epoch seconds; reports are pushed
    to ``callback_url`` (None: only polled).
    """

    #: "3 повторные отправки отчета с периодичностью в 10 минут".
    push_delays = (600.0, 600.0, 600.0)
    failing_suffix = "0000"
    root = "/api"

    def __init__(self, *, login: str = DEMO_LOGIN, password: str = DEMO_PASSWORD,
                 balance: Money = Decimal("100.00"), price: Money = Decimal("0.50"),
                 senders: Iterable[str] | None = None, stop_words: Iterable[str] = (),
                 unrecognized: Iterable[str] = (), clock: Callable[[], float] | None = None,
                 callback_url: str | None = None) -> None:
        super().__init__(clock=clock)
        self.callback_url = callback_url
        self.stop_words = frozenset(w.lower() for w in stop_words)
        self.unrecognized = frozenset(unrecognized)
        self._busy = 0
        self.add_account(login, password, balance=balance, price=price, senders=senders)

    def busy(self, times: int = 1) -> None:
        """Answer the next ``times`` ``message`` requests with status 9 (overloaded)."""
        with self.lock:
            self._busy += times

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings connecting the nikita driver to the demo account."""
        return {"login": self.account.login, "password": self.account.password,
                "base_url": base_url.rstrip("/") + self.root, "sender": DEMO_SENDER}

    def delivery_report(self, login: str | None = None) -> bytes:
        """The push the gateway would send now: every phone of every message of ``login``."""
        with self.lock:
            return self._report_xml(self.messages_of(login))

    def moved(self, records: list[MessageRecord]) -> None:
        """Push the changed reports (one ``dr`` per message id)."""
        self.push(self._report_xml(records), "text/xml; charset=utf-8")

    def push_accepted(self, status: int) -> bool:
        """Only 200 acknowledges: "скрипт партнера должен вернуть код HTTP 200 OK"."""
        return status == 200

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as smspro.nikita.kg would: every operation POSTs XML."""
        handler = self.route_for(request)  # a web server's 404 or 405 comes first
        fields = xml_fields(request.get_data(), force_list=("phone",))
        if fields is None:
            return _answer({"status": 1})
        with self.lock:
            answer: Response = handler(fields, request.remote_addr)
            return answer

    def refuse(self, refusal: Refusal) -> Response:
        """Answer ``<response><status>`` (in the endpoint's namespace)."""
        return _answer({"status": refusal.code}, refusal.fields.get("namespace"))

    def _authorize(self, fields: Mapping[str, Any], address: str | None,
                   namespace: str | None = None) -> Account:
        account = self.accounts.authenticate(xml_text(fields.get("login")),
                                             xml_text(fields.get("pwd")))
        if account is None:
            raise Refusal(2, namespace=namespace)
        if not account.admits(address):
            raise Refusal(3, namespace=namespace)
        return account

    @route("/message", methods=("POST",))
    def _message(self, fields: Mapping[str, Any], address: str | None) -> Response:
        request_id = xml_text(fields.get("id"))
        status: int | str = 0
        note = ""
        try:
            counts = self._accept(request_id, fields, address)
        except Refusal as refused:
            status, note, counts = refused.code, refused.description, refused.fields
        return _answer({"id": request_id, "status": status, "phones": counts.get("phones", 0),
                        "smscnt": counts.get("parts", 0), "message": note})

    def _accept(self, request_id: str, fields: Mapping[str, Any],
                address: str | None) -> dict[str, Any]:
        """Check and record a ``message`` request; return its counts or raise a Refusal."""
        account = self._authorize(fields, address)
        if not account.active:
            raise Refusal(2, "account inactive or blocked")
        if self._busy:
            self._busy -= 1
            raise Refusal(9)
        if not _ID.match(request_id):
            raise Refusal(1, "id: up to 12 latin letters and digits")
        text = xml_text(fields.get("text"))
        if not text or len(text) > _MAX_TEXT:
            raise Refusal(1, f"text: 1 to {_MAX_TEXT} characters")
        phones_field = fields.get("phones")
        raw_phones = phones_field.get("phone") if isinstance(phones_field, dict) else None
        if not raw_phones or len(raw_phones) > _MAX_PHONES:
            raise Refusal(1, f"phones: 1 to {_MAX_PHONES} numbers")
        phones = []
        for value in raw_phones:
            match = _PHONE.match(xml_text(value))
            if not match:
                raise Refusal(7, f"invalid phone number {xml_text(value)}")
            if match.group(1) not in self.unrecognized:
                phones.append(match.group(1))
        if not phones:
            raise Refusal(7, "no valid phone number")
        counts = {"phones": len(phones), "parts": segments(text).parts}
        sender = xml_text(fields.get("sender"))
        if not _SENDER.match(sender) or not account.approves(sender):
            raise Refusal(5, f"sender {sender!r} is not approved", **counts)
        if any(word in text.lower() for word in self.stop_words):
            raise Refusal(6, "stop words", **counts)
        not_before = self.clock()
        when = xml_text(fields.get("time"))
        if when:
            bad_time = Refusal(8, "time: YYYYMMDDhhmmss", **counts)
            scheduled = read_local_time(when, _BISHKEK, _TIME_FORMAT, bad_time)
            if len(when) != 14:
                raise bad_time
            not_before = max(not_before, scheduled.timestamp())
        if self.messages.find(request_id, account.login):
            raise Refusal(10, "repeated id", **counts)
        if xml_text(fields.get("test")) == "1":
            raise Refusal(11, "", **counts)
        self.record(account, phones, parts=counts["parts"],
                    unpaid=Refusal(4, "insufficient funds", **counts), id=request_id,
                    reference=request_id, text=text, sender=sender, not_before=not_before)
        return counts

    def _phone_report(self, record: MessageRecord) -> dict[str, Any]:
        received = record.reached(record.path[-1])
        return {"number": record.recipient, "report": _REPORT_CODES[record.state],
                "sendTime": local_time(record.reached("sent"), _BISHKEK, _TIME_FORMAT),
                "rcvTime": local_time(received, _BISHKEK, _TIME_FORMAT)}

    def _report_xml(self, records: Iterable[MessageRecord]) -> bytes:
        drs: dict[str, dict[str, Any]] = {}
        for record in records:
            dr = drs.setdefault(record.id, {"id": record.id, "phone": []})
            dr["phone"].append(self._phone_report(record))
        return build_xml("report", {"dr": list(drs.values())}, namespace=_NS_DELIVERY_REPORT)

    @route("/dr", methods=("POST",))
    def _dr(self, fields: Mapping[str, Any], address: str | None) -> Response:
        account = self._authorize(fields, address)
        request_id = xml_text(fields.get("id"))
        if not request_id:
            return _answer({"status": 1})
        wanted = [xml_text(p).lstrip("+") for p in fields.get("phone") or [] if xml_text(p)]
        records = self.query(request_id, account.login, wanted)
        if records is None:
            return _answer({"status": 4})
        return _answer({"status": 0, "phone": [self._phone_report(r) for r in records]})

    @route("/def", methods=("POST",))
    def _def(self, fields: Mapping[str, Any], address: str | None) -> Response:
        self._authorize(fields, address, _NS_PHONE_DEF)
        values = fields.get("phone") or []
        if len(values) != 1:
            return _answer({"status": 1}, _NS_PHONE_DEF)
        match = _PHONE.match(xml_text(values[0]))
        if not match:
            return _answer({"status": 3}, _NS_PHONE_DEF)
        number = match.group(1)
        found = next((v for k, v in DEF_TABLE.items() if number.startswith(k)), None)
        if found is None or len(number) != 12:
            return _answer({"status": 4}, _NS_PHONE_DEF)
        region, operator, offset = found
        return _answer({"status": 0, "region": region, "operator": operator,
                        "timezone": offset}, _NS_PHONE_DEF)

    @route("/info", methods=("POST",))
    def _info(self, fields: Mapping[str, Any], address: str | None) -> Response:
        account = self._authorize(fields, address, _NS_INFO)
        return _answer({"status": 0, "state": 0 if account.active else 1,
                        "account": f"{account.balance:.2f}",
                        "smsprice": f"{account.price:.2f}"}, _NS_INFO)
