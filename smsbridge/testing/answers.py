"""Answers a simulated provider gives: JSON, XML, text, refusals; and request readers.

Every helper imports werkzeug when called, so a simulator module imports without the
``simulator`` extra (:meth:`Simulator.serve` names the extra when it is missing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from smsbridge.xmlutil import build_xml, parse_xml

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["Refusal", "answer_each", "checked", "json_answer", "json_body", "local_time",
           "method_not_allowed", "not_found", "params", "read_local_time", "text_answer", "whole",
           "xml_answer", "xml_fields", "xml_text"]


JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

T = TypeVar("T")
R = TypeVar("R")


class Refusal(Exception):
    """Raise in a handler to answer a provider error; :meth:`Simulator.refuse` renders it.

    ``code`` and ``description`` are the provider's; ``status`` is the HTTP status (most
    providers answer errors with 200); ``fields`` are more fields of the error answer.
    """

    def __init__(self, code: int | str, description: str = "", *, status: int = 200,
                 **fields: Any) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description
        self.status = status
        self.fields = fields


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_answer(payload: Any, status: int = 200, *, headers: Mapping[str, str] | None = None,
                content_type: str = JSON_TYPE, ascii_only: bool = False) -> Response:
    """``payload`` as a UTF-8 JSON answer (Decimal as a JSON number); ``ascii_only``
    escapes non-ASCII characters as ``\\uXXXX``, as PHP's ``json_encode`` does."""
    from werkzeug.wrappers import Response

    text = json.dumps(payload, ensure_ascii=ascii_only, default=_jsonable)
    return Response(text, status=status, content_type=content_type, headers=dict(headers or {}))


def xml_answer(root: str, fields: Mapping[str, Any], *, namespace: str | None = None,
               status: int = 200) -> Response:
    """``<root>`` holding ``fields`` (as :func:`smsbridge.xmlutil.build_xml` builds it)."""
    from werkzeug.wrappers import Response

    return Response(build_xml(root, dict(fields), namespace=namespace), status=status,
                    content_type=XML_TYPE)


def text_answer(text: str, status: int = 200, *, content_type: str = "text/plain",
                headers: Mapping[str, str] | None = None) -> Response:
    """A plain answer."""
    from werkzeug.wrappers import Response

    return Response(text, status=status, content_type=content_type,
                    headers=dict(headers or {}))


def not_found() -> Response:
    """HTTP 404, as a web server answers an unknown path."""
    return text_answer("not found", 404)


def method_not_allowed(allowed: Iterable[str]) -> Response:
    """HTTP 405 naming the methods the path takes."""
    return text_answer("method not allowed", 405, headers={"Allow": ", ".join(allowed)})


def params(request: Request, *, lower: bool = False) -> dict[str, list[str]]:
    """Query and form parameters together (names lower-cased when ``lower``)."""
    merged: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for key in source:
            merged.setdefault(key.lower() if lower else key, []).extend(source.getlist(key))
    return merged


def json_body(request: Request, unreadable: Refusal | None = None) -> Any:
    """The request's JSON body; when it is empty or no JSON, raise ``unreadable`` (the
    provider's refusal) or, without one, return None."""
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError:
        if unreadable is None:
            return None
        raise unreadable from None


def answer_each(items: Iterable[T], answer: Callable[[T], R],
                refused: Callable[[T, Refusal], R]) -> list[R]:
    """Answer every item of a batch in order: with ``answer(item)``, or, when that raises a
    :class:`Refusal`, with ``refused(item, refusal)`` (a refused item is an error row of
    the answer, not a refused request; what ``answer`` did for earlier items stays done)."""
    rows: list[R] = []
    for item in items:
        try:
            rows.append(answer(item))
        except Refusal as refusal:
            rows.append(refused(item, refusal))
    return rows


def checked(value: Any, pattern: re.Pattern[str], refusal: Refusal) -> str:
    """``value`` when it is a string ``pattern`` matches (from its start: anchor its end
    as the provider does); else raise ``refusal``."""
    if not isinstance(value, str) or not pattern.match(value):
        raise refusal
    return value


def whole(value: Any) -> int | None:
    """A whole number a client sent as a JSON number or a string of digits (``72``,
    ``"72"``); None for anything else (``True``, ``7.5``, ``"7a"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # isdecimal, not isdigit: int() refuses digits such as "²".
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None


def xml_text(value: Any) -> str:
    """The stripped text of a parsed XML element (empty for a missing one)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        # An element with attributes: its text is under "#text".
        return str(value.get("#text") or "").strip()
    return str(value).strip()


def xml_fields(body: bytes, force_list: Sequence[str] = ()) -> dict[str, Any] | None:
    """The children of an XML body's one root element; None when it is no such document."""
    try:
        document = parse_xml(body, force_list=tuple(force_list))
    except ValueError:
        return None
    fields = next(iter(document.values())) if len(document) == 1 else None
    return fields if isinstance(fields, dict) else None


def local_time(timestamp: float | None, zone: tzinfo, layout: str) -> str:
    """A clock reading as the provider writes it in its zone ("" for None: not yet)."""
    return "" if timestamp is None else datetime.fromtimestamp(timestamp, zone).strftime(layout)


def read_local_time(value: str, zone: tzinfo, layout: str, unreadable: Refusal) -> datetime:
    """A time a client wrote in the provider's zone and layout (the inverse of
    :func:`local_time`), as an aware datetime; raise ``unreadable`` when it does not parse."""
    try:
        return datetime.strptime(value, layout).replace(tzinfo=zone)
    except ValueError:
        raise unreadable from None
