"""Stream Telecom's answers: JSON, an error is ``{"Code": n, "Desc": "..."}`` whatever
the HTTP status says (read by :func:`smsbridge.sessionkit.read_code_desc`); the detailed
report endpoint answers documented error texts instead."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from smsbridge import jsonutil
from smsbridge.answers import Answer
from smsbridge.errors import (
    InvalidRecipient,
    InvalidSender,
    NotFound,
    ProviderError,
)
from smsbridge.models import (
    Balance,
    DeliveryState,
    IncomingMessage,
    Statistics,
    StatusReport,
)
from smsbridge.parsing import as_int, as_str, parse_decimal
from smsbridge.sessionkit import (
    code_desc,
    message_ids,
    parse_dotnet_date,
    read_code_desc,
    session_id,
)
from smsbridge_stream.errors import (
    LOGIN_ERRORS,
    PROVIDER_ERRORS,
    REPORT_TEXT_ERRORS,
    SESSION_EXPIRED_TEXT,
    STATES,
)

__all__ = [
    "checked",
    "parse_balance",
    "parse_date",
    "parse_ids",
    "parse_incoming",
    "parse_report_file",
    "parse_report_id",
    "parse_session",
    "parse_state",
    "parse_statistics",
    "refine",
]

# The document prints /Date(ms)/ values as "\Date(ms)\" and "\Date(ms)\\", which are
# not JSON (a bad escape, an escaped closing quote); the wire has "\/Date(ms)\/".
_BROKEN_DATE = re.compile(r'"\\*/?Date\((-?\d+(?:[+-]\d{4})?)\)\\*/?"')
# Ids in the document's bulk answers: [{"371329058"}, {"371329059"}], also with
# typographic quotes ([“371324579”]) or bare numbers.
_ID_TOKEN = re.compile(r'"([^"\\]*)"|“([^”]*)”|(-?\d+)')
_ID_LIST_PUNCTUATION = re.compile(r"^[\s{},]*$")
_ID = re.compile(r"^[\w.\-]+$")


def refine(code: str | None, description: str | None) -> type[ProviderError] | None:
    """Refine a generic code (1, 2, 6) by what its Desc names."""
    if not description:
        return None
    text = description.lower()
    if "source" in text or "originator" in text or "sender" in text:
        return InvalidSender
    if "destination" in text or "phone" in text:
        return InvalidRecipient
    if "not found" in text:
        return NotFound
    return None


def _repair_dates(text: str) -> Any:
    """Parse a body whose ``/Date()/`` values are quoted as the document prints them."""
    repaired = _BROKEN_DATE.sub(r'"/Date(\1)/"', text)
    if repaired == text:
        return None
    try:
        return jsonutil.loads(repaired)
    except ValueError:
        return None


def checked(response: Answer, table: Mapping[int, type[ProviderError]] = PROVIDER_ERRORS,
            repair: Callable[[str], Any] = _repair_dates) -> Any:
    """The JSON payload of a successful answer; the body's error code wins over HTTP."""
    return read_code_desc(response, table, refine=refine, repair=repair)


