"""The Phoenix wire protocol: URLs, request bodies, answers and errors.

Every request carries the token as the ``token`` query parameter; bodies are JSON;
dates are ``dd.MM.yyyy HH:mm:ss`` in the provider's time zone; errors are
``{"code": "...", "message": "..."}`` with HTTP 400 or 404.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any, TypedDict

from smsbridge.answers import Answer
from smsbridge.errors import ProviderError, SmsBridgeError, ValidationError, error_for
from smsbridge.models import Balance, DeliveryState, Message, StatusReport
from smsbridge.parsing import as_int, as_str, parse_decimal, parse_local_datetime
from smsbridge_phoenix.errors import DISPATCH_STATES, HTTP_STATUS_ERRORS, PROVIDER_ERRORS

__all__ = [
    "API_ROOT",
    "DATE_FORMAT",
    "MAX_TEXT_LENGTH",
    "AddressBook",
    "Contact",
    "api_prefix",
    "check_message",
    "check_no_content",
    "dispatch_body",
    "dispatch_id_of",
    "format_date",
    "make_message_id",
    "parse_address_books",
    "parse_balance",
    "parse_contacts",
    "parse_dispatch_id",
    "parse_message_id",
    "parse_status",
    "read_json",
    "wire_phone",
]

#: Every endpoint lives under this path of the installation's base URL.
API_ROOT = "sms-api"
#: The document's ``dd.MM.yyyy HH:mm:ss``.
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"
#: ``message`` is 1 to 5000 characters (Java characters: UTF-16 code units).
MAX_TEXT_LENGTH = 5000

# The provider takes 38071xxxxxxx or 71xxxxxxx. The national forms people write
# (071xxxxxxx with the trunk 0, 8071xxxxxxx with the old long-distance 8) are turned
# into the full international form; everything else is refused before any request.
_PHONE_FORMS = (
    (re.compile(r"^38071\d{7}$"), ""),
    (re.compile(r"^8071\d{7}$"), "3"),
    (re.compile(r"^071\d{7}$"), "38"),
    (re.compile(r"^71\d{7}$"), "380"),
)
# A dispatch id is a 64-bit integer; longer digit strings are no id (and too long to
# convert); the phone is 7 to 15 digits.
_MESSAGE_ID = re.compile(r"^\s*([0-9]{1,18})(?::([0-9]{7,15}))?\s*$")
_ERROR_CODE = re.compile(r'"code"\s*:\s*"([A-Za-z0-9_]+)"')
_ERROR_MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"')


class AddressBook(TypedDict):
    """An address book of the account (``GET /sms-api/addressbooks``)."""

    id: int
    name: str


class Contact(TypedDict):
    """A contact of an address book (``GET /sms-api/addressbooks/{id}/contacts``)."""

    phone: str
    comment: str | None


# -- requests ------------------------------------------------------------------------


def api_prefix(base_url: str) -> str:
    """The path prefix for endpoints: none when ``base_url`` already ends in the API root."""
    return "" if base_url.rstrip("/").endswith("/" + API_ROOT) else API_ROOT + "/"


def wire_phone(number: str) -> str:
    """Return a phone (digits) in the provider's 38071xxxxxxx form.

    :raises ValidationError: when the number is not a Phoenix (071) number.
    """
    for pattern, prefix in _PHONE_FORMS:
        if pattern.match(number):
            return prefix + number
    raise ValidationError(
        f"invalid phone number {number!r}: Phoenix takes only its own numbers, "
        "38071xxxxxxx or 71xxxxxxx (071xxxxxxx and 8071xxxxxxx are converted)",
        field="to",
    )


def text_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as the provider's Java service counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_message(message: Message, now: datetime) -> None:
    """Check one message against the document's limits.

    :raises ValidationError: naming the first problem.
    """
    if message.options:
        raise ValidationError(
            f"unknown send option(s) for phoenix: {', '.join(sorted(message.options))}; "
            "Phoenix takes none", field="options")
    if message.sender:
        raise ValidationError(
            "Phoenix dispatches go out under the account's own sender name; "
            "the API has no sender field, so sender must not be given", field="sender")
    if message.validity is not None:
        raise ValidationError("Phoenix dispatches have no validity period", field="validity")
    try:
        message.text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("text holds a lone surrogate, which UTF-8 (the API's "
                              "encoding) cannot carry", field="text") from None
    length = text_length(message.text)
    if length > MAX_TEXT_LENGTH:
        raise ValidationError(
            f"text is {length} characters long; Phoenix takes at most {MAX_TEXT_LENGTH}",
            field="text")
    wire_phone(message.to)
    if message.send_at is not None and message.send_at <= now:
        raise ValidationError(
            f"send_at {message.send_at.isoformat()} lies in the past; Phoenix refuses "
            "dispatches dated before now", field="send_at")


def format_date(when: datetime, zone: tzinfo) -> str:
    """Format an aware datetime as the provider's local ``dd.MM.yyyy HH:mm:ss``."""
    return when.astimezone(zone).strftime(DATE_FORMAT)


