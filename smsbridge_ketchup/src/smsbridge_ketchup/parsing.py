"""Reading KetchUp answers tolerantly: fields, error codes, times, wrapped objects,
and the status, HLR and price objects read from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import ProviderError
from smsbridge.models import DeliveryState, HlrResult, Price, StatusReport
from smsbridge.parsing import as_int, as_str, parse_bool, parse_decimal
from smsbridge_ketchup.errors import (
    DUPLICATE_CODES,
    delivery_state,
    hlr_status,
    module_error,
    refusal,
)

__all__ = ["hlr_report", "is_duplicate", "item_error", "payload", "status_report",
           "whole_error"]

PROVIDER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_ERROR_DESCRIPTION = "errordescription"


def _field(payload: Mapping[str, Any], name: str) -> Any:
    """A field by name, ignoring case and stray spaces in keys (``" errorDescription"``)."""
    if name in payload:
        return payload[name]
    wanted = name.lower()
    for key, value in payload.items():
        if isinstance(key, str) and key.strip().lower() == wanted:
            return value
    return None


def _code(value: Any) -> int | None:
    """An error code as int (``"0"``, ``0``, ``" 20 "``); None when absent."""
    try:
        return as_int(value)
    except (ValueError, ArithmeticError):
        raise ValueError(f"error code is not a number: {value!r}") from None


def _error_of(payload: Any) -> tuple[int, str | None] | None:
    """``(code, description)`` for a non-zero ``error`` field, else None."""
    if not isinstance(payload, dict):  # JSON objects are dicts
        return None
    code = _code(_field(payload, "error"))
    if not code:
        return None
    description = as_str(_field(payload, _ERROR_DESCRIPTION))
    return code, description


def _text(value: Any) -> str | None:
    """A stripped string (``" AE"`` -> ``"AE"``), None for empty."""
    return as_str(value)


def _utc(value: Any) -> datetime | None:
    """Read a provider time: ISO 8601 with offset, or ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    text = as_str(value)
    if text is None or text.startswith("0000-00-00"):
        return None
    try:
        parsed = datetime.strptime(text, PROVIDER_TIME_FORMAT)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        # The document gives no zone for these times; the platform's ISO times say UTC.
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return parse_bool(value)


def _items(payload: Any) -> list[Any]:
    """The created objects of a create answer, flat or wrapped."""
    if isinstance(payload, list):
        if len(payload) == 1 and isinstance(payload[0], Mapping) and (
                "messages" in payload[0] or "result" in payload[0]):
            return _items(payload[0])
        return payload
    if not isinstance(payload, Mapping):
        raise TypeError("the answer is neither an object nor a list")
    for key in ("result", "messages"):
        if key in payload:
            inner = payload[key]
            if isinstance(inner, list):
                return inner
            if isinstance(inner, Mapping):
                return _items(inner) if ("result" in inner or "messages" in inner) else [inner]
            raise TypeError(f"{key!r} is neither an object nor a list")
    return [payload]


def _outer(payload: Any) -> Mapping[str, Any]:
    """The object holding totals and ``task_id``: the answer or its one list element."""
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], Mapping):
        return payload[0]
    if isinstance(payload, Mapping):
        return payload
    return {}


def _flat(payload: Any) -> Any:
    """One object, flat or wrapped in ``result`` (an object or a one-element list)."""
    if isinstance(payload, Mapping) and "result" in payload:
        inner = payload["result"]
        if isinstance(inner, list) and len(inner) == 1:
            inner = inner[0]
        if isinstance(inner, Mapping):
            return {**{k: v for k, v in payload.items() if k != "result"}, **inner}
    if isinstance(payload, list) and len(payload) == 1:
        return payload[0]
    return payload


def payload(answer: Answer, module: str, *, duplicate_ok: bool = False) -> Any:
    """The JSON payload of an answer from ``module``; raise the error it reports.

    ``duplicate_ok`` accepts a "reference exists" answer to a repeated request: the
    first attempt created the object and its answer was lost.
    """
    found = answer.json()
    try:
        error = whole_error(found)
    except ValueError as exc:
        raise answer.unreadable(str(exc)) from exc
    if error is not None:
        code, description = error
        if duplicate_ok and code in DUPLICATE_CODES.get(module, ()):
            return found
        raise module_error(answer, module, code, description)
    if not answer.ok:
        raise answer.http_error()
    if not isinstance(found, (Mapping, list)):
        raise answer.invalid("the answer is not a JSON object")
    return found


