"""Devino's wire protocol: paths, request building and answer parsing.

Every request but the login carries a session id; every answer is JSON, and an error
is ``{"Code": n, "Desc": "..."}`` whatever the HTTP status says.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from smsbridge.answers import Answer, Requester, read_code_desc
from smsbridge.models import (
    Balance,
    DeliveryState,
    IncomingMessage,
    Message,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.parsing import (
    as_int,
    as_str,
    format_utc,
    format_wall_clock,
    parse_decimal,
    parse_dotnet_date,
    whole_minutes,
)
from smsbridge.text import segments
from smsbridge_devino.errors import PROVIDER_ERRORS, refine, state_for

__all__ = [
    "DATE_FORMAT",
    "ID_SEPARATOR",
    "aggregate",
    "balance",
    "incoming",
    "login",
    "parse_send",
    "parse_state",
    "read",
    "send",
    "send_form",
    "send_path",
    "split_message_id",
    "state",
    "statistics",
]

logger = logging.getLogger(__name__)

#: How the provider writes DateTime parameters (``2011-01-28T16:00:00``).
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
#: Joins a recipient's segment ids into its one message id.
ID_SEPARATOR = ","

# The document prints errors with bare keys ({ Code: 4, Desc: "..." }); read that too.
_LOOSE_ERROR = re.compile(
    r'^\s*\{\s*"?Code"?\s*:\s*"?\s*(-?\d+)\s*"?\s*,\s*"?Desc"?\s*:\s*"((?:[^"\\]|\\.)*)"\s*\}\s*$',
    re.IGNORECASE | re.DOTALL,
)
# What a segment id looks like (digits, dotted in some answers: "1.2").
_SEGMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")
# .NET's DateTime.MinValue: the provider's way of saying "no date".
_MIN_DATE_YEAR = 1
# Ranks for aggregating the states of a message's segments: the lowest wins, and a
# message is delivered only when every segment is.
_PROGRESS = {
    DeliveryState.UNKNOWN: 0,
    DeliveryState.QUEUED: 1,
    DeliveryState.SENT: 2,
    DeliveryState.REJECTED: 3,
    DeliveryState.UNDELIVERED: 3,
    DeliveryState.EXPIRED: 3,
    DeliveryState.CANCELED: 3,
    DeliveryState.DELIVERED: 4,
    DeliveryState.READ: 5,
}


def _loose_error(text: str) -> dict[str, Any] | None:
    """Read the document's bare-key error form, ``{ Code: 4, Desc: "..." }``."""
    match = _LOOSE_ERROR.match(text.lstrip("\ufeff"))
    if match is None:
        return None
    try:
        desc = json.loads(f'"{match.group(2)}"')
    except ValueError:
        desc = match.group(2)
    return {"Code": match.group(1), "Desc": desc}


def read(response: Answer) -> Any:
    """The JSON payload of an answer; a provider error code raises its mapped error.

    The body's code is trusted over the HTTP status; an error status without a code
    raises the core's HTTP error.
    """
    return read_code_desc(response, PROVIDER_ERRORS, refine=refine, repair=_loose_error)


# -- session -----------------------------------------------------------------------


def login(transport: Requester, user: str, password: str) -> str:
    """Log in and return a new session id (a JSON string in the answer)."""
    response = transport.request(
        "GET", "user/sessionid", operation="login",
        params={"login": user, "password": password},
    )
    payload = read(response)
    session_id = as_str(payload) if isinstance(payload, str) else None
    if not session_id:
        raise response.invalid("expected the session id as a JSON string")
    return session_id


# -- balance -----------------------------------------------------------------------


def balance(transport: Requester, session_id: str) -> Balance:
    """Fetch the account balance (a bare JSON number, sometimes a string)."""
    response = transport.request("GET", "User/Balance", operation="balance",
                                 params={"SessionID": session_id})
    payload = read(response)
    with response.reading("balance"):
        if isinstance(payload, (dict, list)):
            raise ValueError("expected a number")
        amount = parse_decimal(payload)
        if amount is None:
            raise ValueError("empty balance")
    return Balance(amount=amount, currency=None, raw=payload)


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


def send(transport: Requester, session_id: str, messages: Sequence[Message],
         provider: str) -> list[SentMessage]:
    """Send one chunk (same text for every recipient); one SentMessage per recipient."""
    response = transport.request(
        "POST", send_path(messages), operation="send",
        data=send_form(messages, session_id), send=True, idempotent=False,
    )
    payload = read(response)
    return parse_send(response, payload, messages, provider)


def parse_send(response: Answer, payload: Any, messages: Sequence[Message],
               provider: str) -> list[SentMessage]:
    """Split the segment ids of a send answer among its recipients, in order."""
    items = payload if isinstance(payload, list) else [payload]
    # Ids arrive as strings or as bare numbers; anything else is not an id.
    if not items or not all(isinstance(i, (str, int)) and not isinstance(i, bool)
                            for i in items):
        raise response.invalid("expected a list of message ids")
    ids = [str(i).strip() for i in items]
    if not all(ids):
        raise response.invalid("an empty message id")
    count = len(messages)
    if len(ids) % count:
        raise response.invalid(
            f"{len(ids)} segment ids cannot be shared among {count} recipients")
    per_recipient = len(ids) // count
    expected = segments(messages[0].text).parts
    if per_recipient != expected:
        logger.debug("devino counted %d segments per recipient where %d were expected",
                     per_recipient, expected)
    results = []
    for index, message in enumerate(messages):
        own = ids[index * per_recipient:(index + 1) * per_recipient]
        results.append(SentMessage(
            recipient=message.to, message_id=ID_SEPARATOR.join(own), parts=per_recipient,
            provider=provider, reference=message.reference, raw=own,
        ))
    return results


