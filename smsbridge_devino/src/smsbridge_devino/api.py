"""Devino's wire protocol: paths and requests (pure: no I/O).

Every request but the login carries a session id (the first argument of each builder,
as :meth:`smsbridge.sessionkit.SessionProvider.call` passes it); the answers are read
by the parsers of :mod:`smsbridge_devino.parse`, re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from smsbridge.models import Message
from smsbridge.parsing import format_utc, format_wall_clock, whole_minutes
from smsbridge.transport import Request
from smsbridge_devino.parse import (
    ID_SEPARATOR,
    aggregate,
    parse_balance,
    parse_incoming,
    parse_send,
    parse_session,
    parse_state,
    parse_statistics,
    read,
)

__all__ = [
    "DATE_FORMAT",
    "ID_SEPARATOR",
    "aggregate",
    "balance_request",
    "inbox_request",
    "login_request",
    "parse_balance",
    "parse_incoming",
    "parse_send",
    "parse_session",
    "parse_state",
    "parse_statistics",
    "read",
    "send_form",
    "send_path",
    "send_request",
    "split_message_id",
    "state_request",
    "statistics_request",
]

#: How the provider writes DateTime parameters (``2011-01-28T16:00:00``).
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

# What a segment id looks like (digits, dotted in some answers: "1.2").
_SEGMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")


def login_request(user: str, password: str) -> Request:
    """The login: the answer is a new session id (a JSON string)."""
    return Request(method="GET", path="user/sessionid",
                   params={"login": user, "password": password})


def balance_request(session_id: str) -> Request:
    """The account balance (a bare JSON number, sometimes a string)."""
    return Request(method="GET", path="User/Balance", params={"SessionID": session_id})


# -- sending -----------------------------------------------------------------------


def send_path(messages: Sequence[Message]) -> str:
    """The endpoint a chunk goes to: one number or many, by recipient time zone or not."""
    local = bool(messages[0].options.get("local_time"))
    if len(messages) == 1:
        return "Sms/SendByTimeZone" if local else "Sms/Send"
    return "Sms/SendByTimeZoneToAddresses" if local else "Sms/SendBulk"


def send_form(messages: Sequence[Message], session_id: str) -> list[tuple[str, str]]:
    """The form fields of a send; many recipients repeat ``DestinationAddresses``."""
    first = messages[0]
    form: list[tuple[str, str]] = [("SessionID", session_id),
                                   ("SourceAddress", first.sender or "")]
    if len(messages) == 1:
        form.append(("DestinationAddress", first.to))
    else:
        form.extend(("DestinationAddresses", m.to) for m in messages)
    form.append(("Data", first.text))
    if first.send_at is not None:
        # By recipient time zone the provider reads SendDate as the recipients' clock
        # time; otherwise as UTC.
        local = bool(first.options.get("local_time"))
        when = format_wall_clock(first.send_at) if local else format_utc(first.send_at)
        form.append(("SendDate", when))
    if first.validity is not None:
        form.append(("Validity", str(whole_minutes(first.validity))))
    return form


def send_request(session_id: str, messages: Sequence[Message]) -> Request:
    """One chunk (same text for every recipient) to Sms/Send or a bulk endpoint."""
    return Request(method="POST", path=send_path(messages),
                   data=send_form(messages, session_id))


# -- queries -----------------------------------------------------------------------


def split_message_id(message_id: str) -> list[str]:
    """The segment ids a message id joins; empty pieces give an empty list."""
    pieces = [p.strip() for p in message_id.split(ID_SEPARATOR)]
    return pieces if all(_SEGMENT_ID.match(p) for p in pieces) else []


def state_request(session_id: str, segment_id: str) -> Request:
    """The state of one segment."""
    return Request(method="GET", path="Sms/State",
                   params={"sessionId": session_id, "messageId": segment_id})


def inbox_request(session_id: str, start: datetime, end: datetime) -> Request:
    """The messages received between two datetimes."""
    return Request(method="GET", path="Sms/In",
                   params={"sessionId": session_id, "minDateUTC": format_utc(start),
                           "maxDateUTC": format_utc(end)})


def statistics_request(session_id: str, start: datetime, end: datetime) -> Request:
    """A summary of the messages sent between two datetimes."""
    return Request(method="GET", path="Sms/Statistics",
                   params={"sessionId": session_id, "startDateTime": format_utc(start),
                           "endDateTime": format_utc(end)})
