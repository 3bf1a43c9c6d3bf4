"""Nikita's wire protocol: XML request bodies and the parsing of its answers.

Every endpoint takes a POSTed XML document carrying ``login`` and ``pwd`` and answers
``<response>`` with a ``<status>`` (0 is success). Times are Bishkek local time
(UTC+6, no daylight saving) written ``YYYYMMDDhhmmss``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from smsbridge.answers import SHAPE_ERRORS, Answer
from smsbridge.errors import (
    DuplicateMessage,
    InvalidRecipient,
    InvalidResponse,
    ProviderError,
    RateLimited,
    ValidationError,
    error_for,
)
from smsbridge.models import (
    Balance,
    DeliveryState,
    Lookup,
    Message,
    Price,
    SentMessage,
    StatusReport,
)
from smsbridge.parsing import as_int, as_str, parse_decimal, parse_local_datetime
from smsbridge.redaction import Redactor
from smsbridge.xmlutil import build_xml, parse_xml
from smsbridge_nikita.errors import REPORT_DESCRIPTIONS, REPORT_STATES, STATUS_DUPLICATE
from smsbridge_nikita.settings import NikitaSettings

__all__ = [
    "BISHKEK",
    "ID_LENGTH",
    "MAX_PHONES",
    "MAX_TEXT_LENGTH",
    "NS_DELIVERY_REPORT",
    "NS_INFO",
    "NS_PHONE_DEF",
    "TIME_FORMAT",
    "XML_HEADERS",
    "accepted_earlier",
    "account_active",
    "answer",
    "bishkek_time",
    "busy_delay",
    "check_message",
    "dr_body",
    "held_phones",
    "info_body",
    "lookup_body",
    "make_message_id",
    "message_body",
    "named_refusals",
    "parse_balance",
    "parse_callback",
    "parse_lookup",
    "parse_price",
    "parse_sent",
    "parse_status",
    "provider_error",
    "split_message_id",
]

logger = logging.getLogger("smsbridge.nikita")

#: Bishkek has kept UTC+6 all year since 2005; the provider documents "GMT+6".
BISHKEK = timezone(timedelta(hours=6), "UTC+06:00")
TIME_FORMAT = "%Y%m%d%H%M%S"
#: The request ``id``: up to 12 latin letters and digits.
ID_LENGTH = 12
MAX_TEXT_LENGTH = 800
MAX_PHONES = 50
XML_HEADERS: Mapping[str, str] = {"Content-Type": "application/xml; charset=utf-8"}

NS_DELIVERY_REPORT = "http://Giper.mobi/schema/DeliveryReport"
NS_PHONE_DEF = "http://Giper.mobi/schema/PhoneDEF"
NS_INFO = "http://Giper.mobi/schema/Info"

_PROVIDER = "nikita"
_SENDER_NAME = re.compile(r"^[A-Za-z0-9.\-]{1,11}$")
_SENDER_DIGITS = re.compile(r"^[0-9]{1,14}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9]{1,12}$")
_PHONE = re.compile(r"^[0-9]{7,15}$")
# XML 1.0 cannot carry these characters at all, so such a text can never be sent.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# -- input checks ---------------------------------------------------------------------


def check_message(message: Message) -> None:
    """Check one message against the documented limits; raise ValidationError."""
    if message.options:
        names = ", ".join(sorted(message.options))
        raise ValidationError(f"unknown send option(s) for nikita: {names}; it takes none",
                              field="options")
    if message.validity is not None:
        raise ValidationError(
            "nikita has no validity period (its API has no such field); send without "
            "validity", field="validity")
    sender = message.sender
    if not sender:
        raise ValidationError("nikita needs a sender: pass sender= or set the 'sender' "
                              "setting", field="sender")
    if not (_SENDER_NAME.match(sender) or _SENDER_DIGITS.match(sender)):
        raise ValidationError(
            f"invalid sender {sender!r}: up to 11 latin letters, digits, dots and dashes, "
            "or up to 14 digits", field="sender")
    if len(message.text) > MAX_TEXT_LENGTH:
        raise ValidationError(
            f"text is {len(message.text)} characters; nikita allows {MAX_TEXT_LENGTH}",
            field="text")
    if _XML_ILLEGAL.search(message.text):
        raise ValidationError("text contains control characters that XML cannot carry",
                              field="text")
    if not _PHONE.match(message.to):
        raise ValidationError(f"invalid phone number {message.to!r}", field="to")
    if message.to.startswith("0"):
        # No country code starts with 0: "0550 123 456" is a national number, which the
        # provider documents in the international form only (996555123456).
        raise ValidationError(
            f"invalid phone number {message.to!r}: a national number; nikita takes the "
            "international form with the country code (996550123456)", field="to")
    if message.send_at is not None:
        bishkek_time(message.send_at)


def bishkek_time(when: datetime) -> str:
    """Format an aware datetime as Bishkek ``YYYYMMDDhhmmss``."""
    try:
        local = when.astimezone(BISHKEK)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(f"send_at {when!r} is out of range", field="send_at") from exc
    if local.year < 1000:
        raise ValidationError(f"send_at {when!r} is out of range", field="send_at")
    return local.strftime(TIME_FORMAT)


# -- message ids ----------------------------------------------------------------------


def make_message_id(request_id: str, phone: str) -> str:
    """The message id ``send`` returns: the request id and the phone."""
    return f"{request_id}:{phone}"


def split_message_id(message_id: str) -> tuple[str, str]:
    """Split a message id into request id and phone; ValidationError when malformed."""
    request_id, sep, phone = message_id.strip().partition(":")
    if not sep or not _REQUEST_ID.match(request_id) or not _PHONE.match(phone):
        raise ValidationError(
            f"{message_id!r} is not a nikita message id (expected '<request id>:<phone>', "
            "as send() returns)", field="message_id")
    return request_id, phone


# -- request bodies -------------------------------------------------------------------


def _credentials(settings: NikitaSettings) -> dict[str, Any]:
    return {"login": settings.login, "pwd": settings.password}


def message_body(settings: NikitaSettings, request_id: str,
                 messages: Sequence[Message]) -> bytes:
    """The ``/api/message`` document for one chunk (same text, sender and time)."""
    first = messages[0]
    fields = _credentials(settings)
    fields["id"] = request_id
    fields["sender"] = first.sender
    fields["text"] = first.text
    if first.send_at is not None:
        fields["time"] = bishkek_time(first.send_at)
    fields["phones"] = {"phone": [m.to for m in messages]}
    if settings.test:
        fields["test"] = "1"
    return build_xml("message", fields)


def dr_body(settings: NikitaSettings, request_id: str, phone: str | None) -> bytes:
    """The ``/api/dr`` document asking for one phone's report (None: every phone of the id)."""
    fields = {**_credentials(settings), "id": request_id}
    if phone is not None:
        fields["phone"] = phone
    return build_xml("dr", fields)


