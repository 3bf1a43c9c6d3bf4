"""Parsing KetchUp pushes: statistics rows, Viber delivery reports and HLR reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smsbridge import jsonutil
from smsbridge.models import DeliveryState, HlrResult, StatusReport
from smsbridge.parsing import as_str, parse_decimal
from smsbridge_ketchup.errors import delivery_state, hlr_status
from smsbridge_ketchup.parsing import _field, _flag, _flat, _text, _utc, hlr_report, status_report
from smsbridge_ketchup.references import MessageId

__all__ = ["parse_push", "stat_report"]


def parse_push(body: bytes) -> list[Any]:
    """Parse a push: message statistics rows (``message_data``: SMS, Viber and HLR
    rows), a Viber delivery report, or an HLR report."""
    payload = jsonutil.loads(body)
    rows = _field(payload, "message_data") if isinstance(payload, Mapping) else None
    if rows is not None:
        if not isinstance(rows, list):
            raise TypeError("message_data is not a list")
        objects = rows
    else:
        objects = payload if isinstance(payload, list) else [_flat(payload)]
    out: list[Any] = []
    for item in objects:
        if not isinstance(item, Mapping):
            raise TypeError("a pushed report is not an object")
        if _field(item, "message_ID") is not None:
            out.append(stat_report(item))
        elif any(_field(item, k) is not None for k in ("time_in", "time_sent", "time_dr")):
            out.append(status_report(item))
        else:
            out.append(hlr_report(item))
    return out


def _stat_price(value: Any) -> tuple[Any, str | None]:
    """``"0.0200000 EUR"`` -> (Decimal("0.0200000"), "EUR")."""
    text = as_str(value)
    if text is None:
        return None, None
    amount, _, currency = text.partition(" ")
    return parse_decimal(amount), currency.strip() or None


def stat_report(row: Mapping[str, Any]) -> StatusReport | HlrResult:
    """One row of message statistics (an export or a push): an SMS or Viber message's
    report, or an HLR result."""
    kind = (_text(_field(row, "message_type")) or "sms").lower()
    provider_id = as_str(_field(row, "message_ID"))
    msisdn = _text(_field(row, "msisdn"))
    if provider_id is None or msisdn is None:
        raise ValueError("no message_ID or msisdn")
    price, currency = _stat_price(_field(row, "price"))
    if kind == "hlr":
        details = _field(row, "body")
        if not isinstance(details, Mapping):
            raise TypeError("the HLR row's body is not an object")
        mcc, mnc = as_str(_field(details, "MCC")), as_str(_field(details, "MNC"))
        return HlrResult(
            id=provider_id, msisdn=msisdn, status=hlr_status(_text(_field(details, "Status"))),
            network=f"{mcc}{mnc.zfill(2)}" if mcc and mnc else None,
            ported=_flag(_field(details, "Ported")), roaming=_flag(_field(details, "Roaming")),
            price=price, currency=currency, raw=row)
    word = _text(_field(row, "Status"))
    if word is None:
        raise ValueError("no Status")
    state = delivery_state(word)
    channel = "viber" if kind == "viber" else "sms"
    return StatusReport(
        message_id=str(MessageId(channel, provider_id)), recipient=msisdn, state=state,
        provider_state=word, sent_at=_utc(_field(row, "Sending date")),
        delivered_at=(_utc(_field(row, "DLR Date"))
                      if state in (DeliveryState.DELIVERED, DeliveryState.READ) else None),
        price=price, currency=currency, raw=row)
