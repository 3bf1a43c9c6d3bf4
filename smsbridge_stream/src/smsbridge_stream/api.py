"""Stream Telecom REST API: paths and requests (pure: no I/O).

Every request but the login carries ``sessionId`` (the first argument of each builder,
as :meth:`smsbridge.sessionkit.SessionProvider.call` passes it): in the query of a GET,
in the form of a POST. The answers are read by :mod:`smsbridge_stream.parse`, whose
parsers are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from smsbridge.models import DeliveryState, Message
from smsbridge.parsing import format_utc, format_wall_clock, whole_minutes
from smsbridge.transport import Request
from smsbridge_stream.parse import (
    parse_balance,
    parse_ids,
    parse_incoming,
    parse_report_file,
    parse_report_id,
    parse_session,
    parse_state,
    parse_statistics,
)

__all__ = [
    "DATE_FORMAT",
    "REPORT_FORMATS",
    "REPORT_STATES",
    "PlannedRequest",
    "balance_request",
    "detailed_report_file_request",
    "detailed_report_request",
    "format_utc",
    "inbox_request",
    "login_request",
    "parse_balance",
    "parse_ids",
    "parse_incoming",
    "parse_report_file",
    "parse_report_id",
    "parse_session",
    "parse_state",
    "parse_statistics",
    "plan_requests",
    "report_request",
    "send_request",
    "state_request",
]

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

SESSION_PATH = "Session/session.php"
BALANCE_PATH = "Balance/"
SEND_SMS_PATH = "Send/SendSms/"
SEND_BY_TIME_PATH = "Send/SendByTime/"
SEND_BULK_PATH = "Send/SendBulk/"
SEND_PACKET_PATH = "Send/SendBulkPacket/"
STATE_PATH = "State/"
INCOMING_PATH = "Incoming/"
STATISTIC_PATH = "Statistic/"
DETAILED_REPORT_PATH = "Statistic/all_stat.php"

#: ``state`` of a detailed report, by its document name or a DeliveryState value.
REPORT_STATES = {
    "deliver": "deliver", "not_deliver": "not_deliver", "expired": "expired", "sent": "sent",
    DeliveryState.DELIVERED.value: "deliver", DeliveryState.UNDELIVERED.value: "not_deliver",
    DeliveryState.EXPIRED.value: "expired",
}
#: ``type_load`` of a detailed report's file.
REPORT_FORMATS = {"csv": "0", "xls": "1"}


def _get(path: str, session_id: str, fields: Mapping[str, str]) -> Request:
    return Request(method="GET", path=path, params={"sessionId": session_id, **fields})


def _post(path: str, session_id: str, fields: Mapping[str, str]) -> Request:
    return Request(method="POST", path=path, data={"sessionId": session_id, **fields})


def login_request(login: str, password: str) -> Request:
    """The login (a POST: the password never goes in a URL); answers a session id."""
    return Request(method="POST", path=SESSION_PATH,
                   data={"login": login, "password": password})


def balance_request(session_id: str) -> Request:
    """The account balance."""
    return _get(BALANCE_PATH, session_id, {})


def state_request(session_id: str, message_id: str) -> Request:
    """The state of one message."""
    return _get(STATE_PATH, session_id, {"messageId": message_id})


def inbox_request(session_id: str, start: datetime, end: datetime) -> Request:
    """The messages received between two times."""
    return _get(INCOMING_PATH, session_id,
                {"minDateUTC": format_utc(start), "maxDateUTC": format_utc(end)})


def report_request(session_id: str, start: datetime, end: datetime) -> Request:
    """The counts of the messages sent between two times."""
    return _get(STATISTIC_PATH, session_id,
                {"startDateTime": format_utc(start), "endDateTime": format_utc(end)})


def detailed_report_request(
    session_id: str,
    start: datetime,
    end: datetime,
    *,
    state: str | None = None,
    phone: str | None = None,
    address_base: bool = False,
    sub_accounts: bool = False,
    file_format: str = "csv",
) -> Request:
    """Ask for a detailed report to be built (the driver checked the arguments)."""
    fields = {"startTime": format_utc(start), "endTime": format_utc(end)}
    if state is not None:
        fields["state"] = REPORT_STATES[state]
    if phone is not None:
        fields["phone"] = phone.lstrip("+")
    fields["c_base"] = "1" if address_base else "0"
    fields["sub_stat"] = "1" if sub_accounts else "0"
    fields["type_load"] = REPORT_FORMATS[file_format]
    return _post(DETAILED_REPORT_PATH, session_id, fields)


def detailed_report_file_request(session_id: str, report_id: str) -> Request:
    """The file of a detailed report."""
    return _get(DETAILED_REPORT_PATH, session_id, {"id_report": report_id})


def send_request(session_id: str, planned: PlannedRequest) -> Request:
    """One planned send request."""
    return _post(planned.path, session_id, planned.fields)


@attrs.frozen(kw_only=True)
class PlannedRequest:
    """One send request: its path, form fields (without the session) and recipients."""

    path: str
    fields: dict[str, str]
    indexes: tuple[int, ...]


def _common(message: Message) -> dict[str, str]:
    fields = {"sourceAddress": message.sender or ""}
    if message.validity is not None:
        fields["validity"] = str(whole_minutes(message.validity))
    return fields


def _single(message: Message, index: int) -> PlannedRequest:
    fields = {**_common(message), "destinationAddress": message.to, "data": message.text}
    if message.options.get("local_time"):
        assert message.send_at is not None  # check_message() demands it
        fields["sendDate"] = format_wall_clock(message.send_at)
        return PlannedRequest(path=SEND_BY_TIME_PATH, fields=fields, indexes=(index,))
    if message.send_at is not None:
        fields["sendDate"] = format_utc(message.send_at)
    return PlannedRequest(path=SEND_SMS_PATH, fields=fields, indexes=(index,))


def plan_requests(messages: Sequence[Message]) -> list[PlannedRequest]:
    """Split a chunk into as few documented send requests as possible.

    Messages sharing sender, validity, send time and local-time mode go together:
    one text to many numbers is ``SendBulk``, different texts are ``SendBulkPacket``.
    Neither takes a ``sendDate`` and ``SendByTime`` takes one number, so scheduled and
    local-time messages go one ``SendSms``/``SendByTime`` request each.
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, message in enumerate(messages):
        key = (message.sender, message.validity, message.send_at,
               bool(message.options.get("local_time")))
        groups.setdefault(key, []).append(index)
    planned: list[PlannedRequest] = []
    for (_, _, send_at, local_time), indexes in groups.items():
        first = messages[indexes[0]]
        if send_at is not None or local_time or len(indexes) == 1:
            planned.extend(_single(messages[i], i) for i in indexes)
        elif len({messages[i].text for i in indexes}) == 1:
            fields = {**_common(first),
                      "destinationAddresses": ",".join(messages[i].to for i in indexes),
                      "data": first.text}
            planned.append(PlannedRequest(path=SEND_BULK_PATH, fields=fields,
                                          indexes=tuple(indexes)))
        else:
            packet = {"sms": [{"phone": messages[i].to, "text": messages[i].text}
                              for i in indexes]}
            fields = {**_common(first),
                      "phone_data": json.dumps(packet, ensure_ascii=False)}
            planned.append(PlannedRequest(path=SEND_PACKET_PATH, fields=fields,
                                          indexes=tuple(indexes)))
    planned.sort(key=lambda r: r.indexes[0])
    return planned