def _field(payload: Mapping[str, Any], *names: str) -> Any:
    """A field by any of its names, case-insensitively; KeyError when none is there."""
    lowered = {str(k).lower(): v for k, v in payload.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    raise KeyError(names[0])


def _optional(payload: Mapping[str, Any], *names: str) -> Any:
    try:
        return _field(payload, *names)
    except KeyError:
        return None


def parse_date(value: Any) -> datetime | None:
    """Read ``/Date(ms)/`` (any escaping) or an ISO date (UTC when naive)."""
    text = as_str(value)
    if text is None:
        return None
    if "Date(" in text:
        return parse_dotnet_date(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


# -- parsers ----------------------------------------------------------------------


def parse_session(response: Answer) -> str:
    """The session id of a login answer (a JSON string); refusals are AuthError."""
    return session_id(response, lambda answer: checked(answer, LOGIN_ERRORS))


def _ids_from_text(text: str) -> list[str] | None:
    """Ids from the document's not-quite-JSON ``[{"1"}, {"2"}]``; None when it is not that."""
    body = text.strip()
    if not (body.startswith("[") and body.endswith("]")):
        return None
    inner = body[1:-1]
    tokens = [next(g for g in m.groups() if g is not None).strip()
              for m in _ID_TOKEN.finditer(inner)]
    # Anything but ids, braces, commas and spaces means it is not an id list.
    if not _ID_LIST_PUNCTUATION.match(_ID_TOKEN.sub("", inner)):
        return None
    if not tokens or not all(_ID.match(t) for t in tokens):
        return None
    return tokens


def parse_ids(response: Answer, count: int) -> list[str]:
    """The message ids of a send answer, one per recipient, in order."""
    ids = message_ids(response, checked(response, repair=_ids_from_text))
    if len(ids) != count:
        raise response.invalid(f"expected {count} message id(s), got {len(ids)}")
    return ids


def parse_balance(response: Answer) -> Balance:
    """A ``Balance/`` answer (a JSON number, or a string) as Balance."""
    payload = checked(response)
    with response.reading("the balance"):
        value = _field(payload, "Balance", "Amount") if isinstance(payload, dict) else payload
        amount = parse_decimal(value)
        if amount is None:
            raise ValueError("empty balance")
        return Balance(amount=amount, currency=None, raw=payload)


def parse_state(response: Answer, message_id: str) -> StatusReport:
    """A ``State/`` answer as a StatusReport."""
    payload = checked(response)
    with response.reading("the message state"):
        if not isinstance(payload, dict):
            raise TypeError(f"expected an object, got {type(payload).__name__}")
        raw_state = as_int(_field(payload, "State"))
        if raw_state is None:
            raise ValueError("empty State")
        state = STATES.get(raw_state, DeliveryState.UNKNOWN)
        reported = parse_date(_optional(payload, "ReportedDateUtc"))
        description = as_str(_optional(payload, "StateDescription"))
        price = parse_decimal(_optional(payload, "Price"))
        return StatusReport(
            message_id=message_id,
            state=state,
            provider_state=str(raw_state),
            description=description,
            sent_at=reported if state is DeliveryState.SENT else None,
            delivered_at=reported if state is DeliveryState.DELIVERED else None,
            price=price,
            raw=payload,
        )


def parse_incoming(response: Answer) -> list[IncomingMessage]:
    """An ``Incoming/`` answer as IncomingMessages."""
    payload = checked(response)
    with response.reading("incoming messages"):
        if payload is None:
            return []
        if not isinstance(payload, list):
            raise TypeError(f"expected a list, got {type(payload).__name__}")
        messages = []
        for item in payload:
            if not isinstance(item, dict):
                raise TypeError(f"expected an object, got {type(item).__name__}")
            messages.append(IncomingMessage(
                id=as_str(_optional(item, "ID", "Id")),
                sender=as_str(_optional(item, "SourceAddress")),
                recipient=as_str(_optional(item, "DestinationAddress")),
                text=str(_field(item, "Data") or ""),
                received_at=parse_date(_optional(item, "CreatedDateUtc", "CreationDateUtc")),
                prefix=as_str(_optional(item, "Prefix")),
                raw=item,
            ))
        return messages


def parse_statistics(response: Answer) -> Statistics:
    """A ``Statistic/`` answer; ``Sent`` counts every message of the period."""
    payload = checked(response)
    with response.reading("statistics"):
        if not isinstance(payload, dict):
            raise TypeError(f"expected an object, got {type(payload).__name__}")
        sent = as_int(_optional(payload, "Sent"))
        return Statistics(
            sent=sent,
            delivered=as_int(_optional(payload, "Delivered")),
            undelivered=as_int(_optional(payload, "NotDelivered")),
            in_progress=as_int(_optional(payload, "InProgress")),
            expired=as_int(_optional(payload, "Expired")),
            total=sent,
            raw=payload,
        )


def _report_text_error(response: Answer, text: str) -> ProviderError | None:
    """The typed error for one of the documented ``all_stat.php`` error texts."""
    wanted = " ".join(text.split()).lower()
    known = next((k for k in REPORT_TEXT_ERRORS if " ".join(k.split()).lower() == wanted),
                 None)
    if known is None:
        return None
    if known == SESSION_EXPIRED_TEXT:
        # Read as code 3 so the session cache renews the session.
        error = response.error(PROVIDER_ERRORS, 3, known)
    else:
        error_class = REPORT_TEXT_ERRORS[known]
        error = response.error({}, None, known, refine=lambda code, desc: error_class)
    assert isinstance(error, ProviderError)  # not a send: nothing to settle
    return error


def _text_payload(response: Answer) -> str | None:
    """The body as one line of text: a JSON string unquoted, else the raw text."""
    text = response.content.decode("utf-8-sig", "replace").strip()
    if text.startswith('"'):
        with contextlib.suppress(ValueError):
            value = jsonutil.loads(text)
            if isinstance(value, str):
                return value.strip()
    return text or None


def parse_report_id(response: Answer) -> str:
    """The id of a requested detailed report (a number); documented texts are errors."""
    text = _text_payload(response)
    if text is not None:
        error = _report_text_error(response, text)
        if error is not None:
            raise error
    payload = checked(response)
    with response.reading("the report id"):
        if isinstance(payload, (int, str)) and not isinstance(payload, bool):
            report_id = as_str(payload)
            if report_id is not None and report_id.isdigit():
                return report_id
        raise ValueError(f"expected a report id, got {payload!r}")


def parse_report_file(response: Answer) -> bytes:
    """The bytes of a ready report file; documented texts and codes are errors."""
    text = _text_payload(response) if len(response.content) < 4096 else None
    if text is not None:
        error = _report_text_error(response, text)
        if error is not None:
            raise error
        if text.startswith("{"):
            with contextlib.suppress(ValueError):
                found = code_desc(jsonutil.loads(text))
                if found is not None:
                    raise response.error(PROVIDER_ERRORS, found[0], found[1],
                                         refine=refine)
    if not response.ok:
        raise response.http_error()
    if not response.content:
        raise response.invalid("the report file is empty")
    return response.content