def lookup_body(settings: NikitaSettings, phone: str) -> bytes:
    """The ``/api/def`` document."""
    return build_xml("def", {**_credentials(settings), "phone": phone},
                     namespace=NS_PHONE_DEF)


def info_body(settings: NikitaSettings) -> bytes:
    """The ``/api/info`` document."""
    return build_xml("info", _credentials(settings), namespace=NS_INFO)


# -- answers --------------------------------------------------------------------------


def answer(response: Answer,
           force_list: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    """Parse a ``<response>`` (with or without namespace); return its status and body."""
    document = response.xml(force_list=force_list)
    root = document.get("response")
    if not isinstance(root, dict):
        raise response.unreadable("the answer has no <response> element")
    with response.reading("the answer"):
        code = as_int(root.get("status"))
    if code is None:
        raise response.unreadable("the answer has no <status>")
    return code, root


def provider_error(response: Answer, root: Mapping[str, Any], code: int,
                   table: Mapping[int, type[ProviderError]],
                   descriptions: Mapping[int, str], *, operation: str,
                   retry_after: float | None = None) -> ProviderError:
    """The error for a non-zero status: the provider's own text when it gave one."""
    text = root.get("message")
    # The provider's own text may echo the request, password included.
    description = (response.redactor.text(text.strip()) if isinstance(text, str)
                   and text.strip() else descriptions.get(code, f"status {code}"))
    fields: dict[str, Any] = {
        "provider": _PROVIDER,
        "operation": operation,
        "http_status": response.status_code,
        "body": response.redactor.text(response.content)[:500],
    }
    if table.get(code) is RateLimited:
        return RateLimited(description, code=code, retry_after=retry_after, **fields)
    return error_for(table, code, description, **fields)


def _recognized(response: Answer, root: Mapping[str, Any]) -> tuple[int | None, str | None]:
    with response.reading("the answer"):
        return as_int(root.get("phones")), as_str(root.get("message"))


def named_refusals(response: Answer, root: Mapping[str, Any],
                   messages: Sequence[Message]) -> set[str] | None:
    """The numbers of ``messages`` an accepting answer says the provider did not take.

    ``phones`` counts the numbers the provider recognized. When it is short, the
    optional ``message`` may name the missing numbers; None means the answer does not
    say which ones are missing (ask ``dr`` for the numbers the id holds).
    """
    recognized, note = _recognized(response, root)
    if recognized is None or recognized >= len(messages):
        return set()
    mentioned = set(re.findall(r"[0-9]{7,15}", note or ""))
    named = {m.to for m in messages if m.to in mentioned}
    if named and len(named) == len(messages) - recognized:
        return named
    return None


def parse_sent(response: Answer, root: Mapping[str, Any], messages: Sequence[Message],
               request_id: str, held: Collection[str] | None = None) -> list[SentMessage]:
    """One SentMessage per recipient of an accepted ``message`` request.

    The answer is for the whole request. Recipients the provider did not take (named
    by the answer, see :func:`named_refusals`, or missing from ``held``, the numbers
    ``dr`` lists for the id) get an :class:`InvalidRecipient` error.
    """
    with response.reading("the answer"):
        parts = as_int(root.get("smscnt")) or None
        answered_id = as_str(root.get("id"))
    _, note = _recognized(response, root)
    if answered_id is not None and answered_id != request_id:
        logger.warning("nikita answered for id %r to a request with id %r", answered_id,
                       request_id)
    if held is not None:
        refused = {m.to for m in messages} - set(held)
        note = note or "the provider did not recognize this number (dr does not list it)"
    else:
        refused = named_refusals(response, root, messages) or set()
    results = []
    for message in messages:
        if message.to in refused:
            error = InvalidRecipient(response.redactor.text(note), provider=_PROVIDER,
                                     operation="send", http_status=response.status_code)
            results.append(SentMessage(recipient=message.to, message_id=None, error=error,
                                       provider=_PROVIDER, reference=message.reference,
                                       raw=dict(root)))
            continue
        results.append(SentMessage(
            recipient=message.to, message_id=make_message_id(request_id, message.to),
            parts=parts, provider=_PROVIDER, reference=message.reference, raw=dict(root),
        ))
    return results


def held_phones(response: Answer, root: Mapping[str, Any]) -> list[str]:
    """The numbers a successful ``dr`` answer for a whole id lists."""
    with response.reading("the answer"):
        entries = root.get("phone") or []
        numbers = []
        for entry in entries:
            number = as_str(entry.get("number")) if isinstance(entry, dict) else None
            if number is None:
                raise ValueError("a <phone> report has no <number>")
            numbers.append(number.lstrip("+"))
    return numbers


def accepted_earlier(response: Answer, root: Mapping[str, Any],
                     messages: Sequence[Message], request_id: str,
                     held: Collection[str]) -> list[SentMessage]:
    """The result of a request the provider already holds under ``request_id``.

    ``held`` are the numbers ``dr`` lists for the id. They must be numbers of this
    request (fewer when the earlier request had numbers the provider did not take);
    otherwise the id belongs to another send and :class:`DuplicateMessage` says so.
    """
    ours = {m.to for m in messages}
    foreign = set(held) - ours
    if not held or foreign:
        what = (f"to {len(foreign)} other number(s)" if foreign
                else "that the provider has no report for")
        raise DuplicateMessage(
            f"nikita id {request_id!r} was already used for a send {what}; this send "
            "was blocked (status 10) and nothing was sent: give it another reference",
            provider=_PROVIDER, code=STATUS_DUPLICATE, operation="send",
            http_status=response.status_code,
            body=response.redactor.text(response.content)[:500])
    logger.info("nikita request %s was accepted earlier; returning that acceptance",
                request_id)
    return parse_sent(response, root, messages, request_id, held)


def busy_delay(settings: NikitaSettings, jitter: float) -> float:
    """Seconds to wait before repeating a status-9 send."""
    low, high = settings.busy_delay_min, settings.busy_delay_max
    return low + (high - low) * min(max(jitter, 0.0), 1.0)


def _report(entry: Any, request_id: str, raw: Any) -> StatusReport:
    """One ``<phone>`` element of a delivery report as a StatusReport."""
    if not isinstance(entry, dict):
        raise ValueError("a <phone> report is not an element")
    number = as_str(entry.get("number"))
    if number is None:
        raise ValueError("a <phone> report has no <number>")
    number = number.lstrip("+")
    code = as_int(entry.get("report"))
    if code is None:
        raise ValueError(f"the report for {number} has no <report> code")
    state = REPORT_STATES.get(code, DeliveryState.UNKNOWN)
    received = parse_local_datetime(entry.get("rcvTime"), TIME_FORMAT, BISHKEK)
    return StatusReport(
        message_id=make_message_id(request_id, number),
        recipient=number,
        state=state,
        provider_state=str(code),
        description=REPORT_DESCRIPTIONS.get(code, f"report code {code}"),
        sent_at=parse_local_datetime(entry.get("sendTime"), TIME_FORMAT, BISHKEK),
        # rcvTime is when the report arrived: the delivery time only for a delivery.
        delivered_at=received if state is DeliveryState.DELIVERED else None,
        raw=raw,
    )


def parse_status(response: Answer, root: Mapping[str, Any], request_id: str,
                 phone: str) -> StatusReport:
    """The report for ``phone`` from a successful ``dr`` answer."""
    with response.reading("the answer"):
        entries = root.get("phone") or []
        for entry in entries:
            if isinstance(entry, dict) and as_str(entry.get("number")) in (phone, f"+{phone}"):
                return _report(entry, request_id, dict(entry))
    raise response.invalid(f"the answer has no report for {phone}")


def _invalid_callback(reason: str, body: bytes, redactor: Redactor) -> InvalidResponse:
    return InvalidResponse(f"{_PROVIDER}/parse_callback: {reason}",
                           body=redactor.text(body) or repr(body[:500]),
                           provider=_PROVIDER, operation="parse_callback")


def parse_callback(body: bytes, redactor: Redactor) -> list[StatusReport]:
    """Parse a delivery-report push (``<report>``: several ``dr``, several ``phone``)."""
    try:
        document = parse_xml(body, force_list=("dr", "phone"))
    except ValueError as exc:
        raise _invalid_callback("the report is not XML", body, redactor) from exc
    root = document.get("report")
    if not isinstance(root, dict):
        if "report" in document and root is None:
            return []  # an empty <report/>: nothing to tell
        raise _invalid_callback("the body has no <report> element", body, redactor)
    reports = []
    try:
        for dr in root.get("dr") or []:
            if not isinstance(dr, dict):
                raise ValueError("a <dr> is not an element")
            request_id = as_str(dr.get("id"))
            if request_id is None:
                raise ValueError("a <dr> has no <id>")
            for entry in dr.get("phone") or []:
                reports.append(_report(entry, request_id, {"id": request_id, **entry}))
    except SHAPE_ERRORS as exc:
        raise _invalid_callback(f"unexpected report ({exc})", body, redactor) from exc
    return reports


def parse_lookup(response: Answer, root: Mapping[str, Any], msisdn: str) -> Lookup:
    """A successful ``def`` answer as a Lookup (timezone -1 means unknown)."""
    with response.reading("the answer"):
        offset = as_int(root.get("timezone"))
        region = as_str(root.get("region"))
        operator = as_str(root.get("operator"))
    return Lookup(msisdn=msisdn, region=region, operator=operator,
                  utc_offset=None if offset is None or offset == -1 else offset,
                  raw=dict(root))


def _info_fields(response: Answer, root: Mapping[str, Any]) -> dict[str, Any]:
    with response.reading("the answer"):
        account = parse_decimal(root.get("account"))
        price = parse_decimal(root.get("smsprice"))
        state = as_int(root.get("state"))
    return {"account": account, "smsprice": price, "state": state}


def parse_balance(response: Answer, root: Mapping[str, Any]) -> Balance:
    """A successful ``info`` answer as a Balance (the document names no currency)."""
    fields = _info_fields(response, root)
    if fields["account"] is None:
        raise response.invalid("the answer has no <account>")
    if fields["state"] not in (None, 0):
        logger.warning("the nikita account is inactive or blocked (state %s); sends will "
                       "be refused", fields["state"])
    return Balance(amount=fields["account"], currency=None, raw=dict(root))


def parse_price(response: Answer, root: Mapping[str, Any]) -> Price:
    """The account's price of one SMS part from a successful ``info`` answer."""
    fields = _info_fields(response, root)
    if fields["smsprice"] is None:
        raise response.invalid("the answer has no <smsprice>")
    return Price(channel="sms", price=fields["smsprice"], currency=None, raw=dict(root))


def account_active(response: Answer, root: Mapping[str, Any]) -> bool:
    """True when the ``info`` answer's ``state`` says the account is active."""
    state = _info_fields(response, root)["state"]
    if state is None:
        raise response.invalid("the answer has no <state>")
    return bool(state == 0)