# -- status ------------------------------------------------------------------------


def split_message_id(message_id: str) -> list[str]:
    """The segment ids a message id joins; empty pieces give an empty list."""
    pieces = [p.strip() for p in message_id.split(ID_SEPARATOR)]
    return pieces if all(_SEGMENT_ID.match(p) for p in pieces) else []


def _date(value: Any) -> datetime | None:
    parsed = parse_dotnet_date(value)
    if parsed is not None and parsed.year == _MIN_DATE_YEAR:
        return None
    return parsed


def state(transport: Requester, session_id: str, segment_id: str) -> StatusReport:
    """Fetch the state of one segment."""
    response = transport.request("GET", "Sms/State", operation="status",
                                 params={"sessionId": session_id, "messageId": segment_id})
    payload = read(response)
    return parse_state(response, payload, segment_id)


def parse_state(response: Answer, payload: Any, segment_id: str) -> StatusReport:
    """Read one ``Sms/State`` answer."""
    with response.reading("state"):
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object")
        code = as_int(payload["State"])
        if code is None:
            raise ValueError("State is empty")
        delivered = state_for(code) is DeliveryState.DELIVERED
        return StatusReport(
            message_id=segment_id,
            state=state_for(code),
            provider_state=str(code),
            description=as_str(payload.get("StateDescription")),
            sent_at=_date(payload.get("SubmittedDateUtc")),
            delivered_at=_date(payload.get("ReportedDateUtc")) if delivered else None,
            price=parse_decimal(payload.get("Price")),
            raw=payload,
        )


def aggregate(message_id: str, parts: Sequence[StatusReport]) -> StatusReport:
    """One report for a message from its segments' reports.

    Delivered only when every segment is; otherwise the least advanced segment speaks
    (a failed segment once every segment is final).
    """
    if len(parts) == 1:
        only = parts[0]
        return StatusReport(
            message_id=message_id, state=only.state, provider_state=only.provider_state,
            description=only.description, sent_at=only.sent_at,
            delivered_at=only.delivered_at, price=only.price, raw=only.raw,
        )
    lead = min(parts, key=lambda p: _PROGRESS[p.state])
    prices = [p.price for p in parts if p.price is not None]
    sent = [p.sent_at for p in parts if p.sent_at is not None]
    delivered = [p.delivered_at for p in parts if p.delivered_at is not None]
    return StatusReport(
        message_id=message_id,
        state=lead.state,
        provider_state=lead.provider_state,
        description=lead.description,
        sent_at=min(sent) if sent else None,
        delivered_at=(max(delivered) if lead.state is DeliveryState.DELIVERED
                      and len(delivered) == len(parts) else None),
        price=sum(prices, Decimal(0)) if prices else None,
        raw=[p.raw for p in parts],
    )


# -- inbox and statistics ----------------------------------------------------------


def incoming(transport: Requester, session_id: str, start: datetime,
             end: datetime) -> list[IncomingMessage]:
    """List the messages received between two datetimes."""
    response = transport.request(
        "GET", "Sms/In", operation="inbox",
        params={"sessionId": session_id, "minDateUTC": format_utc(start),
                "maxDateUTC": format_utc(end)},
    )
    payload = read(response)
    with response.reading("incoming messages"):
        if payload is None:
            return []
        if not isinstance(payload, list):
            raise ValueError("expected a JSON list")
        return [_incoming(item) for item in payload]


def _incoming(item: Any) -> IncomingMessage:
    if not isinstance(item, dict):
        raise ValueError("expected JSON objects")
    # The document says CreateDateUtc, the vendor's model CreationDateUtc, answers seen
    # in the wild CreatedDateUtc.
    created = next((item[k] for k in ("CreateDateUtc", "CreatedDateUtc", "CreationDateUtc")
                    if k in item), None)
    text = item["Data"]
    if not isinstance(text, str):
        raise ValueError("Data is not text")
    return IncomingMessage(
        id=as_str(item.get("ID")),
        sender=as_str(item.get("SourceAddress")),
        recipient=as_str(item.get("DestinationAddress")),
        text=text,
        received_at=_date(created),
        raw=item,
    )


def statistics(transport: Requester, session_id: str, start: datetime,
               end: datetime) -> Statistics:
    """Summarize the messages sent between two datetimes."""
    response = transport.request(
        "GET", "Sms/Statistics", operation="report",
        params={"sessionId": session_id, "startDateTime": format_utc(start),
                "endDateTime": format_utc(end)},
    )
    payload = read(response)
    with response.reading("statistics"):
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object")
        if not any(k in payload for k in ("Total", "Sent", "Delivered")):
            raise ValueError("no counts in the statistics")
        return Statistics(
            sent=as_int(payload.get("Sent")),
            delivered=as_int(payload.get("Delivered")),
            undelivered=as_int(payload.get("Errors")),
            in_progress=as_int(payload.get("InProcess")),
            expired=as_int(payload.get("Expired")),
            rejected=as_int(payload.get("Rejected")),
            total=as_int(payload.get("Total")),
            raw=payload,
        )

