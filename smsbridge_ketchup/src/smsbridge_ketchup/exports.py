"""KetchUp statistics exports (``stat/*``): requests, answers and the statistics counted
from them. Pure: the driver makes the requests (and waits for a file)."""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import InvalidResponse, ValidationError
from smsbridge.ids import path_segment
from smsbridge.models import DeliveryState, Statistics
from smsbridge.parsing import as_str
from smsbridge.transport import Request
from smsbridge_ketchup.bodies import api_request, stat_body
from smsbridge_ketchup.errors import delivery_state
from smsbridge_ketchup.parsing import _field, _flat, _text, payload
from smsbridge_ketchup.references import _ID
from smsbridge_ketchup.settings import KetchupSettings

__all__ = [
    "EXPORT_FORMATS",
    "create_request",
    "delete_request",
    "file_request",
    "list_request",
    "parse_created",
    "parse_deleted",
    "parse_file",
    "parse_list",
    "parse_rows",
    "polls",
    "statistics",
]

EXPORT_FORMATS = ("json", "xml", "csv")
#: What ``stat/file`` answers while an export is being prepared, and for an empty one.
NOT_READY, EMPTY = "91", "93"


def create_request(settings: KetchupSettings, *, message_ids: Sequence[str | int] | None,
                   start: datetime | None, end: datetime | None,
                   filters: Mapping[str, Any]) -> Request:
    """The ``stat/create`` request of a statistics export."""
    body = stat_body(message_ids=message_ids, start=start, end=end, filters=filters)
    return api_request(settings, "POST", "stat/create", json=body)


def parse_created(answer: Answer) -> str:
    """The file key of a created export."""
    found = payload(answer, "stat")
    with answer.reading("export answer"):
        key = _field(_flat(found), "key")
        if isinstance(key, Mapping) and len(key) == 1:
            key = next(iter(key.values()))
        text = as_str(key)
        if text is None or not _ID.match(text) or text in (".", ".."):
            raise ValueError(f"no usable export key: {key!r}")
        return text


def file_request(settings: KetchupSettings, key: str, file_format: str = "json") -> Request:
    """The download of an export (``stat/file/id/{key}/format/{format}``)."""
    if file_format not in EXPORT_FORMATS:
        raise ValidationError(f"export format must be one of {', '.join(EXPORT_FORMATS)}",
                              field="format")
    return api_request(settings, "GET", f"stat/file/id/{_key(key)}/format/{file_format}")


def parse_file(answer: Answer, file_format: str) -> bytes:
    """An export file as it is; error 91 while it is being prepared."""
    if file_format != "json":
        # An XML or CSV file is no JSON: only a JSON error object says more than the status.
        with contextlib.suppress(InvalidResponse):
            payload(answer, "stat")
        if not answer.ok:
            raise answer.http_error()
        return answer.content
    payload(answer, "stat")
    return answer.content


def parse_rows(answer: Answer) -> list[dict[str, Any]]:
    """The rows of a JSON export; error 91 while it is being prepared."""
    found = payload(answer, "stat")
    with answer.reading("export file"):
        return _rows(found)


def list_request(settings: KetchupSettings) -> Request:
    """The list of exports the provider keeps (``stat/list``)."""
    return api_request(settings, "GET", "stat/list")


def parse_list(answer: Answer) -> Any:
    """The exports, as answered."""
    return payload(answer, "stat")


def delete_request(settings: KetchupSettings, key: str) -> Request:
    """The deletion of an export (``DELETE message/list/{key}``)."""
    return api_request(settings, "DELETE", f"message/list/{_key(key)}")


def parse_deleted(answer: Answer) -> None:
    """Check a deletion's answer: empty, or a JSON object without error."""
    if not answer.content.strip():
        if not answer.ok:
            raise answer.http_error()
        return
    payload(answer, "stat")


def polls(settings: KetchupSettings) -> int:
    """How many looks at an export ``report()`` takes before giving up."""
    return 1 + math.ceil(settings.report_timeout / settings.report_poll_interval)


def _key(key: str) -> str:
    text = (key.strip() if isinstance(key, str)
            else str(key) if type(key) is int and 0 < key < 10**18 else "")
    if not _ID.match(text):
        raise ValidationError(f"not a KetchUp export key: {key!r}", field="key")
    return path_segment(text, field="key", what="a KetchUp export key")


def _rows(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, Mapping):
        for key in ("message_data", "result", "data", "messages"):
            found = _field(payload, key)
            if found is not None:
                rows = found
                break
        else:
            rows = [v for k, v in payload.items() if isinstance(v, list)]
            if len(rows) != 1:
                raise ValueError("no message rows in the export")
            rows = rows[0]
    else:
        raise TypeError("the export is neither an object nor a list")
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise TypeError("export rows are not objects")
    for row in rows:
        _text(_field(row, "status"))  # a status that is no word (a list...) is refused here
    return [dict(r) for r in rows]


def statistics(rows: Sequence[Mapping[str, Any]]) -> Statistics:
    """Count export rows by delivery state.

    ``sent`` counts messages handed to the network without a final report yet,
    ``in_progress`` those still on the platform or in an unknown state, ``delivered``
    includes Viber messages read.
    """
    counts: Counter[DeliveryState] = Counter()
    for row in rows:
        counts[delivery_state(_text(_field(row, "status")))] += 1
    return Statistics(
        sent=counts[DeliveryState.SENT],
        delivered=counts[DeliveryState.DELIVERED] + counts[DeliveryState.READ],
        undelivered=counts[DeliveryState.UNDELIVERED],
        expired=counts[DeliveryState.EXPIRED],
        rejected=counts[DeliveryState.REJECTED],
        in_progress=counts[DeliveryState.QUEUED] + counts[DeliveryState.UNKNOWN],
        total=len(rows),
        raw=list(rows),
    )
