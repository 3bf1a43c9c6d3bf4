"""The Phoenix wire protocol: the requests the driver makes and how to read the answers.

Pure functions: ``<operation>_request(settings, ...)`` builds a
:class:`~smsbridge.transport.Request`, ``parse_<operation>(answer, ...)`` reads the
:class:`~smsbridge.answers.Answer`. Every request carries the token as the ``token``
query parameter; bodies are JSON; errors are ``{"code": "...", "message": "..."}`` with
HTTP 400 or 404.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any, TypedDict

from smsbridge.answers import Answer
from smsbridge.errors import ProviderError, SmsBridgeError, ValidationError
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, StatusReport
from smsbridge.parsing import as_int, as_str, parse_decimal, parse_local_datetime
from smsbridge.text import segments
from smsbridge.transport import Request
from smsbridge_phoenix.errors import DISPATCH_STATES, HTTP_STATUS_ERRORS, PROVIDER_ERRORS
from smsbridge_phoenix.formats import DATE_FORMAT, format_date, make_message_id, wire_phone
from smsbridge_phoenix.settings import PhoenixSettings

__all__ = [
    "API_ROOT",
    "AddressBook",
    "Contact",
    "address_books_request",
    "api_prefix",
    "balance_request",
    "cancel_request",
    "contacts_request",
    "parse_address_books",
    "parse_balance",
    "parse_contacts",
    "parse_no_content",
    "parse_send",
    "parse_status",
    "read_json",
    "run_request",
    "send_request",
    "status_request",
]

#: Every endpoint lives under this path of the installation's base URL.
API_ROOT = "sms-api"

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


def _request(settings: PhoenixSettings, method: str, path: str, body: Any = None) -> Request:
    return Request(method=method, path=api_prefix(settings.base_url) + path,
                   params={"token": settings.token}, json=body)


def send_request(settings: PhoenixSettings, messages: Sequence[Message]) -> Request:
    """``POST /sms-api/dispatches``: one dispatch of the chunk's text to its phones."""
    first = messages[0]
    body: dict[str, Any] = {
        "message": first.text,
        "phonesList": [wire_phone(m.to) for m in messages],
    }
    if first.send_at is not None:
        body["dateSend"] = format_date(first.send_at, settings.zone)
    return _request(settings, "POST", "dispatches", body)


def status_request(settings: PhoenixSettings, dispatch_id: int) -> Request:
    """``GET /sms-api/dispatches/{id}``: the state of a dispatch."""
    return _request(settings, "GET", f"dispatches/{dispatch_id}")


def balance_request(settings: PhoenixSettings) -> Request:
    """``GET /sms-api/finance/balance``."""
    return _request(settings, "GET", "finance/balance")


def address_books_request(settings: PhoenixSettings) -> Request:
    """``GET /sms-api/addressbooks``."""
    return _request(settings, "GET", "addressbooks")


def contacts_request(settings: PhoenixSettings, address_book_id: int) -> Request:
    """``GET /sms-api/addressbooks/{id}/contacts``.

    :raises ValidationError: when the id is not a positive integer.
    """
    if (isinstance(address_book_id, bool) or not isinstance(address_book_id, int)
            or address_book_id < 1):
        raise ValidationError(
            f"an address book id is a positive integer, got {address_book_id!r}",
            field="address_book_id")
    return _request(settings, "GET", f"addressbooks/{address_book_id}/contacts")


def cancel_request(settings: PhoenixSettings, dispatch_id: int) -> Request:
    """``POST /sms-api/dispatches/cancel``."""
    return _request(settings, "POST", "dispatches/cancel", {"idDispatch": dispatch_id})


def run_request(settings: PhoenixSettings, dispatch_id: int) -> Request:
    """``POST /sms-api/dispatches/run``."""
    return _request(settings, "POST", "dispatches/run", {"idDispatch": dispatch_id})


# -- answers -------------------------------------------------------------------------


def _error(answer: Answer, code: str, message: str | None) -> SmsBridgeError:
    """The smsbridge error for a provider error code, falling back on the HTTP status."""

    def by_status(code: str | None, description: str | None) -> type[ProviderError] | None:
        # A code the document does not list says no more than the HTTP status it came with.
        return None if code in PROVIDER_ERRORS else HTTP_STATUS_ERRORS.get(answer.status_code)

    return answer.error(PROVIDER_ERRORS, code, message, refine=by_status)


