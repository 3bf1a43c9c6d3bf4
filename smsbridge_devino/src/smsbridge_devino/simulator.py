"""A local simulator of Devino's REST API (integrationapi.net/rest), written from the
provider's document: sessions that expire after 120 minutes, a balance charged per
segment, one id per segment, states that advance with every ``Sms/State`` query, and
``{"Code": n, "Desc": "..."}`` errors with the document's HTTP statuses.

    sim = DevinoSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("devino", **sim.client_settings(url), sender="DEVINO")

Needs werkzeug (``pip install smsbridge-devino[simulator]``).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import string
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage as LedgerEntry
from smsbridge.testing.simulator import Simulator, utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "DevinoSimulator", "SimulatedMessage"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"
SESSION_LIFETIME = 120 * 60
API_ROOT = "/rest"

#: HTTP status of each REST error code (Table 11).
HTTP_STATUS = {1: 400, 2: 400, 3: 400, 4: 401, 5: 403, 6: 400, 7: 403, 8: 500, 9: 500}
#: Where a message's segments go, one step per Sms/State query.
QUEUED, SENT, DELIVERED, UNKNOWN = -2, -1, 0, 255
_DESCRIPTIONS = {
    -2: "В очереди", -1: "Отправлено", 0: "Доставлено абоненту", 10: "Неверно введен адрес "
    "отправителя", 11: "Неверно введен адрес получателя", 41: "Недопустимый адрес получателя",
    42: "Отклонено смс-центром", 46: "Просрочено", 47: "Удалено", 48: "Отклонено Платформой",
    69: "Отклонено", -98: "Остановлено", 99: "Неизвестный", 255: "Неизвестный",
}
_FAILED = frozenset({10, 11, 41, 42, 48, 69, 99})


def _ledger_state(state: int) -> str:
    if state == QUEUED:
        return "queued"
    if state == SENT:
        return "sent"
    if state == DELIVERED:
        return "delivered"
    return "undelivered" if state in _FAILED else "unknown"

_SENDER = re.compile(r"^(?:[0-9]{1,15}|(?=.*[A-Za-z])[A-Za-z0-9 .\-_&'!]{1,11})$")
_NUMBER = re.compile(r"^\+?[0-9]{10,15}$")
_MISSING_MAX_DATE = (
    "The parameters dictionary contains a null entry for parameter 'maxDateUtc' of "
    "non-nullable type 'DateTime' for method 'System.Web.Mvc.ActionResult In(System.String, "
    "DateTime, DateTime)' in 'RestService.Controllers.SmsController'. An optional parameter "
    "must be a reference type, a nullable type, or be declared as an optional parameter. "
    "Parameter name: parameters"
)


class _Refused(Exception):
    def __init__(self, code: int, desc: str) -> None:
        super().__init__(desc)
        self.code = code
        self.desc = desc


@attrs.define(kw_only=True)
class _Account:
    password: str
    balance: Decimal


@attrs.define(kw_only=True)
class SimulatedMessage:
    """One segment the simulator accepted."""

    id: str
    login: str
    recipient: str
    sender: str
    text: str
    part: int
    parts: int
    created: float
    send_at: float | None
    validity: int | None
    endpoint: str
    price: Decimal
    final_state: int = DELIVERED
    state: int = QUEUED
    submitted: float | None = None
    reported: float | None = None


@attrs.define(kw_only=True)
class _Incoming:
    id: str
    sender: str
    recipient: str
    text: str
    created: float


def _dotnet(seconds: float | None) -> str | None:
    return None if seconds is None else f"/Date({int(seconds * 1000)})/"


def _parse_date(value: str) -> datetime:
    text = value.strip().replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise _Refused(2, f"Invalid argument: {value!r} is not a date")


class DevinoSimulator(Simulator):
    """Devino's REST API on a local socket, with accounts, balance, messages and sessions.

    :param accounts: login -> password; the demo account by default.
    :param balance: starting balance of every account.
    :param price: charged per segment sent.
    :param clock: epoch seconds; drives session expiry, dates and scheduled sends.
    """

    def __init__(
        self,
        *,
        accounts: Mapping[str, str] | None = None,
        balance: Decimal | int | str = Decimal("100"),
        price: Decimal | int | str = Decimal("0.5"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.price = Decimal(price)
        self.accounts = {
            login: _Account(password=password, balance=Decimal(balance))
            for login, password in (accounts or {DEMO_LOGIN: DEMO_PASSWORD}).items()
        }
        self.sessions: dict[str, tuple[str, float]] = {}
        self.messages: dict[str, SimulatedMessage] = {}
        self.incoming: list[_Incoming] = []
        self.failures: dict[str, int] = {}
        self.logins = 0
        self._ids = itertools.count(579700854169272358)
        self._incoming_ids = itertools.count(539187174)

    # -- control ---------------------------------------------------------------------

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings for the demo account at this simulator."""
        return {"login": DEMO_LOGIN, "password": DEMO_PASSWORD, "base_url": base_url + API_ROOT}

    def balance_of(self, login: str = DEMO_LOGIN) -> Decimal:
        """An account's balance now."""
        with self.lock:
            return self.accounts[login].balance

    def set_balance(self, amount: Decimal | int | str, login: str = DEMO_LOGIN) -> None:
        """Set an account's balance."""
        with self.lock:
            self.accounts[login].balance = Decimal(amount)

    def expire_sessions(self) -> None:
        """Make every issued session id expired, as 120 minutes would."""
        with self.lock:
            for sid, (login, _) in list(self.sessions.items()):
                self.sessions[sid] = (login, self.clock() - SESSION_LIFETIME)

    def fail(self, number: str, state: int = 11) -> None:
        """Make messages to ``number`` end in ``state`` instead of being delivered."""
        with self.lock:
            self.failures[number.lstrip("+")] = state

    def receive(self, sender: str, recipient: str, text: str,
                at: datetime | None = None) -> str:
        """Record an incoming message (a handset wrote to the account); return its id."""
        with self.lock:
            message_id = str(next(self._incoming_ids))
            created = at.timestamp() if at is not None else self.clock()
            self.incoming.append(_Incoming(id=message_id, sender=sender, recipient=recipient,
                                           text=text, created=created))
            return message_id

    def ledger(self) -> list[LedgerEntry]:
        """One entry per recipient of each send; segment ids joined by commas."""
        with self.lock:
            segments_of: dict[tuple[str, float, str], list[SimulatedMessage]] = {}
            for segment in self.messages.values():
                first = int(segment.id) - segment.part + 1
                segments_of.setdefault((segment.recipient, segment.created, str(first)),
                                       []).append(segment)
            return [
                LedgerEntry(
                    recipient=parts[0].recipient, text=parts[0].text,
                    provider_id=",".join(p.id for p in parts), reference=None, channel="sms",
                    accepted_at=utc(parts[0].created), state=_ledger_state(parts[0].state))
                for parts in segments_of.values()
            ]

    def sent_to(self, number: str) -> list[SimulatedMessage]:
        """Segments accepted for ``number``."""
        with self.lock:
            return [m for m in self.messages.values() if m.recipient == number]

    # -- WSGI ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Route a request the way the provider's (case-insensitive) routes do."""
        from werkzeug.wrappers import Response

        path = request.path
        if not path.lower().startswith(API_ROOT + "/"):
            return Response("Not Found", status=404, content_type="text/plain")
        route = path[len(API_ROOT) + 1:].strip("/").lower()
        params: dict[str, list[str]] = {}
        for source in (request.args, request.form):
            for key in source:
                params.setdefault(key.lower(), []).extend(source.getlist(key))
        handler = self._routes().get(route)
        if handler is None:
            return Response("Not Found", status=404, content_type="text/plain")
        method, function = handler
        if request.method != method:
            return Response("Method Not Allowed", status=405, content_type="text/plain")
        try:
            with self.lock:
                payload = function(params)
        except _Refused as refused:
            return self._json({"Code": refused.code, "Desc": refused.desc},
                              status=HTTP_STATUS.get(refused.code, 400))
        return self._json(payload)

    def _routes(self) -> dict[str, tuple[str, Callable[[dict[str, list[str]]], Any]]]:
        return {
            "user/sessionid": ("GET", self._login),
            "user/balance": ("GET", self._balance),
            "sms/send": ("POST", lambda p: self._send(p, bulk=False, by_zone=False)),
            "sms/sendbulk": ("POST", lambda p: self._send(p, bulk=True, by_zone=False)),
            "sms/sendbytimezone": ("POST", lambda p: self._send(p, bulk=False, by_zone=True)),
            "sms/sendbytimezonetoaddresses": (
                "POST", lambda p: self._send(p, bulk=True, by_zone=True)),
            "sms/state": ("GET", self._state),
            "sms/in": ("GET", self._incoming),
            "sms/statistics": ("GET", self._statistics),
        }

    @staticmethod
    def _json(payload: Any, status: int = 200) -> Response:
        from werkzeug.wrappers import Response

        # .NET writes dates as "\/Date(ms)\/"; the escaped slash is what goes on the wire.
        text = json.dumps(payload, ensure_ascii=False).replace("/Date(", "\\/Date(")
        text = text.replace(")/", ")\\/")
        return Response(text, status=status, content_type="application/json; charset=utf-8")

    # -- operations ------------------------------------------------------------------

    @staticmethod
    def _one(params: dict[str, list[str]], name: str, *, required: bool = True) -> str | None:
        values = params.get(name.lower())
        value = values[0] if values else None
        if required and not value:
            raise _Refused(1, f"{name} can not be null or empty Parameter name: {name}")
        return value

    def _session(self, params: dict[str, list[str]]) -> str:
        sid = self._one(params, "SessionID")
        assert sid is not None
        found = self.sessions.get(sid)
        if found is None:
            raise _Refused(3, "Invalid session id")
        login, started = found
        if self.clock() - started >= SESSION_LIFETIME:
            raise _Refused(4, "SessionID expired")
        return login

    def _login(self, params: dict[str, list[str]]) -> str:
        login = self._one(params, "login")
        password = self._one(params, "password")
        account = self.accounts.get(login or "")
        if account is None or not secrets.compare_digest(account.password, password or ""):
            raise _Refused(4, "Invalid user login or password")
        alphabet = string.ascii_uppercase + string.digits
        sid = "".join(secrets.choice(alphabet) for _ in range(36))
        self.sessions[sid] = (login or "", self.clock())
        self.logins += 1
        return sid

    def _balance(self, params: dict[str, list[str]]) -> float:
        login = self._session(params)
        return float(self.accounts[login].balance)

    def _send(self, params: dict[str, list[str]], *, bulk: bool, by_zone: bool) -> list[str]:
        sender = self._one(params, "SourceAddress")
        if bulk:
            numbers = [n for n in params.get("destinationaddresses", []) if n]
            if not numbers:
                raise _Refused(1, "DestinationAddresses can not be null or empty "
                                  "Parameter name: DestinationAddresses")
        else:
            numbers = [self._one(params, "DestinationAddress") or ""]
        text = self._one(params, "Data") or ""
        send_date = self._one(params, "SendDate", required=by_zone)
        validity_text = self._one(params, "Validity", required=False)
        login = self._session(params)
        parts = segments(text).parts
        cost = self.price * parts * len(numbers)
        account = self.accounts[login]
        if account.balance < cost:
            raise _Refused(5, "Not enough credits")
        for number in numbers:
            if not _NUMBER.match(number):
                raise _Refused(6, "Invalid destination address")
        if not _SENDER.match(sender or ""):
            raise _Refused(6, "Invalid source address")
        if len(text) > 2000:
            raise _Refused(2, "Invalid argument: the message is longer than 2000 characters")
        validity = None
        if validity_text:
            if not validity_text.isdigit():
                raise _Refused(2, f"Invalid argument: Validity {validity_text!r}")
            validity = int(validity_text)
        send_at = _parse_date(send_date).timestamp() if send_date else None
        account.balance -= cost
        now = self.clock()
        ids = []
        for number in numbers:
            digits = number.lstrip("+")
            for part in range(1, parts + 1):
                segment_id = str(next(self._ids))
                self.messages[segment_id] = SimulatedMessage(
                    id=segment_id, login=login, recipient=digits, sender=sender or "",
                    text=text, part=part, parts=parts, created=now, send_at=send_at,
                    validity=validity, price=self.price,
                    endpoint=("SendByTimeZone" if by_zone else "Send")
                    + ("ToAddresses" if by_zone and bulk else "Bulk" if bulk else ""),
                    final_state=self.failures.get(digits, DELIVERED),
                )
                ids.append(segment_id)
        return ids

    def _state(self, params: dict[str, list[str]]) -> dict[str, Any]:
        message_id = self._one(params, "messageId", required=False)
        if not message_id:
            raise _Refused(1, "MessageID can not be null or empty Parameter name: messageId")
        login = self._session(params)
        now = self.clock()
        message = self.messages.get(message_id)
        if message is None or message.login != login:
            return {"State": UNKNOWN, "CreationDateUtc": None, "SubmittedDateUtc": None,
                    "ReportedDateUtc": None, "TimeStampUtc": "/Date(-62135596800000)/",
                    "StateDescription": _DESCRIPTIONS[UNKNOWN], "Price": None}
        answer = {
            "State": message.state,
            "CreationDateUtc": _dotnet(message.created),
            "SubmittedDateUtc": _dotnet(message.submitted),
            "ReportedDateUtc": _dotnet(message.reported),
            "TimeStampUtc": _dotnet(now),
            "StateDescription": _DESCRIPTIONS.get(message.state, ""),
            "Price": float(message.price),
        }
        self._advance(message, now)
        return answer

    @staticmethod
    def _advance(message: SimulatedMessage, now: float) -> None:
        """Move a segment one step: queued -> sent -> its final state."""
        if message.send_at is not None and now < message.send_at:
            return
        if message.state == QUEUED:
            if message.final_state in _FAILED and message.final_state != 42:
                message.state = message.final_state
                message.reported = now
            else:
                message.state = SENT
                message.submitted = now
        elif message.state == SENT:
            message.state = message.final_state
            message.reported = now

    def _incoming(self, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        min_text = self._one(params, "minDateUTC", required=False)
        max_text = self._one(params, "maxDateUTC", required=False)
        self._session(params)  # every account sees the same simulated inbox
        if not max_text:
            raise _Refused(9, _MISSING_MAX_DATE)
        if not min_text:
            raise _Refused(9, _MISSING_MAX_DATE.replace("maxDateUtc", "minDateUtc"))
        start, end = _parse_date(min_text), _parse_date(max_text)
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        if now - start > timedelta(days=365):
            raise _Refused(2, "Invalid argument: minDateUTC is more than one year ago")
        if end <= start:
            raise _Refused(2, "Invalid argument: maxDateUTC must be after minDateUTC")
        return [
            {"Data": m.text, "SourceAddress": m.sender, "DestinationAddress": m.recipient,
             "ID": m.id, "CreateDateUtc": _dotnet(m.created)}
            for m in self.incoming
            if start.timestamp() <= m.created <= end.timestamp()
        ]

    def _statistics(self, params: dict[str, list[str]]) -> dict[str, Any]:
        start_text = self._one(params, "startDateTime")
        end_text = self._one(params, "endDateTime")
        login = self._session(params)
        start, end = _parse_date(start_text or ""), _parse_date(end_text or "")
        if end < start:
            raise _Refused(2, "Invalid argument: endDateTime is before startDateTime")
        if end - start > timedelta(days=90):
            raise _Refused(2, "Нельзя указывать диапазон дат более 90 дней.")
        chosen = [m for m in self.messages.values() if m.login == login
                  and start.timestamp() <= m.created <= end.timestamp()]
        return _statistics(m.state for m in chosen)


def _statistics(states: Iterable[int]) -> dict[str, Any]:
    counts = {"Sent": 0, "Delivered": 0, "Errors": 0, "InProcess": 0, "Expired": 0,
              "Rejected": 0}
    for state in states:
        if state == SENT:
            counts["Sent"] += 1
        elif state == DELIVERED:
            counts["Delivered"] += 1
        elif state == 46:
            counts["Expired"] += 1
        elif state in (47, -98):
            counts["Rejected"] += 1
        elif state in _FAILED:
            counts["Errors"] += 1
        else:
            counts["InProcess"] += 1
    total = sum(counts.values())
    ratio = round(100 * counts["Delivered"] / total) if total else 0
    return {**counts, "Total": total, "TotalWithErrors": total, "DeliveryRatio": ratio}

