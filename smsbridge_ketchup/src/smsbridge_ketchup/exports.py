"""KetchUp statistics exports (``stat/*``) and the statistics counted from them."""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from smsbridge.errors import InvalidResponse, ProviderError, ValidationError
from smsbridge.ids import path_segment
from smsbridge.models import DeliveryState, Statistics
from smsbridge.parsing import as_str
from smsbridge_ketchup.base import ApiBase
from smsbridge_ketchup.bodies import stat_body
from smsbridge_ketchup.errors import delivery_state
from smsbridge_ketchup.parsing import _field, _flat, _text
from smsbridge_ketchup.references import _ID

__all__ = ["EXPORT_FORMATS", "ExportsApi", "statistics"]

EXPORT_FORMATS = ("json", "xml", "csv")


class ExportsApi(ApiBase):
    """The five export operations and the report built on them."""

    def create_export(self, *, message_ids: Sequence[str | int] | None = None,
                      start: datetime | None = None, end: datetime | None = None,
                      **filters: Any) -> str:
        """Request a statistics export (``stat/create``); return its file key."""
        body = stat_body(message_ids=message_ids, start=start, end=end, filters=filters)
        response = self.request("POST", "stat/create", operation="report", json=body)
        payload = self.check(response, "stat")
        with response.reading("export answer"):
            key = _field(_flat(payload), "key")
            if isinstance(key, Mapping) and len(key) == 1:
                key = next(iter(key.values()))
            text = as_str(key)
            if text is None or not _ID.match(text) or text in (".", ".."):
                raise ValueError(f"no usable export key: {key!r}")
            return text

    def export_file(self, key: str, file_format: str = "json") -> bytes:
        """Download an export as it is (``stat/file/id/{key}/format/{format}``)."""
        if file_format not in EXPORT_FORMATS:
            raise ValidationError(f"export format must be one of {', '.join(EXPORT_FORMATS)}",
                                  field="format")
        response = self.request("GET", f"stat/file/id/{_key(key)}/format/{file_format}",
                                operation="report")
        if file_format != "json":
            with contextlib.suppress(InvalidResponse):
                self.check(response, "stat")
            if not response.ok:
                raise response.http_error()
            return response.content
        self.check(response, "stat")
        return response.content

    def export_rows(self, key: str) -> list[dict[str, Any]]:
        """The rows of a JSON export; error 91 while it is being prepared."""
        response = self.request("GET", f"stat/file/id/{_key(key)}/format/json",
                                operation="report")
        payload = self.check(response, "stat")
        with response.reading("export file"):
            return _rows(payload)

    def list_exports(self) -> Any:
        """The exports the provider keeps for this key (``stat/list``), as answered."""
        response = self.request("GET", "stat/list", operation="list_exports")
        return self.check(response, "stat")

    def delete_export(self, key: str) -> None:
        """Delete an export (``DELETE message/list/{key}``)."""
        response = self.request("DELETE", f"message/list/{_key(key)}", operation="delete_export")
        if not response.content.strip():
            if not response.ok:
                raise response.http_error()
            return
        self.check(response, "stat")

    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any],
               sleep: Callable[[float], None]) -> Statistics:
        """Export the period, wait for the file, count its rows by state."""
        key = self.create_export(start=start, end=end, **filters)
        interval = self.settings.report_poll_interval
        polls = 1 + math.ceil(self.settings.report_timeout / interval)
        rows: list[dict[str, Any]] | None = None
        for attempt in range(polls):
            try:
                rows = self.export_rows(key)
                break
            except ProviderError as exc:
                if exc.code == "93":  # "file is empty": nothing was sent in the period
                    rows = []
                    break
                if exc.code != "91" or attempt == polls - 1:
                    raise
            sleep(interval)
        assert rows is not None
        if self.settings.report_cleanup:
            with contextlib.suppress(ProviderError):
                self.delete_export(key)
        return statistics(rows)


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