def _body_error(answer: Answer, payload: Any) -> SmsBridgeError | None:
    """The error a ``{"code": ..., "message": ...}`` payload carries, if it is one."""
    if not isinstance(payload, dict):
        return None
    lowered = {str(key).lower(): value for key, value in payload.items()}
    code = lowered.get("code")
    if not isinstance(code, str) or not code.strip():
        return None
    message = lowered.get("message")
    return _error(answer, code.strip(), str(message).strip() if message else None)


def _text_error(answer: Answer) -> SmsBridgeError | None:
    """The error of a body that is almost JSON (the document prints one with a stray
    comma); only the code and message are needed."""
    text = answer.text
    code = _ERROR_CODE.search(text)
    if code is None:
        return None
    message = _ERROR_MESSAGE.search(text)
    return _error(answer, code.group(1), message.group(1) if message else None)


def read_json(answer: Answer) -> Any:
    """The JSON payload of an answer, after raising the error it reports.

    The body's error code wins over the HTTP status; a ``{"result": ...}`` wrapper is
    removed.
    """
    try:
        payload = answer.json()
    except SmsBridgeError:
        error = _text_error(answer)
        if error is not None:
            raise error from None
        raise
    error = _body_error(answer, payload)
    if error is not None:
        raise error
    if not answer.ok:
        raise answer.http_error()
    if isinstance(payload, dict) and len(payload) == 1 and "result" in payload:
        payload = payload["result"]
    return payload


def parse_no_content(answer: Answer) -> None:
    """Accept the empty 200 answer of cancel and run; raise the error of any other."""
    if answer.ok and not answer.content.strip():
        return
    read_json(answer)


def parse_send(answer: Answer, messages: Sequence[Message]) -> list[SentMessage]:
    """The sent messages of a dispatch: every recipient gets the dispatch's id."""
    dispatch_id = _dispatch_id(answer)
    parts = segments(messages[0].text).parts
    return [
        SentMessage(
            recipient=message.to,
            message_id=make_message_id(dispatch_id, wire_phone(message.to)),
            parts=parts,
            provider=answer.provider,
            reference=message.reference,
            raw={"idDispatch": dispatch_id},
        )
        for message in messages
    ]


def _dispatch_id(answer: Answer) -> str:
    """The dispatch id ``POST /sms-api/dispatches`` answers with (a bare number)."""
    if answer.ok and not answer.content.strip():
        raise answer.invalid(
            "the answer carries no dispatch id; the dispatch may have been created, "
            "check the web interface before sending again")
    payload = read_json(answer)
    with answer.reading("the dispatch id"):
        if isinstance(payload, dict):
            payload = payload["idDispatch"] if "idDispatch" in payload else payload["id"]
        if isinstance(payload, float) or (isinstance(payload, str)
                                          and not payload.strip().isdigit()):
            raise ValueError(f"not a dispatch id: {payload!r}")
        dispatch_id = as_int(payload)
        if dispatch_id is None or dispatch_id < 1:
            raise ValueError(f"not a dispatch id: {payload!r}")
    return str(dispatch_id)


def parse_status(answer: Answer, message_id: str, recipient: str | None,
                 zone: tzinfo) -> StatusReport:
    """A :class:`StatusReport` from ``GET /sms-api/dispatches/{id}``."""
    payload = read_json(answer)
    with answer.reading("the dispatch"):
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


def parse_balance(answer: Answer) -> Balance:
    """A :class:`Balance` from ``GET /sms-api/finance/balance``."""
    payload = read_json(answer)
    with answer.reading("the balance"):
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


def parse_address_books(answer: Answer) -> list[AddressBook]:
    """The address books from ``GET /sms-api/addressbooks``."""
    payload = read_json(answer)
    books: list[AddressBook] = []
    with answer.reading("the address books"):
        for item in _items(payload):
            book_id = as_int(item["id"])
            name = as_str(item.get("name"))
            if book_id is None:
                raise ValueError("an address book has no id")
            books.append(AddressBook(id=book_id, name=name or ""))
    return books


def parse_contacts(answer: Answer) -> list[Contact]:
    """The contacts from ``GET /sms-api/addressbooks/{id}/contacts``."""
    payload = read_json(answer)
    contacts: list[Contact] = []
    with answer.reading("the contacts"):
        for item in _items(payload):
            phone = as_str(item["phone"])
            if phone is None:
                raise ValueError("a contact has no phone")
            contacts.append(Contact(phone=phone, comment=as_str(item.get("comment"))))
    return contacts
