"""Devino's answers: every one is JSON, and an error is ``{"Code": n, "Desc": "..."}``
whatever the HTTP status says (read by :func:`smsbridge.sessionkit.read_code_desc`)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from smsbridge.answers import Answer
from smsbridge.models import (
    Balance,
    DeliveryState,
    IncomingMessage,
    Message,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.parsing import as_int, as_str, parse_decimal
from smsbridge.sessionkit import message_ids, parse_dotnet_date, read_code_desc, session_id
from smsbridge.text import segments
from smsbridge_devino.errors import PROVIDER_ERRORS, refine, state_for

__all__ = [
    "ID_SEPARATOR",
    "aggregate",
    "parse_balance",
    "parse_incoming",
    "parse_send",
    "parse_session",
    "parse_state",
    "parse_statistics",
    "read",
]

logger = logging.getLogger(__name__)

#: Joins a recipient's segment ids into its one message id.
ID_SEPARATOR = ","

# The document prints errors with bare keys ({ Code: 4, Desc: "..." }); read that too.
_LOOSE_ERROR = re.compile(
    r'^\s*\{\s*"?Code"?\s*:\s*"?\s*(-?\d+)\s*"?\s*,\s*"?Desc"?\s*:\s*"((?:[^"\\]|\\.)*)"\s*\}\s*$',
    re.IGNORECASE | re.DOTALL,
)
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


def read(answer: Answer) -> Any:
    """The JSON payload of an answer; a provider error code raises its mapped error.

    The body's code is trusted over the HTTP status; an error status without a code
    raises the core's HTTP error.
    """
    return read_code_desc(answer, PROVIDER_ERRORS, refine=refine, repair=_loose_error)


def parse_session(answer: Answer) -> str:
    """The new session id of a login answer (a JSON string)."""
    return session_id(answer, read)


def parse_balance(answer: Answer) -> Balance:
    """The account balance (a bare JSON number, sometimes a string)."""
    payload = read(answer)
    with answer.reading("balance"):
        if isinstance(payload, (dict, list)):
            raise ValueError("expected a number")
        amount = parse_decimal(payload)
        if amount is None:
            raise ValueError("empty balance")
    return Balance(amount=amount, currency=None, raw=payload)


def parse_send(answer: Answer, messages: Sequence[Message],
               provider: str) -> list[SentMessage]:
    """Split the segment ids of a send answer among its recipients, in order."""
    ids = message_ids(answer, read(answer))
    count = len(messages)
    if len(ids) % count:
        raise answer.invalid(
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


def _date(value: Any) -> datetime | None:
    parsed = parse_dotnet_date(value)
    if parsed is not None and parsed.year == _MIN_DATE_YEAR:
        return None
    return parsed


def parse_state(answer: Answer, segment_id: str) -> StatusReport:
    """Read one ``Sms/State`` answer."""
    payload = read(answer)
    with answer.reading("state"):
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


def parse_incoming(answer: Answer) -> list[IncomingMessage]:
    """Read an ``Sms/In`` answer (null when nothing came)."""
    payload = read(answer)
    with answer.reading("incoming messages"):
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


def parse_statistics(answer: Answer) -> Statistics:
    """Read an ``Sms/Statistics`` answer."""
    payload = read(answer)
    with answer.reading("statistics"):
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
