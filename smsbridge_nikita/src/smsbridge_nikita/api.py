"""Nikita's wire protocol: the requests of every operation and the reading of answers.

Every endpoint takes a POSTed XML document carrying ``login`` and ``pwd`` and answers
``<response>`` with a ``<status>`` (0 is success; the other codes mean different things
per endpoint, see :mod:`smsbridge_nikita.errors`). Times are Bishkek local time (UTC+6,
no daylight saving) written ``YYYYMMDDhhmmss``. Nothing here makes a request: the
driver performs what these functions build and hands the answers back to them. The
answer to a send is read in :mod:`smsbridge_nikita.sending`, every other answer and
the delivery-report push in :mod:`smsbridge_nikita.parsing`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import ProviderError, SmsBridgeError, ValidationError
from smsbridge.models import Message
from smsbridge.parsing import as_int
from smsbridge.transport import Request
from smsbridge.xmlutil import build_xml
from smsbridge_nikita.settings import NikitaSettings

__all__ = [
    "BISHKEK",
    "ID_LENGTH",
    "MAX_PHONES",
    "MAX_TEXT_LENGTH",
    "NS_INFO",
    "NS_PHONE_DEF",
    "PHONE",
    "TIME_FORMAT",
    "XML_HEADERS",
    "XML_ILLEGAL",
    "bishkek_time",
    "busy_delay",
    "describe",
    "dr_request",
    "info_request",
    "lookup_request",
    "make_message_id",
    "read_status",
    "refusal",
    "send_request",
    "split_message_id",
]

#: Bishkek has kept UTC+6 all year since 2005; the provider documents "GMT+6".
BISHKEK = timezone(timedelta(hours=6), "UTC+06:00")
TIME_FORMAT = "%Y%m%d%H%M%S"
#: The request ``id``: up to 12 latin letters and digits.
ID_LENGTH = 12
MAX_TEXT_LENGTH = 800
MAX_PHONES = 50
XML_HEADERS: Mapping[str, str] = {"Content-Type": "application/xml; charset=utf-8"}

NS_PHONE_DEF = "http://Giper.mobi/schema/PhoneDEF"
NS_INFO = "http://Giper.mobi/schema/Info"

#: A phone number as the provider takes it: international form, digits only.
PHONE = re.compile(r"^[0-9]{7,15}$")
#: XML 1.0 cannot carry these characters at all, so such a text can never be sent.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9]{1,12}$")


def bishkek_time(when: datetime) -> str:
    """Format an aware datetime as Bishkek ``YYYYMMDDhhmmss``."""
    try:
        local = when.astimezone(BISHKEK)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(f"send_at {when!r} is out of range", field="send_at") from exc
    if local.year < 1000:
        raise ValidationError(f"send_at {when!r} is out of range", field="send_at")
    return local.strftime(TIME_FORMAT)


def busy_delay(settings: NikitaSettings, jitter: float) -> float:
    """Seconds to wait before repeating a status-9 send."""
    low, high = settings.busy_delay_min, settings.busy_delay_max
    return low + (high - low) * min(max(jitter, 0.0), 1.0)


# -- message ids ----------------------------------------------------------------------


def make_message_id(request_id: str, phone: str) -> str:
    """The message id ``send`` returns: the request id and the phone."""
    return f"{request_id}:{phone}"


def split_message_id(message_id: str) -> tuple[str, str]:
    """Split a message id into request id and phone; ValidationError when malformed."""
    request_id, sep, phone = message_id.strip().partition(":")
    if not sep or not _REQUEST_ID.match(request_id) or not PHONE.match(phone):
        raise ValidationError(
            f"{message_id!r} is not a nikita message id (expected '<request id>:<phone>', "
            "as send() returns)", field="message_id")
    return request_id, phone


# -- requests -------------------------------------------------------------------------


def _post(path: str, body: bytes) -> Request:
    return Request(method="POST", path=path, data=body, headers=XML_HEADERS)


def _credentials(settings: NikitaSettings) -> dict[str, Any]:
    return {"login": settings.login, "pwd": settings.password}


def send_request(settings: NikitaSettings, request_id: str,
                 messages: Sequence[Message]) -> Request:
    """``/api/message`` for one chunk (same text, sender and time)."""
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
    return _post("message", build_xml("message", fields))


def dr_request(settings: NikitaSettings, request_id: str, phone: str | None) -> Request:
    """``/api/dr`` asking for one phone's report (None: every phone of the id)."""
    fields = {**_credentials(settings), "id": request_id}
    if phone is not None:
        fields["phone"] = phone
    return _post("dr", build_xml("dr", fields))


def lookup_request(settings: NikitaSettings, phone: str) -> Request:
    """``/api/def`` for one number."""
    return _post("def", build_xml("def", {**_credentials(settings), "phone": phone},
                                  namespace=NS_PHONE_DEF))


def info_request(settings: NikitaSettings) -> Request:
    """``/api/info`` about the account."""
    return _post("info", build_xml("info", _credentials(settings), namespace=NS_INFO))


# -- answers --------------------------------------------------------------------------


def read_status(answer: Answer,
                force_list: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    """Parse a ``<response>`` (with or without namespace); return its status and body."""
    document = answer.xml(force_list=force_list)
    root = document.get("response")
    if not isinstance(root, dict):
        raise answer.unreadable("the answer has no <response> element")
    with answer.reading("the answer"):
        code = as_int(root.get("status"))
    if code is None:
        raise answer.unreadable("the answer has no <status>")
    return code, root


def describe(root: Mapping[str, Any], code: int, descriptions: Mapping[int, str]) -> str:
    """The provider's own text for a non-zero status when it gave one, else ours."""
    # Answer.error masks it: the provider's text may echo the request, password included.
    text = root.get("message")
    if isinstance(text, str) and text.strip():
        return text.strip()
    return descriptions.get(code, f"status {code}")


def refusal(answer: Answer, root: Mapping[str, Any], code: int,
            table: Mapping[int, type[ProviderError]], descriptions: Mapping[int, str],
            *, retry_after: float | None = None) -> SmsBridgeError:
    """The error ``table`` maps a non-zero status to, described by :func:`describe`."""
    return answer.error(table, code, describe(root, code, descriptions),
                        retry_after=retry_after)
