"""A local simulator of Devino's REST API (integrationapi.net/rest) on the simulator kit.

Sources, behaviour by behaviour:

- document (devino.txt): routes, parameters, checks and their order, one id per segment,
  the ``{"Code": n, "Desc": "..."}`` errors with Table 11's HTTP statuses, 120-minute
  sessions, State 255 for an unknown id, ``/Date(ms)/`` dates, the 90-day statistics and
  the one-year inbox limits;
- platform (ASP.NET MVC, as public clients use it): case-insensitive routes; parameters
  from the query, a form or a JSON body (``application/json``); ``DestinationAddresses``
  repeated or bound as an array (``DestinationAddresses[0]=``); GET or POST on
  ``user/sessionid`` and ``Sms/State`` ("параметры GET или POST-запроса"); passwords in
  any UTF-8; the .NET binder's code-9 text for a missing ``Sms/In`` date.

Accounts, message records, progression, sessions, faults and latency come from the kit
(``docs/simulators.md``). A message moves one step per ``Sms/State`` query of any of its
segments (queued -2 -> sent -1 -> delivered 0) unless ``deliver_after`` is set::

    sim = DevinoSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("devino", **sim.client_settings(url))

Needs werkzeug (``pip install "smsbridge-devino[simulator]"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.testing.accounts import Money
from smsbridge.testing.answers import Refusal, method_not_allowed, not_found, text_answer
from smsbridge.testing.kit import SessionSimulator
from smsbridge.testing.messages import MessageRecord
from smsbridge.testing.sessions import ExpiredSession, SessionError
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "DEMO_SENDER", "DevinoSimulator", "SimulatedMessage"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_SENDER = "DEVINO"
API_ROOT = "/rest"

#: The kit's record under the name this module always exported.
SimulatedMessage = MessageRecord

#: HTTP status of each REST error code (Table 11).
HTTP_STATUS = {1: 400, 2: 400, 3: 400, 4: 401, 5: 403, 6: 400, 7: 403, 8: 500, 9: 500}
QUEUED, SENT, DELIVERED, UNKNOWN = -2, -1, 0, 255
_DESCRIPTIONS = {
    -2: "В очереди", -1: "Отправлено", 0: "Доставлено абоненту", 10: "Неверно введен адрес "
    "отправителя", 11: "Неверно введен адрес получателя", 41: "Недопустимый адрес получателя",
    42: "Отклонено смс-центром", 46: "Просрочено", 47: "Удалено", 48: "Отклонено Платформой",
    69: "Отклонено", -98: "Остановлено", 99: "Неизвестный", 255: "Неизвестный",
}
_FAILED = frozenset({10, 11, 41, 42, 48, 69, 99})
#: Where Sms/Statistics counts a state code (others are "InProcess").
_COUNTED_AS = {**dict.fromkeys(_FAILED, "Errors"), SENT: "Sent", DELIVERED: "Delivered",
               46: "Expired", 47: "Rejected", -98: "Rejected"}
_NAMED_CODES = {"delivered": DELIVERED, "undelivered": 11, "expired": 46, "rejected": 48}
_SENDER = re.compile(r"^(?:[0-9]{1,15}|(?=.*[A-Za-z])[A-Za-z0-9 .\-_&'!]{1,11})$")
_NUMBER = re.compile(r"^\+?[0-9]{10,15}$")
_INDEXED = re.compile(r"^(.+)\[\d+\]$")
_MISSING_DATE = (
    "The parameters dictionary contains a null entry for parameter '{}' of "
    "non-nullable type 'DateTime' for method 'System.Web.Mvc.ActionResult In(System.String, "
    "DateTime, DateTime)' in 'RestService.Controllers.SmsController'. An optional parameter "
    "must be a reference type, a nullable type, or be declared as an optional parameter. "
    "Parameter name: parameters"
)
_UNKNOWN_STATE = {"State": UNKNOWN, "CreationDateUtc": None, "SubmittedDateUtc": None,
                  "ReportedDateUtc": None, "TimeStampUtc": "/Date(-62135596800000)/",
                  "StateDescription": _DESCRIPTIONS[UNKNOWN], "Price": None}

Params = dict[str, list[str]]


def _refusal(code: int, description: str) -> Refusal:
    return Refusal(code, description, status=HTTP_STATUS.get(code, 400))


def _dotnet(seconds: float | None) -> str | None:
    return None if seconds is None else f"/Date({int(seconds * 1000)})/"


def _parse_date(value: str) -> datetime:
    text = value.strip().replace(" ", "T")
    for layout in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise _refusal(2, f"Invalid argument: {value!r} is not a date")


def _final_state(code: int) -> str:
    """The ledger state of a final wire ``code``."""
    if code == DELIVERED:
        return "delivered"
    return "undelivered" if code in _FAILED else "unknown"


def _add(merged: Params, key: str, value: Any) -> None:
    # ASP.NET binds "Name[0]" to the array "Name"; names are case-insensitive.
    indexed = _INDEXED.match(key)
    name = (indexed.group(1) if indexed else key).lower()
    values = value if isinstance(value, list) else [value]
    merged.setdefault(name, []).extend("" if v is None else str(v) for v in values)


def read_params(request: Request) -> Params:
    """Query, form and JSON body parameters, as ASP.NET MVC's value providers bind them."""
    merged: Params = {}
    for source in (request.args, request.form):
        for key in source:
            for value in source.getlist(key):
                _add(merged, key, value)
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        for key, value in body.items():
            _add(merged, key, value)
    return merged


