"""A local simulator of the Stream Telecom REST API (``smsbridge simulate stream``).

Written from the provider's document: paths under ``/rest``, form or query parameters,
JSON answers, ``{"Code": n, "Desc": "..."}`` errors with the documented HTTP statuses,
``/Date(ms)/`` dates, and by default the document's not-quite-JSON bulk answers
``[{"371329058"}, {"371329059"}]``. State: accounts, balances charged per SMS part,
sessions that expire after 120 minutes of the injectable clock, messages whose state
advances one step per ``State`` query, incoming messages and detailed reports.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage, Simulator, utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["SESSION_LIFETIME", "SimIncoming", "SimMessage", "StreamSimulator"]

SESSION_LIFETIME = 120 * 60
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
# HTTP status of each REST error code (section 4.1).
_HTTP = {1: 400, 2: 400, 3: 400, 4: 401, 5: 403, 6: 400, 7: 403, 8: 500, 9: 500, 10: 400}


@attrs.define(kw_only=True)
class SimMessage:
    """A message the simulator accepted."""

    id: str
    login: str
    recipient: str
    sender: str
    text: str
    parts: int
    price: Decimal
    created: float
    send_date: str | None = None
    by_local_time: bool = False
    validity: int = 1440
    queries: int = 0
    state: int = -1


@attrs.define(kw_only=True)
class SimIncoming:
    """A message a handset sent to one of the account's numbers."""

    id: int
    login: str
    sender: str
    recipient: str
    text: str
    prefix: str
    created: float


@attrs.define(kw_only=True)
class _Report:
    id: int
    login: str
    file_format: str
    rows: list[SimMessage]
    polls_left: int


class _Error(Exception):
    def __init__(self, code: int, desc: str) -> None:
        super().__init__(desc)
        self.code = code
        self.desc = desc


class _Raw(str):
    """A body already written (not JSON-encoded again)."""

    __slots__ = ()


class _TextError(Exception):
    """A plain-text error of ``Statistic/all_stat.php``."""


def _dotnet(timestamp: float) -> str:
    return f"/Date({int(timestamp * 1000)})/"


def _dumps(payload: Any) -> str:
    # The provider writes dates as "\/Date(ms)\/", as .NET serializers do.
    return json.dumps(payload, ensure_ascii=False).replace("/Date(", "\\/Date(").replace(
        ")/", ")\\/")


def _parse_date(value: str | None, name: str) -> float:
    if not value:
        raise _Error(1, f"{name} can not be null or empty\r\nParameter name: {name}")
    try:
        parsed = datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        raise _Error(2, f"Invalid {name}") from None
    return parsed.replace(tzinfo=timezone.utc).timestamp()


