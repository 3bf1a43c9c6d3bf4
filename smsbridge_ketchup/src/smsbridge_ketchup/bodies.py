"""KetchUp request bodies: ``sms/create``, ``viber/create``, ``hlr/create``, ``stat/create``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from smsbridge.errors import ValidationError
from smsbridge.models import Message
from smsbridge.phones import normalize_msisdn
from smsbridge.transport import Request
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import _check_url, validity_hours, validity_seconds

__all__ = ["api_request", "hlr_files", "sms_body", "stat_body", "tariff_of", "viber_body"]

STAT_MESSAGE_IDS = 300

STAT_SOURCE_TYPES = frozenset({"api", "web", "smpp", "xml", "http", "json"})
STAT_MESSAGE_TYPES = frozenset({"sms", "hlr", "viber"})
STAT_STATUSES = frozenset({
    "Delivered", "Rejected", "Scheduled", "Moderation", "Accepted", "Sending", "Sent",
    "Expired", "Failed", "Undelivered", "Unknown", "Read", "not-viber-user",
})
STAT_COMPARISONS = frozenset({"<", ">", "="})
STAT_FILTERS = frozenset({
    "msisdn", "originator", "source_type", "message_type", "time_sent_from",
    "time_sent_to", "country_name", "operator_id", "status", "sl_clicks",
    "sl_clicks_comp", "sl_clicks_count", "callback_url",
})
STAT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def api_request(settings: KetchupSettings, method: str, path: str, *, json: Any = None,
                files: Any = None) -> Request:
    """A request to KetchUp: every one carries the API key in the ``X-API-KEY`` header."""
    return Request(method=method, path=path, json=json, files=files,
                   headers={"X-API-KEY": settings.api_key})


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def tariff_of(options: Mapping[str, Any], settings: KetchupSettings) -> int | None:
    """The tariff of a request: the message's option, else the setting."""
    value = options.get("tariff", settings.tariff)
    return None if value is None else int(value)


def sms_body(group: Sequence[Message], references: Sequence[str],
             settings: KetchupSettings) -> dict[str, Any]:
    """The ``sms/create`` (and ``sms/price``) body of messages sharing validity,
    tariff and send time: ``phone``, ``phones`` or ``individual``."""
    first = group[0]
    same_text = all(m.text == first.text and m.sender == first.sender for m in group)
    body: dict[str, Any]
    if len(group) == 1:
        body = {"destination": "phone", "originator": first.sender, "body": first.text,
                "msisdn": first.to, "reference": references[0]}
    elif same_text:
        body = {"destination": "phones",
                "phones": [{"msisdn": m.to, "reference": r}
                           for m, r in zip(group, references, strict=True)],
                "originator": first.sender, "body": first.text}
    else:
        body = {"destination": "individual",
                "phones": [{"originator": m.sender, "body": m.text, "msisdn": m.to,
                            "reference": r} for m, r in zip(group, references, strict=True)]}
    hours = validity_hours(first.validity)
    if hours is not None:
        body["validity"] = hours
    tariff = tariff_of(first.options, settings)
    if tariff is not None:
        body["tariff"] = tariff
    if first.send_at is not None:
        key = "scheduledDatetime" if body["destination"] == "individual" else "send_time"
        body[key] = _iso(first.send_at)
    return body


def viber_body(group: Sequence[Message], references: Sequence[str],
               settings: KetchupSettings) -> dict[str, Any]:
    """The ``viber/create`` (and ``viber/price``) body of messages sharing validity and
    tariff; recipients of equal messages share one message object."""
    objects: dict[tuple[Any, ...], dict[str, Any]] = {}
    for message, reference in zip(group, references, strict=True):
        options = message.options
        key = (message.text, message.sender, message.send_at,
               tuple(sorted((k, v) for k, v in options.items() if k != "tariff")))
        entry = objects.get(key)
        if entry is None:
            entry = {"to": [], "text": message.text, "alpha_name": message.sender}
            if "is_promotional" in options:
                entry["is_promotional"] = options["is_promotional"]
            callback = options.get("callback_url", settings.callback_url)
            if callback:
                entry["callback_url"] = callback
            viber = {wire: options[name] for name, wire in
                     (("image", "img"), ("caption", "caption"), ("action", "action"))
                     if name in options}
            if viber:
                entry["options"] = {"viber": viber}
            if message.send_at is not None:
                entry["scheduledDatetime"] = _iso(message.send_at)
            objects[key] = entry
        # external_id is the document's field; the platform's SDKs (and its dedupe)
        # use reference: send both.
        entry["to"].append({"msisdn": message.to, "external_id": reference,
                            "reference": reference})
    first = group[0]
    body: dict[str, Any] = {}
    tariff = tariff_of(first.options, settings)
    if tariff is not None:
        body["tariff"] = tariff
    seconds = validity_seconds(first.validity)
    if seconds is not None:
        body["validity"] = seconds
    body["messages"] = list(objects.values())
    return body


