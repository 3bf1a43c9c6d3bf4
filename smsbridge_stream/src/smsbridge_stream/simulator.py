"""A local simulator of the Stream Telecom REST API (``smsbridge simulate stream``).

Paths under ``/rest`` (any letter case, ``.php`` aliases), GET or POST with query or form
parameters, on the simulator kit. It follows the platform where the platform is known to
differ from the document (``stream.txt``): the README's "Simulator" section says which
source each behaviour follows. A message moves one step per ``State`` query (-1 sent,
then 0 delivered, or 42 for ``failing_numbers``) unless ``deliver_after`` is set. Needs
werkzeug (``pip install "smsbridge-stream[simulator]"``).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.testing.accounts import Account, Money
from smsbridge.testing.answers import Refusal, text_answer, whole
from smsbridge.testing.dotnet import (
    JSON_TYPE,
    NEVER,
    DotNetSimulator,
    Params,
    dotnet_date,
    utc_timestamp,
)
from smsbridge.testing.inbox import ratio, tally
from smsbridge.testing.messages import Ids, MessageRecord
from smsbridge.testing.reports import Reports
from smsbridge.testing.routes import route
from smsbridge.testing.sessions import SessionError

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["SESSION_LIFETIME", "StreamSimulator"]

SESSION_LIFETIME = 120 * 60

#: Kit state -> the document's state code and description (section 3.6).
_STATES = {"queued": (-1, "Sent"), "sent": (-1, "Sent"), "delivered": (0, "Delivered"),
           "undelivered": (42, "Not delivered"), "expired": (46, "Expired")}
#: Where Statistic counts a state code.
_COUNTED_AS = {0: "Delivered", 42: "NotDelivered", -1: "InProgress", 46: "Expired"}
#: all_stat's ``state`` filter -> the state code it keeps.
_WANTED = {"deliver": 0, "not_deliver": 42, "expired": 46, "sent": -1}
#: The platform's answer for a message id it does not know.
_UNKNOWN_STATE = {"State": 255, "ReportedDateUtc": NEVER, "StateDescription": "Unknown",
                  "Price": "0"}


def _text(message: str) -> Refusal:
    """A plain-text error, as ``Statistic/all_stat.php`` answers."""
    return Refusal("text", message, text=True)


def _parse_date(value: str, name: str) -> float:
    found = utc_timestamp(value)
    if found is None:
        raise Refusal(2, f"Invalid {name}")
    return found


def _number(number: str) -> str:
    number = number.strip()
    if not number.isdigit() or not 7 <= len(number) <= 15:
        raise Refusal(2, f"Invalid destination address {number}")
    return number


def _code(record: MessageRecord) -> int:
    return _STATES[record.state][0]


class StreamSimulator(DotNetSimulator):
    """Stateful Stream Telecom REST simulator.

    :param accounts: login -> password (default ``{"demo": "demo-password"}``).
    :param balance: starting balance of every account.
    :param price_per_part: what one SMS part costs.
    :param senders: registered sender names (others are refused with code 6).
    :param failing_numbers: numbers whose messages end as 42 (not delivered).
    :param doc_bulk_format: answer SendBulk/SendBulkPacket as the document prints them
        (``[{"1"}, {"2"}]``, not JSON); the default False gives the platform's ``["1", "2"]``.
    :param report_polls: how many fetches of a detailed report answer "not ready".
    :param clock: seconds since the epoch; sessions expire after 120 minutes of it.
    """

    first_id = 371324579
    first_incoming_id = 5126
    inbound_number = "2420"
    session_lifetime = SESSION_LIFETIME
    #: Session ids as the platform issues them: 32 hex digits.
    session_ids = (32, string.digits + "abcdef")
    demo_sender = "DEMO"
    unknown_session = "InvalidSessionID"
    null_separator = "\r\n"
    aspnet_binding = False

    def __init__(self, *, accounts: Mapping[str, str] | None = None,
                 balance: Money = Decimal("100"), price_per_part: Money = Decimal("0.5"),
                 senders: Iterable[str] = ("DEMO", "SMS Info"),
                 failing_numbers: Iterable[str] = (), doc_bulk_format: bool = False,
                 report_polls: int = 1, clock: Callable[[], float] | None = None) -> None:
        super().__init__(accounts=accounts or {"demo": "demo-password"}, clock=clock,
                         balance=balance, price=price_per_part, senders=senders)
        for number in failing_numbers:
            self.fail(number)
        self.doc_bulk_format = doc_bulk_format
        self.report_polls = report_polls
        self.reports = Reports(Ids(12124))

    def missing(self, name: str, shown: str | None = None) -> Refusal:
        """Code 1, the name capitalised in the text, as the platform writes it."""
        return super().missing(name, shown or name[0].upper() + name[1:])

    def refuse(self, refusal: Refusal) -> Response:
        """Answer ``{"Code", "Desc"}`` with the code's HTTP status (or all_stat's text)."""
        if refusal.fields.get("text"):
            return text_answer(refusal.description, content_type="text/plain; charset=utf-8")
        return super().refuse(refusal)

    # -- the wire -------------------------------------------------------------------

    def route_path(self, request: Request) -> str:
        """The path without its ``/rest`` prefix: the platform answers it either way."""
        path = super().route_path(request)
        return path[len("/rest"):] if path.startswith("/rest") else path

    @route("/session", "/session/session.php", methods=("GET", "POST"))
    def _session(self, fields: Params) -> str:
        return self.sessions.open(self._login(fields).login)

    def _login(self, fields: Params) -> Account:
        login = self.required(fields, "login")
        password = self.value(fields, "password" if "password" in fields else "pass")
        if not password:
            raise self.missing("password")
        return self.log_in(login, password)

    def _account(self, fields: Params) -> Account:
        if not self.value(fields, "sessionId") and self.value(fields, "login"):
            return self._login(fields)  # direct authorisation, no session
        return self.session_account(self.required(fields, "sessionId"))

    @route("/balance", "/balance/balance.php", methods=("GET", "POST"))
    def _balance(self, fields: Params) -> Response:
        return text_answer(str(self._account(fields).balance), content_type=JSON_TYPE)

    def _check_common(self, fields: Params) -> tuple[Account, str, int]:
        account = self._account(fields)
        sender = self.required(fields, "sourceAddress")
        if not account.approves(sender):
            raise Refusal(6, "Invalid source address")
        validity = whole(self.value(fields, "validity") or "1440")
        if validity is None or validity < 1:
            raise Refusal(2, "Invalid validity")
        return account, sender, validity

    def _accept(self, common: tuple[Account, str, int], items: list[tuple[str, str]], *,
                send_date: str | None = None, by_local_time: bool = False) -> list[str]:
        account, sender, validity = common
        if any(not text for _, text in items):
            raise self.missing("data")
        records = self.record(account, [{"recipient": number, "text": text}
                                        for number, text in items],
                              unpaid=Refusal(5, "NotEnoughCredits"), sender=sender,
                              extra={"send_date": send_date, "validity": validity,
                                     "by_local_time": by_local_time})
        return [record.id for record in records]

    @route("/send/<any(sendsms, sendbytime):action>", methods=("GET", "POST"))
    def _send_sms(self, fields: Params, action: str) -> Any:
        common, by_local_time = self._check_common(fields), action == "sendbytime"
        number = _number(self.value(fields, "destinationAddress") or "")
        send_date = (self.required(fields, "sendDate") if by_local_time
                     else self.value(fields, "sendDate"))
        if send_date:
            _parse_date(send_date, "sendDate")
        return self._accept(common, [(number, self.value(fields, "data") or "")],
                            send_date=send_date or None, by_local_time=by_local_time)

    @route("/send/<any(sendbulk, sendbulkpacket):action>", methods=("GET", "POST"))
    def _send_bulk(self, fields: Params, action: str) -> Any:
        common, packet = self._check_common(fields), action == "sendbulkpacket"
        if packet:  # SendBulkPacket: phone_data={"sms": [{"phone": ..., "text": ...}]}
            try:
                entries = json.loads(self.value(fields, "phone_data") or "")["sms"]
                items = [(_number(str(e["phone"])), str(e["text"])) for e in entries]
            except (ValueError, KeyError, TypeError):
                raise Refusal(2, "Invalid phone_data") from None
        else:
            numbers = (self.value(fields, "destinationAddresses") or "").split(",")
            items = [(_number(n), self.value(fields, "data") or "") for n in numbers if n.strip()]
        if not items:
            raise self.missing("phone_data" if packet else "destinationAddresses")
        ids = self._accept(common, items)
        if self.doc_bulk_format:
            return text_answer("[" + ", ".join('{"' + i + '"}' for i in ids) + "]",
                               content_type=JSON_TYPE)
        return ids

    @route("/state", "/state/state.php", methods=("GET", "POST"))
    def _state(self, fields: Params) -> Any:
        account = self._account(fields)
        records = self.query(self.required(fields, "messageId"), account.login)
        if not records:  # the platform answers an unknown id as State 255
            return dict(_UNKNOWN_STATE)
        code, description = _STATES[records[0].state]
        return {"State": code, "ReportedDateUtc": dotnet_date(records[0].stamps[-1]),
                "StateDescription": description, "Price": str(records[0].cost)}

    @route("/incoming", "/incoming/incoming.php", methods=("GET", "POST"))
    def _incoming(self, fields: Params) -> Any:
        login = self._account(fields).login
        start, end = (self._date(fields, name) for name in ("minDateUTC", "maxDateUTC"))
        return [{"Prefix": m.prefix, "Data": m.text, "SourceAddress": m.sender,
                 "DestinationAddress": m.recipient, "ID": m.id,
                 "CreatedDateUtc": dotnet_date(m.created)}
                for m in self.incoming.between(start, end, login)]

    @route("/statistic", "/statistic/statistic.php", methods=("GET", "POST"))
    def _statistic(self, fields: Params) -> Any:
        login = self._account(fields).login
        start, end = (self._date(fields, name) for name in ("startDateTime", "endDateTime"))
        codes = [_code(m) for m in self.messages_between(start, end, login)]
        counts = tally(codes, _COUNTED_AS, ("Delivered", "NotDelivered", "InProgress", "Expired"))
        return {"Sent": len(codes), **counts,
                "DeliveryRatio": ratio(counts["Delivered"], len(codes))}

    def _date(self, fields: Params, name: str) -> float:
        return _parse_date(self.required(fields, name), name)

    @route("/statistic/all_stat.php", methods=("GET", "POST"))
    def _all_stat(self, fields: Params) -> Any:
        try:
            login = self.sessions.login_of(self.value(fields, "sessionId") or "")
        except SessionError:
            raise _text("SessionID expired") from None
        report_id = self.value(fields, "id_report")
        if report_id is not None:
            return self._report_file(login, report_id)
        start, end = (self._report_date(fields, edge) for edge in ("start", "end"))
        phone, state = self.value(fields, "phone"), self.value(fields, "state")
        if phone is not None and not phone.isdigit():
            raise _text("Phone must be numeric")
        if phone is not None and not 7 <= len(phone) <= 15:
            raise _text("Not correct length phone")
        file_format = self.value(fields, "type_load") or "0"
        if file_format not in ("0", "1"):
            raise _text("Bad Request")
        if self.reports.pending(login) >= 2:
            raise _text("More than 2 reports at once are not allowed, make request later")
        rows = [m for m in self.messages_between(start, end, login) if phone in (None, m.recipient)
                and (state is None or _code(m) == _WANTED.get(state))]
        report = self.reports.create(rows, login=login, polls=self.report_polls,
                                     file_format=file_format)
        return text_answer(report.id, content_type=JSON_TYPE)

    def _report_date(self, fields: Params, edge: str) -> float:
        value = self.value(fields, f"{edge}time") or self.value(fields, f"{edge}datetime")
        if not value:
            raise _text(f"{edge.title()}DateTime can not be null or empty\r\n"
                        f"Parameter name: {edge}DateTime")
        try:
            return _parse_date(value, f"{edge}Time")
        except Refusal:
            raise _text(f"Not correct format {edge}Time") from None

    def _report_file(self, login: str, report_id: str) -> Response:
        report = self.reports.download(report_id, login, unknown=_text("Id report not found"),
                                       not_ready=_text("Report is not ready yet"))
        lines = ["id;phone;sender;text;state"] + [
            f"{m.id};{m.recipient};{m.sender};{m.text};{_code(m)}" for m in report.rows]
        kind = "text/csv" if report.extra["file_format"] == "0" else "application/vnd.ms-excel"
        return text_answer("\r\n".join(lines) + "\r\n", content_type=kind)