class DevinoSimulator(SessionSimulator):
    """Devino's REST API on 127.0.0.1: serve it with :meth:`serve`.

    :param accounts: login -> password; the demo account by default.
    :param balance: starting balance of every account.
    :param price: charged per segment sent.
    :param clock: epoch seconds; drives sessions, dates, scheduled sends and progression.
    """

    first_id = 579700854169272358
    session_lifetime = 120 * 60.0

    def __init__(self, *, accounts: Mapping[str, str] | None = None,
                 balance: Money = Decimal("100"), price: Money = Decimal("0.5"),
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock=clock)
        for login, password in (accounts or {DEMO_LOGIN: DEMO_PASSWORD}).items():
            self.add_account(login, password, balance=balance, price=price)
        #: Segment id -> the record (one per recipient) it belongs to.
        self.segments: dict[str, MessageRecord] = {}
        #: Number -> the final state code messages to it end in (see :meth:`fail`).
        self.failure_codes: dict[str, int] = {}
        #: Messages handsets wrote to the accounts (see :meth:`receive`).
        self.incoming: list[dict[str, Any]] = []
        self._incoming_ids = iter(range(539187174, 1 << 62))

    @property
    def price(self) -> Decimal:
        """The demo account's price per segment."""
        return self.account.price

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings connecting the devino driver to the demo account."""
        return {"login": self.account.login, "password": self.account.password,
                "base_url": base_url.rstrip("/") + API_ROOT, "sender": DEMO_SENDER}

    def fail(self, number: str, state: int | str = 11) -> None:
        """Make messages accepted from now on for ``number`` end in wire state ``state``
        (a code, or a ledger state: ``undelivered`` is 11, ``expired`` 46)."""
        code = _NAMED_CODES.get(str(state)) if isinstance(state, str) else state
        with self.lock:
            self.failure_codes[number.lstrip("+")] = int(state) if code is None else code

    def path_for(self, recipient: str) -> tuple[str, ...]:
        """Failed codes other than 42 (refused by the SMS centre) are never sent."""
        code = self.failure_codes.get(recipient, DELIVERED)
        if code in _FAILED and code != 42:
            return ("queued", _final_state(code))
        return ("queued", "sent", _final_state(code))

    def sent_to(self, number: str) -> list[MessageRecord]:
        """The records of messages accepted for ``number``."""
        with self.lock:
            return [r for r in self.messages if r.recipient == number.lstrip("+")]

    def receive(self, sender: str, recipient: str, text: str,
                at: datetime | None = None) -> str:
        """Record an incoming message (a handset wrote to the account); return its id."""
        with self.lock:
            message_id = str(next(self._incoming_ids))
            self.incoming.append({"Data": text, "SourceAddress": sender,
                                  "DestinationAddress": recipient, "ID": message_id,
                                  "created": at.timestamp() if at else self.clock()})
            return message_id

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Route a request the way the provider's (case-insensitive) routes do."""
        path = request.path.rstrip("/")
        found = (self._routes().get(path[len(API_ROOT) + 1:].lower())
                 if path.lower().startswith(API_ROOT + "/") else None)
        if found is None:
            return not_found()
        methods, handler = found
        if request.method not in methods:
            return method_not_allowed(methods)
        fields = read_params(request)
        with self.lock:
            return _json(handler(fields))

    def refuse(self, refusal: Refusal) -> Response:
        """Answer ``{"Code": n, "Desc": "..."}`` with the code's HTTP status."""
        return _json({"Code": refusal.code, "Desc": refusal.description}, refusal.status)

    def _routes(self) -> dict[str, tuple[tuple[str, ...], Callable[[Params], Any]]]:
        both, get, post = ("GET", "POST"), ("GET",), ("POST",)
        return {
            "user/sessionid": (both, self._login),
            "user/balance": (get, lambda p: float(self.accounts[self._session(p)].balance)),
            "sms/send": (post, lambda p: self._send(p, "Send")),
            "sms/sendbulk": (post, lambda p: self._send(p, "SendBulk")),
            "sms/sendbytimezone": (post, lambda p: self._send(p, "SendByTimeZone")),
            "sms/sendbytimezonetoaddresses": (
                post, lambda p: self._send(p, "SendByTimeZoneToAddresses")),
            "sms/state": (both, self._state),
            "sms/in": (get, self._incoming),
            "sms/statistics": (get, self._statistics),
        }

    @staticmethod
    def _one(params: Params, name: str, *, required: bool = True) -> str:
        values = params.get(name.lower())
        value = values[0] if values else ""
        if required and not value:
            raise _refusal(1, f"{name} can not be null or empty Parameter name: {name}")
        return value

    def _session(self, params: Params) -> str:
        try:
            return self.sessions.login_of(self._one(params, "SessionID"))
        except ExpiredSession:
            raise _refusal(4, "SessionID expired") from None
        except SessionError:
            raise _refusal(3, "Invalid session id") from None

    def _login(self, params: Params) -> str:
        account = self.accounts.authenticate(self._one(params, "login"),
                                             self._one(params, "password"))
        if account is None:
            raise _refusal(4, "Invalid user login or password")
        return self.sessions.open(account.login)

    def _send(self, params: Params, endpoint: str) -> list[str]:
        bulk, by_zone = endpoint.endswith(("Bulk", "Addresses")), "TimeZone" in endpoint
        sender = self._one(params, "SourceAddress")
        if bulk:
            numbers = [n for n in params.get("destinationaddresses", []) if n]
            if not numbers:
                raise _refusal(1, "DestinationAddresses can not be null or empty "
                                  "Parameter name: DestinationAddresses")
        else:
            numbers = [self._one(params, "DestinationAddress")]
        text = self._one(params, "Data")
        send_date = self._one(params, "SendDate", required=by_zone)
        validity = self._one(params, "Validity", required=False)
        account = self.accounts[self._session(params)]
        parts = segments(text).parts
        if not account.can_pay(account.cost(parts, len(numbers))):
            raise _refusal(5, "Not enough credits")
        if not all(_NUMBER.match(number) for number in numbers):
            raise _refusal(6, "Invalid destination address")
        if not _SENDER.match(sender):
            raise _refusal(6, "Invalid source address")
        if len(text) > 2000:
            raise _refusal(2, "Invalid argument: the message is longer than 2000 characters")
        if validity and not validity.isdigit():
            raise _refusal(2, f"Invalid argument: Validity {validity!r}")
        now = self.clock()
        due = _parse_date(send_date).timestamp() if send_date else now
        ids: list[str] = []
        for number in numbers:
            segment_ids = [self.ids.next() for _ in range(parts)]
            (record,) = self.record(
                account, [number.lstrip("+")], parts=parts,
                unpaid=_refusal(5, "Not enough credits"),
                id=",".join(segment_ids), text=text, sender=sender, not_before=max(now, due),
                extra={"endpoint": endpoint, "validity": int(validity) if validity else None,
                       "send_at": due if send_date else None,
                       "code": self.failure_codes.get(number.lstrip("+"), DELIVERED)})
            self.segments.update(dict.fromkeys(segment_ids, record))
            ids.extend(segment_ids)
        return ids

    def _state(self, params: Params) -> dict[str, Any]:
        message_id = self._one(params, "messageId", required=False)
        if not message_id:
            raise _refusal(1, "MessageID can not be null or empty Parameter name: messageId")
        login = self._session(params)
        record = self.segments.get(message_id)
        if record is None or record.login != login:
            return dict(_UNKNOWN_STATE)  # the platform's answer, not an error
        timed = self.deliver_after is not None
        if timed:
            self.look([record])
        answer = {
            "State": _code(record),
            "CreationDateUtc": _dotnet(record.accepted_at),
            "SubmittedDateUtc": _dotnet(record.reached("sent")),
            "ReportedDateUtc": _dotnet(record.reached(record.path[-1])),
            "TimeStampUtc": _dotnet(self.clock()),
            "StateDescription": _DESCRIPTIONS.get(_code(record), ""),
            "Price": float(record.cost / record.parts),
        }
        if not timed:  # one step per query, shown from the next one on
            self.look([record])
        return answer

    def _incoming(self, params: Params) -> list[dict[str, Any]]:
        min_text = self._one(params, "minDateUTC", required=False)
        max_text = self._one(params, "maxDateUTC", required=False)
        self._session(params)  # every account sees the same simulated inbox
        if not max_text:
            raise _refusal(9, _MISSING_DATE.format("maxDateUtc"))
        if not min_text:
            raise _refusal(9, _MISSING_DATE.format("minDateUtc"))
        start, end = _parse_date(min_text), _parse_date(max_text)
        if datetime.fromtimestamp(self.clock(), timezone.utc) - start > timedelta(days=365):
            raise _refusal(2, "Invalid argument: minDateUTC is more than one year ago")
        if end <= start:
            raise _refusal(2, "Invalid argument: maxDateUTC must be after minDateUTC")
        return [{**{k: v for k, v in m.items() if k != "created"},
                 "CreateDateUtc": _dotnet(m["created"])}
                for m in self.incoming if start.timestamp() <= m["created"] <= end.timestamp()]

    def _statistics(self, params: Params) -> dict[str, Any]:
        start_text = self._one(params, "startDateTime")
        end_text = self._one(params, "endDateTime")
        login = self._session(params)
        start, end = _parse_date(start_text), _parse_date(end_text)
        if end < start:
            raise _refusal(2, "Invalid argument: endDateTime is before startDateTime")
        if end - start > timedelta(days=90):
            raise _refusal(2, "Нельзя указывать диапазон дат более 90 дней.")
        chosen = [r for r in self.messages_of(login)
                  if start.timestamp() <= r.accepted_at <= end.timestamp()]
        # Devino counts segments: each one has its own id and state.
        return _statistics(code for r in chosen for code in [_code(r)] * r.parts)


def _code(record: MessageRecord) -> int:
    """The wire state code of ``record`` now."""
    if record.is_final:
        return int(record.extra["code"])
    return SENT if record.state == "sent" else QUEUED


def _json(payload: Any, status: int = 200) -> Response:
    # .NET writes dates as "\/Date(ms)\/"; the escaped slash is what goes on the wire.
    text = json.dumps(payload, ensure_ascii=False).replace("/Date(", "\\/Date(")
    return text_answer(text.replace(")/", ")\\/"), status,
                       content_type="application/json; charset=utf-8")


def _statistics(states: Iterable[int]) -> dict[str, Any]:
    counts = dict.fromkeys(("Sent", "Delivered", "Errors", "InProcess", "Expired", "Rejected"), 0)
    for state in states:
        counts[_COUNTED_AS.get(state, "InProcess")] += 1
    total = sum(counts.values())
    ratio = round(100 * counts["Delivered"] / total) if total else 0
    return {**counts, "Total": total, "TotalWithErrors": total, "DeliveryRatio": ratio}