def dispatch_body(messages: Sequence[Message], zone: tzinfo) -> dict[str, Any]:
    """The JSON body of ``POST /sms-api/dispatches`` for one chunk (one text)."""
    first = messages[0]
    body: dict[str, Any] = {
        "message": first.text,
        "phonesList": [wire_phone(m.to) for m in messages],
    }
    if first.send_at is not None:
        body["dateSend"] = format_date(first.send_at, zone)
    return body


def make_message_id(dispatch_id: str, phone: str) -> str:
    """A recipient's message id: its dispatch id and its phone, ``"17:380711234567"``."""
    return f"{dispatch_id}:{phone}"


def parse_message_id(message_id: str) -> tuple[int, str | None]:
    """Split a message id into its dispatch id and phone (None for a bare dispatch id).

    :raises ValidationError: when the id is not one this driver issues.
    """
    match = _MESSAGE_ID.match(message_id) if isinstance(message_id, str) else None
    if match is None or int(match.group(1)) < 1:
        raise ValidationError(
            f"not a Phoenix message id: {message_id!r}; expected a dispatch id such as "
            "'17' or '17:380711234567'", field="message_id")
    return int(match.group(1)), match.group(2)


def dispatch_id_of(dispatch: int | str) -> int:
    """The dispatch id of a dispatch id (int or str) or of a message id ``send`` returned.

    :raises ValidationError: when it is neither.
    """
    if isinstance(dispatch, bool) or not isinstance(dispatch, (int, str)):
        raise ValidationError(f"not a Phoenix dispatch id: {dispatch!r}", field="dispatch")
    if isinstance(dispatch, int):
        if not 1 <= dispatch < 10**18:
            raise ValidationError("a dispatch id is an integer from 1 to 10**18 - 1",
                                  field="dispatch")
        return dispatch
    return parse_message_id(dispatch)[0]


# -- answers -------------------------------------------------------------------------


def _error(response: Answer, code: str, message: str | None) -> ProviderError:
    """The smsbridge error for a provider error code, falling back on the HTTP status."""
    # A provider message may echo the request (its URL holds the token).
    message = response.redactor.text(message) if message else None
    fields: dict[str, Any] = {
        "provider": response.provider,
        "operation": response.operation,
        "http_status": response.status_code,
        "body": response.redactor.text(response.content)[:500] or None,
    }
    if code in PROVIDER_ERRORS:
        return error_for(PROVIDER_ERRORS, code, message, **fields)
    fallback = HTTP_STATUS_ERRORS.get(response.status_code, ProviderError)
    return fallback(message, code=code, **fields)


def _body_error(response: Answer, payload: Any) -> ProviderError | None:
    """The error a ``{"code": ..., "message": ...}`` payload carries, if it is one."""
    if not isinstance(payload, dict):
        return None
    lowered = {str(key).lower(): value for key, value in payload.items()}
    code = lowered.get("code")
    if not isinstance(code, str) or not code.strip():
        return None
    message = lowered.get("message")
    return _error(response, code.strip(), str(message).strip() if message else None)


def _text_error(response: Answer) -> ProviderError | None:
    """The error of a body that is almost JSON (the document prints one with a stray
    comma); only the code and message are needed."""
    text = response.text
    code = _ERROR_CODE.search(text)
    if code is None:
        return None
    message = _ERROR_MESSAGE.search(text)
    return _error(response, code.group(1), message.group(1) if message else None)


def read_json(response: Answer) -> Any:
    """The JSON payload of an answer, after raising the error it reports.

    The body's error code wins over the HTTP status; a ``{"result": ...}`` wrapper is
    removed.
    """
    try:
        payload = response.json()
    except SmsBridgeError:
        error = _text_error(response)
        if error is not None:
            raise error from None
        raise
    error = _body_error(response, payload)
    if error is not None:
        raise error
    if not response.ok:
        raise response.http_error()
    if isinstance(payload, dict) and len(payload) == 1 and "result" in payload:
        payload = payload["result"]
    return payload


