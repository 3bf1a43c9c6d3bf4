"""A local simulator of Devino's REST API (integrationapi.net/rest) on the simulator kit.

It reads requests as the platform (ASP.NET MVC) does and follows the provider document
elsewhere (the README's "Simulator" section says which source each behaviour follows).
A message moves one step per ``Sms/State`` query of any of its segments (queued -2 ->
sent -1 -> delivered 0) unless ``deliver_after`` is set::

    sim = DevinoSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("devino", **sim.client_settings(url))

Needs werkzeug (``pip install "smsbridge-devino[simulator]"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from smsbridge.testing.accounts import Account, Money
from smsbridge.testing.answers import Refusal, whole
from smsbridge.testing.dotnet import (
    HTTP_STATUS,
    NEVER,
    DotNetSimulator,
    Params,
    dotnet_date,
    null_entry,
    utc_timestamp,
)
from smsbridge.testing.inbox import ratio, tally
from smsbridge.testing.messages import MessageRecord
from smsbridge.testing.routes import route
from smsbridge.text import segments

__all__ = ["DEMO_LOGIN", "DEMO_PASSWORD", "DEMO_SENDER", "HTTP_STATUS", "DevinoSimulator",
           "SimulatedMessage"]

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_SENDER = "DEVINO"

#: The kit's record under the name this module always exported.
SimulatedMessage = MessageRecord

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
_COUNTS = ("Sent", "Delivered", "Errors", "InProcess", "Expired", "Rejected")
_NAMED_CODES = {"delivered": DELIVERED, "undelivered": 11, "expired": 46, "rejected": 48}
_SENDER = re.compile(r"^(?:[0-9]{1,15}|(?=.*[A-Za-z])[A-Za-z0-9 .\-_&'!]{1,11})$")
_NUMBER = re.compile(r"^\+?[0-9]{10,15}$")
_DAY = 24 * 60 * 60
#: The send endpoints by the lower-case path part that names them.
_SENDS = {name.lower(): name for name in
          ("Send", "SendBulk", "SendByTimeZone", "SendByTimeZoneToAddresses")}
#: Sms/In's action as the MVC binder names it when a date is missing (code 9).
_IN_ACTION = ("'System.Web.Mvc.ActionResult In(System.String, DateTime, DateTime)' in "
              "'RestService.Controllers.SmsController'")
_UNKNOWN_STATE = {"State": UNKNOWN, "CreationDateUtc": None, "SubmittedDateUtc": None,
                  "ReportedDateUtc": None, "TimeStampUtc": NEVER,
                  "StateDescription": _DESCRIPTIONS[UNKNOWN], "Price": None}


def _date(value: str) -> float:
    found = utc_timestamp(value.strip().replace(" ", "T"), ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"))
    if found is None:
        raise Refusal(2, f"Invalid argument: {value!r} is not a date")
    return found


def _final_state(code: int) -> str:
    """The ledger state of a final wire ``code``."""
    if code == DELIVERED:
        return "delivered"
    return "undelivered" if code in _FAILED else "unknown"


class DevinoSimulator(DotNetSimulator):
    """Devino's REST API on 127.0.0.1: serve it with :meth:`serve`.

    :param accounts: login -> password; the demo account by default.
    :param balance: starting balance of every account.
    :param price: charged per segment sent.
    :param clock: epoch seconds; drives sessions, dates, scheduled sends and progression.
    """

    root = "/rest"
    first_id = 579700854169272358
    first_incoming_id = 539187174
    demo_sender = DEMO_SENDER

    def __init__(self, *, accounts: Mapping[str, str] | None = None,
                 balance: Money = Decimal("100"), price: Money = Decimal("0.5"),
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(accounts=accounts or {DEMO_LOGIN: DEMO_PASSWORD}, clock=clock,
                         balance=balance, price=price)
        #: Number -> the final state code messages to it end in (see :meth:`fail`).
        self.failure_codes: dict[str, int] = {}

    @property
    def price(self) -> Decimal:
        """The demo account's price per segment."""
        return self.account.price

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

    # -- the wire -------------------------------------------------------------------

    @route("/user/sessionid", methods=("GET", "POST"))
    def _login(self, params: Params) -> str:
        account = self.log_in(self.required(params, "login"), self.required(params, "password"))
        return self.sessions.open(account.login)

    @route("/user/balance")
    def _balance(self, params: Params) -> float:
        return float(self._session(params).balance)

    def _session(self, params: Params) -> Account:
        return self.session_account(self.required(params, "SessionID"))

    @route(f"/sms/<any({', '.join(_SENDS)}):action>", methods=("POST",))
    def _send(self, params: Params, action: str) -> list[str]:
        endpoint = _SENDS[action]
        bulk, by_zone = endpoint.endswith(("Bulk", "Addresses")), "TimeZone" in endpoint
        sender = self.required(params, "SourceAddress")
        if bulk:
            numbers = [n for n in params.get("destinationaddresses", []) if n]
            if not numbers:
                raise self.missing("DestinationAddresses")
        else:
            numbers = [self.required(params, "DestinationAddress")]
        text = self.required(params, "Data")
        send_date = (self.required(params, "SendDate") if by_zone
                     else self.value(params, "SendDate"))
        validity = self.value(params, "Validity")
        account = self._session(params)
        parts = segments(text).parts
        if not account.can_pay(account.cost(parts, len(numbers))):
            raise Refusal(5, "Not enough credits")
        if not all(_NUMBER.match(number) for number in numbers):
            raise Refusal(6, "Invalid destination address")
        if not _SENDER.match(sender):
            raise Refusal(6, "Invalid source address")
        if len(text) > 2000:
            raise Refusal(2, "Invalid argument: the message is longer than 2000 characters")
        if validity and whole(validity) is None:
            raise Refusal(2, f"Invalid argument: Validity {validity!r}")
        now = self.clock()
        due = _date(send_date) if send_date else now
        extra = {"endpoint": endpoint, "validity": whole(validity) if validity else None,
                 "send_at": due if send_date else None}
        ids: list[str] = []
        for number in (n.lstrip("+") for n in numbers):
            # Devino gives every segment an id: the message is known by each of them.
            segment_ids = [self.ids.next() for _ in range(parts)]
            (record,) = self.record(
                account, [number], unpaid=Refusal(5, "Not enough credits"),
                id=",".join(segment_ids), text=text, sender=sender, not_before=max(now, due),
                extra={**extra, "code": self.failure_codes.get(number, DELIVERED)})
            self.messages.alias(record, segment_ids)
            ids.extend(segment_ids)
        return ids

    @route("/sms/state", methods=("GET", "POST"))
    def _state(self, params: Params) -> dict[str, Any]:
        message_id = self.required(params, "messageId", shown="MessageID")
        found = self.messages.find(message_id, self._session(params).login)
        if not found:
            return dict(_UNKNOWN_STATE)  # the platform's answer, not an error
        record = found[0]
        timed = self.deliver_after is not None
        if timed:
            self.look([record])
        answer = {
            "State": _code(record),
            "CreationDateUtc": dotnet_date(record.accepted_at),
            "SubmittedDateUtc": dotnet_date(record.reached("sent")),
            "ReportedDateUtc": dotnet_date(record.reached(record.path[-1])),
            "TimeStampUtc": dotnet_date(self.clock()),
            "StateDescription": _DESCRIPTIONS.get(_code(record), ""),
            "Price": float(record.cost / record.parts),
        }
        if not timed:  # one step per query, shown from the next one on
            self.look([record])
        return answer

    @route("/sms/in")
    def _incoming(self, params: Params) -> list[dict[str, Any]]:
        min_text, max_text = self.value(params, "minDateUTC"), self.value(params, "maxDateUTC")
        self._session(params)  # every account sees the same simulated inbox
        if not max_text:
            raise Refusal(9, null_entry("maxDateUtc", _IN_ACTION))
        if not min_text:
            raise Refusal(9, null_entry("minDateUtc", _IN_ACTION))
        start, end = _date(min_text), _date(max_text)
        if self.clock() - start > 365 * _DAY:
            raise Refusal(2, "Invalid argument: minDateUTC is more than one year ago")
        if end <= start:
            raise Refusal(2, "Invalid argument: maxDateUTC must be after minDateUTC")
        return [{"Data": m.text, "SourceAddress": m.sender, "DestinationAddress": m.recipient,
                 "ID": str(m.id), "CreateDateUtc": dotnet_date(m.created)}
                for m in self.incoming.between(start, end)]

    @route("/sms/statistics")
    def _statistics(self, params: Params) -> dict[str, Any]:
        start_text = self.required(params, "startDateTime")
        end_text = self.required(params, "endDateTime")
        login = self._session(params).login
        start, end = _date(start_text), _date(end_text)
        if end < start:
            raise Refusal(2, "Invalid argument: endDateTime is before startDateTime")
        if end - start > 90 * _DAY:
            raise Refusal(2, "Нельзя указывать диапазон дат более 90 дней.")
        chosen = self.messages_between(start, end, login)
        # Devino counts segments: each one has its own id and state.
        counts = tally((code for r in chosen for code in [_code(r)] * r.parts), _COUNTED_AS,
                       _COUNTS, default="InProcess")
        total = sum(counts.values())
        return {**counts, "Total": total, "TotalWithErrors": total,
                "DeliveryRatio": ratio(counts["Delivered"], total)}


def _code(record: MessageRecord) -> int:
    """The wire state code of ``record`` now."""
    if record.is_final:
        return int(record.extra["code"])
    return SENT if record.state == "sent" else QUEUED
