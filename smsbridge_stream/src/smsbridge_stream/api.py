"""Stream Telecom REST API: paths, request building and response parsing.

Every call but the login carries ``sessionId``; :class:`StreamApi` logs in lazily
through :class:`smsbridge.auth.SessionCache` and repeats a call once after re-login
when the provider says the session expired (code 3, code 4 or HTTP 401).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs

from smsbridge import jsonutil
from smsbridge.answers import Answer, Requester, read_code_desc
from smsbridge.auth import SessionCache, session_expired
from smsbridge.errors import (
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    ProviderError,
    error_for,
)
from smsbridge.models import (
    Balance,
    DeliveryState,
    IncomingMessage,
    Message,
    Statistics,
    StatusReport,
)
from smsbridge.parsing import (
    as_int,
    as_str,
    code_desc,
    format_utc,
    format_wall_clock,
    parse_decimal,
    parse_dotnet_date,
    whole_minutes,
)
from smsbridge.redaction import Redactor
from smsbridge_stream.errors import (
    LOGIN_ERRORS,
    PROVIDER_ERRORS,
    REPORT_TEXT_ERRORS,
    SESSION_EXPIRED_TEXT,
    STATES,
)

__all__ = [
    "DATE_FORMAT",
    "PlannedRequest",
    "StreamApi",
    "format_utc",
    "plan_requests",
]

T = TypeVar("T")

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

# The document prints /Date(ms)/ values as "\Date(ms)\" and "\Date(ms)\\", which are
# not JSON (a bad escape, an escaped closing quote); the wire has "\/Date(ms)\/".
_BROKEN_DATE = re.compile(r'"\\*/?Date\((-?\d+(?:[+-]\d{4})?)\)\\*/?"')
# Ids in the document's bulk answers: [{"371329058"}, {"371329059"}], also with
# typographic quotes ([“371324579”]) or bare numbers.
_ID_TOKEN = re.compile(r'"([^"\\]*)"|“([^”]*)”|(-?\d+)')
_ID_LIST_PUNCTUATION = re.compile(r"^[\s{},]*$")
_ID = re.compile(r"^[\w.\-]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9\-]{8,128}$")


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


def checked(response: Answer,
            table: Mapping[int, type[ProviderError]] = PROVIDER_ERRORS) -> Any:
    """The JSON payload of a successful answer; the body's error code wins over HTTP."""
    return read_code_desc(response, table, refine=refine, repair=_repair_dates)


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
    text = response.text.strip()
    if response.ok and _TOKEN.match(text):
        return text  # a bare, unquoted id (read before any error could quote it)
    payload = checked(response, LOGIN_ERRORS)
    if not isinstance(payload, str) or not payload.strip() or not _TOKEN.match(payload.strip()):
        raise response.invalid("expected the session id as a JSON string")
    return payload.strip()


def _ids_from_json(payload: Any) -> list[str]:
    items = payload if isinstance(payload, list) else [payload]
    ids = []
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"not a message id: {item!r}")
        value = as_str(item)
        if value is None or not _ID.match(value):
            raise ValueError(f"not a message id: {item!r}")
        ids.append(value)
    return ids


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
    try:
        payload = checked(response)
    except InvalidResponse:
        ids = _ids_from_text(response.text) if response.ok else None
        if ids is None:
            raise
    else:
        with response.reading("message ids"):
            ids = _ids_from_json(payload)
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
    for known, error_class in REPORT_TEXT_ERRORS.items():
        if " ".join(known.split()).lower() == wanted:
            fields: dict[str, Any] = {"provider": response.provider,
                                      "operation": response.operation,
                                      "http_status": response.status_code}
            if known == SESSION_EXPIRED_TEXT:
                # Read as code 3 so the session cache renews the session.
                return error_for(PROVIDER_ERRORS, 3, known, **fields)
            return error_class(known, code=None, **fields)
    return None


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


# -- sending ----------------------------------------------------------------------


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
        assert message.send_at is not None  # validate() demands it
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


# -- the session-aware client -------------------------------------------------------


class StreamApi:
    """Calls the Stream REST API with a cached session id."""

    def __init__(self, *, transport: Callable[[], Requester], login: str, password: str,
                 redactor: Redactor) -> None:
        self._transport = transport
        self._login_name = login
        self._password = password
        self.sessions = SessionCache(self._login, redactor=redactor)

    def __repr__(self) -> str:
        return f"<StreamApi {self.sessions!r}>"

    def _login(self) -> str:
        response = self._transport().request(
            "POST", SESSION_PATH, operation="login",
            data={"login": self._login_name, "password": self._password},
        )
        return parse_session(response)

    def call(self, method: str, path: str, *, operation: str, fields: Mapping[str, str],
             parse: Callable[[Answer], T], send: bool = False,
             idempotent: bool = True) -> T:
        """Make one request with the session id; renew the session once if it expired."""

        def attempt(session_id: str) -> T:
            values = {"sessionId": session_id, **fields}
            if method == "GET":
                response = self._transport().request(
                    "GET", path, operation=operation, params=values)
            else:
                response = self._transport().request(
                    method, path, operation=operation, data=values, send=send,
                    idempotent=idempotent)
            return parse(response)

        return self.sessions.call(attempt, session_expired)