def whole_error(found: Any) -> tuple[int, str | None] | None:
    """``(code, description)`` when an answer refuses its whole request.

    The code may stand in the answer, in its one-element list (the document's Viber
    form), or in the one object it wraps in ``result``: the platform answers a refused
    single SMS ``{"result": {"error": 21, ...}}``, a refusal of the one message the
    request carried, read like the document's ``{"error": "11", ...}``.
    """
    error = _error_of(found)
    if error is None and isinstance(found, list) and len(found) == 1:
        error = _error_of(found[0])
    if error is None and isinstance(found, Mapping) and isinstance(found.get("result"), Mapping):
        error = _error_of(found["result"])
    return error


def item_error(answer: Answer, module: str, item: Mapping[str, Any]) -> ProviderError | None:
    """The refusal one item of a create answer carries, if any."""
    error = _error_of(item)
    return None if error is None else refusal(answer, module, *error)


def is_duplicate(module: str, error: ProviderError | None) -> bool:
    """True for a per-recipient "this reference exists" refusal."""
    return error is not None and as_int(error.code) in DUPLICATE_CODES.get(module, ())


def _match(items: Sequence[Any], references: Sequence[str]) -> list[Any]:
    """Order answer items like the request: by reference, the rest by position."""
    slots: list[Any] = [None] * len(references)
    where = {ref: i for i, ref in enumerate(references)}
    rest = []
    for item in items:
        ref = as_str(_field(item, "reference") or _field(item, "external_id")) if isinstance(
            item, dict) else None
        index = where.get(ref) if ref is not None else None
        if index is not None and slots[index] is None:
            slots[index] = item
        else:
            rest.append(item)
    free = [i for i, slot in enumerate(slots) if slot is None]
    if len(free) != len(rest):
        raise ValueError(f"{len(items)} result items for {len(references)} recipients")
    for index, item in zip(free, rest, strict=True):
        slots[index] = item
    return slots


def _price_list(payload: Any, channel: str) -> list[Price]:
    rows = _field(_flat(payload), "prices") if isinstance(_flat(payload), Mapping) else payload
    if not isinstance(rows, list):
        raise TypeError("prices is not a list")
    out = []
    for row in rows:
        # The document's own example nests entries in one-element lists.
        entries = row if isinstance(row, list) else [row]
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise TypeError("a price is not an object")
            price = parse_decimal(_field(entry, "price"))
            if price is None:
                raise ValueError("a price without price")
            out.append(Price(
                channel=(_text(_field(entry, "type")) or channel).lower(),
                price=price,
                currency=_text(_field(entry, "currency")),
                country=(_text(_field(entry, "country")) or "").upper() or None,
                country_name=_text(_field(entry, "country_name")),
                mcc=_text(_field(entry, "mcc")),
                raw=entry,
            ))
    return out


def status_report(payload: Any, message_id: str | None = None) -> StatusReport:
    """Read a status object (the answer of ``sms/{id}``, ``viber/{id}``, ...)."""
    if not isinstance(payload, Mapping):
        raise TypeError("the status is not an object")
    word = _text(_field(payload, "status"))
    if word is None:
        raise ValueError("no status")
    state = delivery_state(word)
    delivered = _utc(_field(payload, "time_dr"))
    if message_id is None:
        provider_id = as_str(_field(payload, "id"))
        reference = as_str(_field(payload, "reference"))
        if provider_id is not None:
            message_id = provider_id
        elif reference is not None:
            message_id = f"ref:{reference}"
        else:
            raise ValueError("no id or reference")
    return StatusReport(
        message_id=message_id,
        recipient=_text(_field(payload, "msisdn")),
        state=state,
        provider_state=word,
        sent_at=_utc(_field(payload, "time_sent")),
        delivered_at=delivered if state in (DeliveryState.DELIVERED,
                                            DeliveryState.READ) else None,
        price=parse_decimal(_field(payload, "price")),
        currency=_text(_field(payload, "currency")),
        raw=payload,
    )


def hlr_report(payload: Any) -> HlrResult:
    """Read an HLR object (``hlr/{id}`` answer and HLR push)."""
    if not isinstance(payload, Mapping):
        raise TypeError("the HLR result is not an object")
    msisdn = _text(_field(payload, "msisdn"))
    word = _text(_field(payload, "status"))
    if msisdn is None or word is None:
        raise ValueError("no msisdn or status")
    details = _field(payload, "details")
    if details is not None and not isinstance(details, Mapping):
        details = None if details in ("", []) else details
        if details is not None:
            raise TypeError("details is not an object")
    details = details or {}
    network = _text(_field(payload, "network"))
    return HlrResult(
        id=as_str(_field(payload, "id")),
        msisdn=msisdn,
        status=hlr_status(word),
        reference=_text(_field(payload, "reference")),
        network=None if network is None or network.lower() == "unknown" else network,
        ported=_flag(_field(details, "ported")),
        roaming=_flag(_field(details, "roaming")),
        price=parse_decimal(_field(payload, "price")),
        currency=_text(_field(payload, "currency")),
        raw=payload,
    )
