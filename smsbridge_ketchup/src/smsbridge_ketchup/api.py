"""KetchUp Loyalty REST API: the facade the driver calls.

The API is split by concern: :mod:`~smsbridge_ketchup.references` (ids and references),
:mod:`~smsbridge_ketchup.validation`, :mod:`~smsbridge_ketchup.bodies` (request bodies),
:mod:`~smsbridge_ketchup.parsing` (answers), :mod:`~smsbridge_ketchup.base` (the request
plumbing), :mod:`~smsbridge_ketchup.sending`, :mod:`~smsbridge_ketchup.hlr`,
:mod:`~smsbridge_ketchup.exports` and :mod:`~smsbridge_ketchup.push`; statuses, tasks and
price lists live here.

Every module (``sms``, ``viber``, ``hlr``, ``stat``, ``message``) lives under the base
URL; every request carries the ``X-API-KEY`` header. Creating requests answer
``"error": "0"`` (or 0, or nothing for reads) beside the data; a non-zero code comes
with ``errorDescription``. A single object may arrive flat or wrapped in ``result``,
a list of created objects in ``result`` or ``messages``, and the Viber answer inside a
one-element list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smsbridge.errors import ValidationError
from smsbridge.ids import path_segment
from smsbridge.models import Price, Statistics, StatusReport
from smsbridge.parsing import as_int
from smsbridge_ketchup.exports import ExportsApi
from smsbridge_ketchup.hlr import HlrApi
from smsbridge_ketchup.parsing import _field, _flat, _price_list, status_report
from smsbridge_ketchup.references import parse_message_id
from smsbridge_ketchup.sending import SendingApi
from smsbridge_ketchup.validation import _check_tariff

__all__ = ["CHANNELS", "KetchupApi"]

CHANNELS = ("sms", "viber", "hlr")


class KetchupApi(SendingApi, HlrApi, ExportsApi):
    """Requests to KetchUp and the models read from its answers."""

    def status(self, message_id: str) -> StatusReport:
        """Fetch an SMS or Viber message's status by id or reference."""
        parsed = parse_message_id(message_id)
        response = self.request("GET", parsed.path, operation="status")
        payload = self.check(response, parsed.channel)
        with response.reading("status answer"):
            return status_report(_flat(payload), message_id)

    def task_status(self, task_id: str) -> Statistics:
        """Counts of a ``phones`` send (``sms/task/{task_id}``)."""
        text = (task_id.strip() if isinstance(task_id, str)
                else str(task_id) if type(task_id) is int and 0 < task_id < 10**18
                else "")
        segment = path_segment(text, field="task_id", what="a KetchUp task id")
        response = self.request("GET", f"sms/task/{segment}", operation="task_status")
        payload = self.check(response, "sms")
        with response.reading("task answer"):
            outer = _flat(payload)
            if not isinstance(outer, Mapping):
                raise TypeError("the task is not an object")
            counts = {name: as_int(_field(outer, name)) for name in
                      ("sent", "delivered", "undeliverable", "expired", "unknown")}
            if all(v is None for v in counts.values()):
                raise ValueError("no counts")
            return Statistics(sent=counts["sent"], delivered=counts["delivered"],
                              undelivered=counts["undeliverable"], expired=counts["expired"],
                              in_progress=counts["unknown"], total=counts["sent"], raw=outer)

    # prices

    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """The price lists of one channel or all three."""
        unknown = sorted(set(filters) - {"tariff", "country"})
        if unknown:
            raise ValidationError(f"unknown KetchUp price filter(s) {', '.join(unknown)}; "
                                  "valid: country, tariff", field=unknown[0])
        if channel is not None and channel not in CHANNELS:
            raise ValidationError(f"KetchUp prices channels are {', '.join(CHANNELS)}, not "
                                  f"{channel!r}", field="channel")
        tariff = filters.get("tariff", self.settings.tariff)
        if tariff is not None:
            tariff = _check_tariff(tariff)
        country = filters.get("country")
        if country is not None and not isinstance(country, str):
            raise ValidationError("country must be an ISO code string", field="country")
        out: list[Price] = []
        for name in ((channel,) if channel else CHANNELS):
            path = f"{name}/prices" + (f"/{tariff}" if tariff is not None else "")
            response = self.request("GET", path, operation="prices")
            payload = self.check(response, name)
            with response.reading("price list"):
                out.extend(_price_list(payload, name))
        if country:
            out = [p for p in out if p.country == country.strip().upper()]
        return out

    def is_test_key(self) -> bool:
        """True for a test key (answers carry random data, nothing is sent)."""
        return self.settings.api_key.strip().lower().startswith("test")