class StreamSimulator(Simulator):
    """Stateful Stream Telecom REST simulator.

    :param accounts: login -> password (default ``{"demo": "demo-password"}``).
    :param balance: starting balance of every account.
    :param price_per_part: what one SMS part costs.
    :param senders: registered sender names (others are refused with code 6).
    :param failing_numbers: numbers whose messages end as 42 (not delivered).
    :param doc_bulk_format: answer SendBulk/SendBulkPacket as the document prints them
        (``[{"1"}, {"2"}]``, not JSON); False gives ``["1", "2"]``.
    :param report_polls: how many fetches of a detailed report answer "not ready".
    :param clock: seconds since the epoch; sessions expire after 120 minutes of it.
    """

    def __init__(
        self,
        *,
        accounts: Mapping[str, str] | None = None,
        balance: Decimal | int | str = Decimal("100"),
        price_per_part: Decimal | str = Decimal("0.5"),
        senders: Iterable[str] = ("DEMO", "SMS Info"),
        failing_numbers: Iterable[str] = (),
        doc_bulk_format: bool = True,
        report_polls: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(clock=clock or time.time)
        self.accounts = dict(accounts or {"demo": "demo-password"})
        self.balances = {login: Decimal(balance) for login in self.accounts}
        self.price_per_part = Decimal(price_per_part)
        self.senders = set(senders)
        self.failing_numbers = set(failing_numbers)
        self.doc_bulk_format = doc_bulk_format
        self.report_polls = report_polls
        self.sessions: dict[str, tuple[str, float]] = {}
        #: Session ids issued so far (successful logins), as SPEC's public state says.
        self.logins = 0
        self.messages: dict[str, SimMessage] = {}
        self.incoming: list[SimIncoming] = []
        self.reports: dict[int, _Report] = {}
        self._message_ids = itertools.count(371324579)
        self._incoming_ids = itertools.count(5126)
        self._report_ids = itertools.count(12124)

    # -- helpers for tests and demos -----------------------------------------------------

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings connecting the Stream driver to the demo account."""
        login = next(iter(self.accounts))
        return {"login": login, "password": self.accounts[login],
                "base_url": base_url.rstrip("/") + "/rest", "sender": "DEMO"}

    def ledger(self) -> list[SimulatedMessage]:
        """Every accepted message, one per recipient."""
        states = {-1: "sent", 0: "delivered", 42: "undelivered", 46: "expired"}
        with self.lock:
            return [
                SimulatedMessage(
                    recipient=m.recipient, text=m.text, provider_id=m.id, reference=None,
                    channel="sms", accepted_at=utc(m.created),
                    state=states.get(m.state, "unknown"))
                for m in self.messages.values()
            ]

    def expire_sessions(self) -> None:
        """End every session now (the next call with one gets code 4, HTTP 401)."""
        with self.lock:
            for sid, (login, _) in list(self.sessions.items()):
                self.sessions[sid] = (login, float("-inf"))

    def add_incoming(self, sender: str, text: str, *, recipient: str = "2420",
                     prefix: str = "", login: str | None = None,
                     created: float | None = None) -> SimIncoming:
        """Record a message a handset sent to the account."""
        with self.lock:
            message = SimIncoming(
                id=next(self._incoming_ids), login=login or next(iter(self.accounts)),
                sender=sender, recipient=recipient, text=text, prefix=prefix,
                created=self.clock() if created is None else created)
            self.incoming.append(message)
            return message

    # -- WSGI --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as Stream Telecom would."""
        from werkzeug.wrappers import Response

        params = {k.lower(): v for k, v in request.args.items()}
        params.update({k.lower(): v for k, v in request.form.items()})
        path = request.path
        if path.startswith("/rest"):
            path = path[len("/rest"):]
        route = path.strip("/").lower()
        handlers: dict[str, Callable[[dict[str, str]], Any]] = {
            "session": self._session, "session/session.php": self._session,
            "balance": self._balance, "balance/balance.php": self._balance,
            "send/sendsms": self._send_sms, "send/sendbytime": self._send_by_time,
            "send/sendbulk": self._send_bulk, "send/sendbulkpacket": self._send_packet,
            "state": self._state, "state/state.php": self._state,
            "incoming": self._incoming, "statistic": self._statistic,
            "statistic/all_stat.php": self._all_stat,
        }
        handler = handlers.get(route)
        if handler is None:
            return Response("Not Found", status=404, content_type="text/plain")
        try:
            with self.lock:
                result = handler(params)
        except _Error as exc:
            return Response(_dumps({"Code": exc.code, "Desc": exc.desc}),
                            status=_HTTP[exc.code],
                            content_type="application/json; charset=utf-8")
        except _TextError as exc:
            return Response(str(exc), status=200, content_type="text/plain; charset=utf-8")
        if isinstance(result, Response):
            return result
        body = result if isinstance(result, _Raw) else _dumps(result)
        return Response(body, status=200, content_type="application/json; charset=utf-8")

    # -- handlers ----------------------------------------------------------------------

    def _session(self, params: dict[str, str]) -> Any:
        login, password = params.get("login"), params.get("password")
        if not login:
            raise _Error(1, "Login can not be null or empty\r\nParameter name: login")
        if not password:
            raise _Error(1, "Password can not be null or empty\r\nParameter name: password")
        if self.accounts.get(login) != password:
            raise _Error(4, "Invalid user login or password")
        sid = secrets.token_hex(16)
        self.sessions[sid] = (login, self.clock())
        self.logins += 1
        return sid

    def _account(self, params: dict[str, str]) -> str:
        sid = params.get("sessionid")
        if not sid:
            raise _Error(1, "SessionID can not be null or empty\r\nParameter name: sessionId")
        found = self.sessions.get(sid)
        if found is None:
            raise _Error(3, "InvalidSessionID")
        login, created = found
        if self.clock() - created >= SESSION_LIFETIME:
            raise _Error(4, "SessionID expired")
        return login

    def _balance(self, params: dict[str, str]) -> str:
        return _Raw(self.balances[self._account(params)])

    def _check_common(self, params: dict[str, str]) -> tuple[str, str, int]:
        login = self._account(params)
        sender = params.get("sourceaddress")
        if not sender:
            raise _Error(1, "SourceAddress can not be null or empty\r\n"
                            "Parameter name: sourceAddress")
        if sender not in self.senders:
            raise _Error(6, "Invalid source address")
        validity = params.get("validity") or "1440"
        if not validity.isdigit() or int(validity) < 1:
            raise _Error(2, "Invalid validity")
        return login, sender, int(validity)

    @staticmethod
    def _check_number(number: str) -> str:
        number = number.strip()
        if not number.isdigit() or not 7 <= len(number) <= 15:
            raise _Error(2, f"Invalid destination address {number}")
        return number

    def _accept(self, login: str, sender: str, validity: int,
                items: list[tuple[str, str]], *, send_date: str | None = None,
                by_local_time: bool = False) -> list[str]:
        for _, text in items:
            if not text:
                raise _Error(1, "Data can not be null or empty\r\nParameter name: data")
        costs = [segments(text).parts for _, text in items]
        total = sum(costs) * self.price_per_part
        if total > self.balances[login]:
            raise _Error(5, "NotEnoughCredits")
        self.balances[login] -= total
        ids = []
        for (number, text), parts in zip(items, costs, strict=True):
            message = SimMessage(
                id=str(next(self._message_ids)), login=login, recipient=number,
                sender=sender, text=text, parts=parts, price=parts * self.price_per_part,
                created=self.clock(), send_date=send_date, by_local_time=by_local_time,
                validity=validity)
            self.messages[message.id] = message
            ids.append(message.id)
        return ids

    def _send_date(self, params: dict[str, str], *, required: bool) -> str | None:
        value = params.get("senddate")
        if not value:
            if required:
                raise _Error(1, "SendDate can not be null or empty\r\n"
                                "Parameter name: sendDate")
            return None
        _parse_date(value, "sendDate")
        return value

    def _send_sms(self, params: dict[str, str]) -> Any:
        login, sender, validity = self._check_common(params)
        number = self._check_number(params.get("destinationaddress", ""))
        send_date = self._send_date(params, required=False)
        return self._accept(login, sender, validity, [(number, params.get("data", ""))],
                            send_date=send_date)

    def _send_by_time(self, params: dict[str, str]) -> Any:
        login, sender, validity = self._check_common(params)
        number = self._check_number(params.get("destinationaddress", ""))
        send_date = self._send_date(params, required=True)
        return self._accept(login, sender, validity, [(number, params.get("data", ""))],
                            send_date=send_date, by_local_time=True)

    def _bulk_answer(self, ids: list[str]) -> Any:
        if self.doc_bulk_format:
            return _Raw("[" + ", ".join('{"' + i + '"}' for i in ids) + "]")
        return ids

    def _send_bulk(self, params: dict[str, str]) -> Any:
        login, sender, validity = self._check_common(params)
        numbers = [n for n in params.get("destinationaddresses", "").split(",") if n.strip()]
        if not numbers:
            raise _Error(1, "DestinationAddresses can not be null or empty\r\n"
                            "Parameter name: destinationAddresses")
        text = params.get("data", "")
        items = [(self._check_number(n), text) for n in numbers]
        return self._bulk_answer(self._accept(login, sender, validity, items))

    def _send_packet(self, params: dict[str, str]) -> Any:
        login, sender, validity = self._check_common(params)
        try:
            packet = json.loads(params.get("phone_data") or "")
            entries = packet["sms"]
            items = [(self._check_number(str(e["phone"])), str(e["text"])) for e in entries]
        except (ValueError, KeyError, TypeError):
            raise _Error(2, "Invalid phone_data") from None
        if not items:
            raise _Error(1, "phone_data can not be null or empty\r\nParameter name: phone_data")
        return self._bulk_answer(self._accept(login, sender, validity, items))

    def _state(self, params: dict[str, str]) -> Any:
        login = self._account(params)
        message_id = params.get("messageid")
        if not message_id:
            raise _Error(1, "MessageID can not be null or empty\r\nParameter name: messageId")
        message = self.messages.get(message_id)
        if message is None or message.login != login:
            raise _Error(2, "Message not found")
        message.queries += 1
        if message.queries >= 2 and message.state == -1:
            message.state = 42 if message.recipient in self.failing_numbers else 0
        descriptions = {-1: "Sent", 0: "Delivered", 42: "Not delivered", 46: "Expired"}
        return {"State": message.state,
                "ReportedDateUtc": _dotnet(self.clock()),
                "StateDescription": descriptions[message.state],
                "Price": float(message.price)}

    def _incoming(self, params: dict[str, str]) -> Any:
        login = self._account(params)
        start = _parse_date(params.get("mindateutc"), "minDateUTC")
        end = _parse_date(params.get("maxdateutc"), "maxDateUTC")
        return [{"Prefix": m.prefix, "Data": m.text, "SourceAddress": m.sender,
                 "DestinationAddress": m.recipient, "ID": m.id,
                 "CreatedDateUtc": _dotnet(m.created)}
                for m in self.incoming if m.login == login and start <= m.created <= end]

    def _period(self, login: str, start: float, end: float) -> list[SimMessage]:
        return [m for m in self.messages.values()
                if m.login == login and start <= m.created <= end]

    def _statistic(self, params: dict[str, str]) -> Any:
        login = self._account(params)
        start = _parse_date(params.get("startdatetime"), "startDateTime")
        end = _parse_date(params.get("enddatetime"), "endDateTime")
        rows = self._period(login, start, end)
        counts = {state: sum(1 for m in rows if m.state == state) for state in (-1, 0, 42, 46)}
        sent = len(rows)
        return {"Sent": sent, "Delivered": counts[0], "NotDelivered": counts[42],
                "InProgress": counts[-1], "Expired": counts[46],
                "DeliveryRatio": round(counts[0] * 100 / sent) if sent else 0}

    def _all_stat(self, params: dict[str, str]) -> Any:
        from werkzeug.wrappers import Response

        sid = params.get("sessionid")
        found = self.sessions.get(sid or "")
        if found is None or self.clock() - found[1] >= SESSION_LIFETIME:
            raise _TextError("SessionID expired")
        login = found[0]
        if "id_report" in params:
            report = self.reports.get(int(params["id_report"])) if params[
                "id_report"].isdigit() else None
            if report is None or report.login != login:
                raise _TextError("Id report not found")
            if report.polls_left > 0:
                report.polls_left -= 1
                raise _TextError("Report is not ready yet")
            lines = ["id;phone;sender;text;state"] + [
                f"{m.id};{m.recipient};{m.sender};{m.text};{m.state}" for m in report.rows]
            content = ("\r\n".join(lines) + "\r\n").encode("utf-8")
            kind = ("text/csv" if report.file_format == "0"
                    else "application/vnd.ms-excel")
            return Response(content, status=200, content_type=kind)
        start_text = params.get("starttime") or params.get("startdatetime")
        end_text = params.get("endtime") or params.get("enddatetime")
        if not start_text:
            raise _TextError("StartDateTime can not be null or empty\r\n"
                             "Parameter name: startDateTime")
        if not end_text:
            raise _TextError("EndDateTime can not be null or empty\r\n"
                             "Parameter name: endDateTime")
        try:
            start = _parse_date(start_text, "startTime")
        except _Error:
            raise _TextError("Not correct format startTime") from None
        try:
            end = _parse_date(end_text, "endTime")
        except _Error:
            raise _TextError("Not correct format endTime") from None
        phone = params.get("phone")
        if phone is not None and not phone.isdigit():
            raise _TextError("Phone must be numeric")
        if phone is not None and not 7 <= len(phone) <= 15:
            raise _TextError("Not correct length phone")
        if params.get("type_load", "0") not in ("0", "1"):
            raise _TextError("Bad Request")
        pending = [r for r in self.reports.values() if r.login == login and r.polls_left > 0]
        if len(pending) >= 2:
            raise _TextError("More than 2 reports at once are not allowed, make request later")
        wanted = {"deliver": 0, "not_deliver": 42, "expired": 46, "sent": -1}
        rows = [m for m in self._period(login, start, end)
                if (phone is None or m.recipient == phone)
                and (params.get("state") is None or m.state == wanted.get(params["state"]))]
        report = _Report(id=next(self._report_ids), login=login,
                         file_format=params.get("type_load", "0"), rows=rows,
                         polls_left=self.report_polls)
        self.reports[report.id] = report
        return _Raw(report.id)