def check_no_content(response: Answer) -> None:
    """Accept the empty 200 answer of cancel and run; raise the error of any other."""
    if response.ok and not response.content.strip():
        return
    read_json(response)


def parse_dispatch_id(response: Answer) -> str:
    """The dispatch id ``POST /sms-api/dispatches`` answers with (a bare number)."""
    if response.ok and not response.content.strip():
        raise response.invalid(
            "the answer carries no dispatch id; the dispatch may have been created, "
            "check the web interface before sending again")
    payload = read_json(response)
    with response.reading("the dispatch id"):
        if isinstance(payload, dict):
            payload = payload["idDispatch"] if "idDispatch" in payload else payload["id"]
        if isinstance(payload, float) or (isinstance(payload, str)
                                          and not payload.strip().isdigit()):
            raise ValueError(f"not a dispatch id: {payload!r}")
        dispatch_id = as_int(payload)
        if dispatch_id is None or dispatch_id < 1:
            raise ValueError(f"not a dispatch id: {payload!r}")
    return str(dispatch_id)


def parse_status(response: Answer, message_id: str, recipient: str | None,
                 zone: tzinfo) -> StatusReport:
    """A :class:`StatusReport` from ``GET /sms-api/dispatches/{id}``."""
    payload = read_json(response)
    with response.reading("the dispatch"):
        if not isinstance(payload, dict):
            raise TypeError(f"expected an object, got {type(payload).__name__}")
        provider_state = as_str(payload["status"])
        if provider_state is None:
            raise ValueError("the dispatch has no status")
        state = DISPATCH_STATES.get(provider_state.upper(), DeliveryState.UNKNOWN)
        date_send = parse_local_datetime(payload.get("dateSend"), DATE_FORMAT, zone)
        date_to_close = parse_local_datetime(payload.get("dateToClose"), DATE_FORMAT, zone)
        for key in ("idDispatch", "messagesCount", "messagesSent", "messagesDelivered"):
            as_int(payload.get(key))  # a count that is no number is an unreadable answer
        comment = as_str(payload.get("comment"))
    return StatusReport(
        message_id=message_id,
        recipient=recipient,
        state=state,
        provider_state=provider_state,
        description=comment,
        sent_at=date_send if state in (DeliveryState.SENT, DeliveryState.DELIVERED) else None,
        delivered_at=date_to_close if state is DeliveryState.DELIVERED else None,
        raw=payload,
    )


def parse_balance(response: Answer) -> Balance:
    """A :class:`Balance` from ``GET /sms-api/finance/balance``."""
    payload = read_json(response)
    with response.reading("the balance"):
        if not isinstance(payload, dict):
            raise TypeError(f"expected an object, got {type(payload).__name__}")
        amount = parse_decimal(payload["balance"])
        if amount is None:
            raise ValueError("the balance is empty")
        credit = payload.get("creditLimit")
        if credit is not None and not isinstance(credit, dict):
            raise TypeError("creditLimit is not an object")
        credit_limit = parse_decimal(credit.get("limit")) if credit else None
        for key in ("beginningPeriodBalance", "limit", "currentPayments", "currentFees"):
            parse_decimal(payload.get(key))  # period figures stay in raw, but must be numbers
    return Balance(amount=amount, currency=None, credit_limit=credit_limit, raw=payload)


def _items(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(i, dict) for i in payload):
        raise TypeError("expected a list of objects")
    return payload


def parse_address_books(response: Answer) -> list[AddressBook]:
    """The address books from ``GET /sms-api/addressbooks``."""
    payload = read_json(response)
    books: list[AddressBook] = []
    with response.reading("the address books"):
        for item in _items(payload):
            book_id = as_int(item["id"])
            name = as_str(item.get("name"))
            if book_id is None:
                raise ValueError("an address book has no id")
            books.append(AddressBook(id=book_id, name=name or ""))
    return books


def parse_contacts(response: Answer) -> list[Contact]:
    """The contacts from ``GET /sms-api/addressbooks/{id}/contacts``."""
    payload = read_json(response)
    contacts: list[Contact] = []
    with response.reading("the contacts"):
        for item in _items(payload):
            phone = as_str(item["phone"])
            if phone is None:
                raise ValueError("a contact has no phone")
            contacts.append(Contact(phone=phone, comment=as_str(item.get("comment"))))
    return contacts


def utc_now() -> datetime:
    """The current aware time."""
    return datetime.now(timezone.utc)