def hlr_files(msisdns: Sequence[str], references: Sequence[str], tariff: int | None,
              callback: str | None) -> dict[str, tuple[None, str]]:
    """The ``hlr/create`` multipart fields: one number as form fields, several as ``payload``."""
    entries = []
    for msisdn, reference in zip(msisdns, references, strict=True):
        entry: dict[str, Any] = {"msisdn": msisdn, "reference": reference}
        if tariff is not None:
            entry["tariff"] = tariff
        if callback:
            entry["callback_url"] = callback
        entries.append(entry)
    if len(entries) == 1:
        return {k: (None, str(v)) for k, v in entries[0].items()}
    return {"payload": (None, json.dumps(entries))}


def stat_body(*, message_ids: Sequence[str | int] | None, start: datetime | None,
              end: datetime | None, filters: Mapping[str, Any]) -> dict[str, Any]:
    """Build and check a ``stat/create`` body."""
    unknown = sorted(set(filters) - STAT_FILTERS)
    if unknown:
        raise ValidationError(f"unknown KetchUp statistics filter(s) {', '.join(unknown)}; "
                              f"valid: {', '.join(sorted(STAT_FILTERS))}", field=unknown[0])
    body: dict[str, Any] = {}
    if message_ids is not None:
        ids = [str(i).strip() for i in message_ids]
        if not ids or len(ids) > STAT_MESSAGE_IDS:
            raise ValidationError(f"give 1 to {STAT_MESSAGE_IDS} message ids", field="message_ids")
        if not all(i.isdigit() for i in ids):
            raise ValidationError("statistics message ids are numeric", field="message_ids")
        body["message_id"] = ids
    elif start is None or end is None:
        raise ValidationError("give message_ids or both start and end", field="start")
    if start is not None and end is not None:
        _check_period(start, end, "time_in")
        body["time_in_from"] = _stat_time(start)
        body["time_in_to"] = _stat_time(end)
    for name, value in filters.items():
        if value is None:
            continue
        body[name] = _stat_filter(name, value)
    if ("time_sent_from" in body) != ("time_sent_to" in body):
        raise ValidationError("give both time_sent_from and time_sent_to", field="time_sent_from")
    if "time_sent_from" in body:
        _check_period(filters["time_sent_from"], filters["time_sent_to"], "time_sent")
    if "operator_id" in body and "country_name" not in body:
        raise ValidationError("operator_id needs country_name", field="operator_id")
    return body


def _check_period(start: Any, end: Any, field: str) -> None:
    for value in (start, end):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValidationError(f"{field} bounds must be timezone-aware datetimes",
                                  field=field)
    if end < start:
        raise ValidationError(f"{field}: the end is before the start", field=field)


def _stat_time(value: datetime) -> str:
    # The document gives the platform's times without a zone; they read as UTC.
    return value.astimezone(timezone.utc).strftime(STAT_TIME_FORMAT)


def _stat_filter(name: str, value: Any) -> Any:
    if name == "msisdn":
        numbers = [value] if isinstance(value, (str, int)) else list(value)
        return [normalize_msisdn(n) for n in numbers]
    if name in ("time_sent_from", "time_sent_to"):
        _check_period(value, value, name)
        return _stat_time(value)
    if name == "source_type" and value not in STAT_SOURCE_TYPES:
        raise ValidationError(f"source_type must be one of {', '.join(sorted(STAT_SOURCE_TYPES))}",
                              field=name)
    if name == "message_type" and value not in STAT_MESSAGE_TYPES:
        raise ValidationError(
            f"message_type must be one of {', '.join(sorted(STAT_MESSAGE_TYPES))}", field=name)
    if name == "status" and value not in STAT_STATUSES:
        raise ValidationError(f"status must be one of {', '.join(sorted(STAT_STATUSES))}",
                              field=name)
    if name == "sl_clicks_comp" and value not in STAT_COMPARISONS:
        raise ValidationError("sl_clicks_comp must be '<', '>' or '='", field=name)
    if name == "sl_clicks_count" and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= 999999):
        raise ValidationError("sl_clicks_count must be an integer from 0 to 999999",
                              field=name)
    if name == "callback_url":
        _check_url(value, name)
    if name in ("originator", "country_name") and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", field=name)
    return value
