"""KetchUp Loyalty REST API: statuses, tasks, price lists and estimates. Pure: it builds
requests and reads answers; the driver makes the requests.

The API is split by concern: :mod:`~smsbridge_ketchup.references` (ids and references),
:mod:`~smsbridge_ketchup.validation`, :mod:`~smsbridge_ketchup.bodies` (request bodies),
:mod:`~smsbridge_ketchup.parsing` (answers), :mod:`~smsbridge_ketchup.sending`,
:mod:`~smsbridge_ketchup.hlr`, :mod:`~smsbridge_ketchup.exports` and
:mod:`~smsbridge_ketchup.push`.

Every module (``sms``, ``viber``, ``hlr``, ``stat``, ``message``) lives under the base
URL; every request carries the ``X-API-KEY`` header. Creating requests answer
``"error": "0"`` (or 0, or nothing for reads) beside the data; a non-zero code comes
with ``errorDescription``. A single object may arrive flat or wrapped in ``result``,
a list of created objects in ``result`` or ``messages``, and the Viber answer inside a
one-element list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import ValidationError
from smsbridge.ids import path_segment
from smsbridge.models import Message, Price, Statistics, StatusReport
from smsbridge.parsing import as_int, parse_decimal
from smsbridge.transport import Request
from smsbridge_ketchup.bodies import api_request, sms_body, viber_body
from smsbridge_ketchup.parsing import _field, _flat, _price_list, _text, payload, status_report
from smsbridge_ketchup.references import message_references, parse_message_id
from smsbridge_ketchup.sending import group_key
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import _check_tariff

__all__ = [
    "CHANNELS",
    "estimate_request",
    "is_test_key",
    "parse_estimate",
    "parse_prices",
    "parse_status",
    "parse_task",
    "prices_requests",
    "status_request",
    "task_request",
]

CHANNELS = ("sms", "viber", "hlr")


def status_request(message_id: str, settings: KetchupSettings) -> Request:
    """``sms/{id}``, ``viber/{id}`` or their ``reference/{reference}`` forms."""
    return api_request(settings, "GET", parse_message_id(message_id).path)


def parse_status(answer: Answer, message_id: str) -> StatusReport:
    """The status of an SMS or Viber message."""
    found = payload(answer, parse_message_id(message_id).channel)
    with answer.reading("status answer"):
        return status_report(_flat(found), message_id)


def task_request(task_id: str, settings: KetchupSettings) -> Request:
    """``sms/task/{task_id}``: the counts of a ``phones`` send."""
    text = (task_id.strip() if isinstance(task_id, str)
            else str(task_id) if type(task_id) is int and 0 < task_id < 10**18
            else "")
    segment = path_segment(text, field="task_id", what="a KetchUp task id")
    return api_request(settings, "GET", f"sms/task/{segment}")


def parse_task(answer: Answer) -> Statistics:
    """The counts of a task."""
    found = payload(answer, "sms")
    with answer.reading("task answer"):
        outer = _flat(found)
        if not isinstance(outer, Mapping):
            raise TypeError("the task is not an object")
        counts = {name: as_int(_field(outer, name)) for name in
                  ("sent", "delivered", "undeliverable", "expired", "unknown")}
        if all(v is None for v in counts.values()):
            raise ValueError("no counts")
        return Statistics(sent=counts["sent"], delivered=counts["delivered"],
                          undelivered=counts["undeliverable"], expired=counts["expired"],
                          in_progress=counts["unknown"], total=counts["sent"], raw=outer)


def prices_requests(channel: str | None, filters: Mapping[str, Any],
                    settings: KetchupSettings) -> list[tuple[str, Request]]:
    """The price list requests (``{sms,viber,hlr}/prices/{tariff}``) of one channel or all."""
    unknown = sorted(set(filters) - {"tariff", "country"})
    if unknown:
        raise ValidationError(f"unknown KetchUp price filter(s) {', '.join(unknown)}; "
                              "valid: country, tariff", field=unknown[0])
    if channel is not None and channel not in CHANNELS:
        raise ValidationError(f"KetchUp prices channels are {', '.join(CHANNELS)}, not "
                              f"{channel!r}", field="channel")
    tariff = filters.get("tariff", settings.tariff)
    if tariff is not None:
        tariff = _check_tariff(tariff)
    country = filters.get("country")
    if country is not None and not isinstance(country, str):
        raise ValidationError("country must be an ISO code string", field="country")
    suffix = f"/{tariff}" if tariff is not None else ""
    return [(name, api_request(settings, "GET", f"{name}/prices{suffix}"))
            for name in ((channel,) if channel else CHANNELS)]


def parse_prices(answer: Answer, channel: str, filters: Mapping[str, Any]) -> list[Price]:
    """One channel's price list, of the ``country`` filter's country when given."""
    found = payload(answer, channel)
    with answer.reading("price list"):
        prices = _price_list(found, channel)
    country = filters.get("country")
    if country:
        prices = [p for p in prices if p.country == country.strip().upper()]
    return prices


def estimate_request(messages: Sequence[Message], settings: KetchupSettings) -> Request:
    """``sms/price`` or ``viber/price``: what sending ``messages`` would cost."""
    channels = {m.channel for m in messages}
    if len(channels) != 1:
        raise ValidationError("estimate one channel at a time", field="channel")
    channel = channels.pop()
    if len({group_key(m, settings) for m in messages}) != 1:
        raise ValidationError("estimate messages sharing validity, tariff and send time",
                              field="messages")
    references = message_references(messages)
    body = (sms_body(messages, references, settings) if channel == "sms"
            else viber_body(messages, references, settings))
    return api_request(settings, "POST", f"{channel}/price", json=body)


def parse_estimate(answer: Answer, channel: str) -> Price:
    """The total price an estimate answered."""
    found = payload(answer, channel)
    with answer.reading("price answer"):
        outer = _flat(found)
        total = parse_decimal(_field(outer, "totalprice")
                              if _field(outer, "totalprice") is not None
                              else _field(outer, "total_price"))
        if total is None:
            raise ValueError("no totalprice")
        return Price(channel=channel, price=total, currency=_text(_field(outer, "currency")),
                     raw=found)


def is_test_key(settings: KetchupSettings) -> bool:
    """True for a test key (answers carry random data, nothing is sent)."""
    return settings.api_key.strip().lower().startswith("test")
