"""``send --dry-run``: every check a send makes, nothing sent, and a cost estimate."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.cli.context import Context
from smsbridge.cli.output import EXIT_FAILED, EXIT_OK, UsageError, describe_error
from smsbridge.cli.recipients import RecipientSource
from smsbridge.errors import SmsBridgeError, ValidationError
from smsbridge.models import Message, Price
from smsbridge.text import segments

if TYPE_CHECKING:
    from smsbridge.client import Client

__all__ = ["dry_run"]

#: Invalid numbers a dry run lists one by one (it counts all of them).
_LISTED_INVALID = 100


def _estimate(prices: list[Price], parts: int) -> list[dict[str, Any]]:
    """Cost of ``parts`` SMS parts per currency: exact for one price, else a range."""
    by_currency: dict[str, list[Decimal]] = {}
    for price in prices:
        if price.channel == "sms":
            by_currency.setdefault(price.currency or "", []).append(price.price)
    estimates = []
    for currency, values in sorted(by_currency.items()):
        low, high = min(values), max(values)
        estimates.append({
            "currency": currency or None,
            "parts": parts,
            "price_per_part": low if low == high else None,
            "min": low * parts,
            "max": high * parts,
        })
    return estimates


def _estimate_text(estimate: dict[str, Any]) -> str:
    currency = f" {estimate['currency']}" if estimate["currency"] else ""
    if estimate["price_per_part"] is not None:
        parts = estimate["parts"]
        return (f"{estimate['min']}{currency} ({parts} part{'s' if parts != 1 else ''} at "
                f"{estimate['price_per_part']}{currency} each)")
    return (f"{estimate['min']} to {estimate['max']}{currency} for {estimate['parts']} parts, "
            "depending on the destinations")


def dry_run(ctx: Context, client: Client, source: RecipientSource, text: str,
             send_at: datetime | None, validity: timedelta | None) -> int:
    """Check everything a send would check, send nothing, and estimate the cost."""
    if not text.strip():
        raise ValidationError("text is empty", field="text")
    valid = 0
    invalid = 0
    listed: list[dict[str, Any]] = []
    first: str | None = None
    split = segments(text)
    parts = 0
    for recipient in source:
        if recipient.error is None and recipient.number is not None:
            valid += 1
            # A --csv template gives each row its own text (checked by the source).
            parts += (split.parts if recipient.text is None
                      else segments(recipient.text).parts)
            first = first or recipient.number
            continue
        invalid += 1
        if len(listed) < _LISTED_INVALID and recipient.error is not None:
            listed.append({"where": recipient.where, "value": recipient.given,
                           "error": describe_error(recipient.error)})
    if not valid and not invalid:
        raise UsageError("no recipients: the file holds no numbers")
    # The driver's own checks (sender format, text length, ...), as a send runs them
    # before its first request; no request is made here.
    probe = Message(to=first or "996550123456", text=text,
                    sender=ctx.args.sender or client.driver.settings.sender,
                    send_at=send_at, validity=validity, reference=ctx.args.reference)
    client.check([probe])
    estimates: list[dict[str, Any]] = []
    note: str | None = None
    if client.supports("prices"):
        try:
            estimates = _estimate(client.prices(channel="sms"), parts)
        except SmsBridgeError as exc:
            note = f"no cost estimate: {describe_error(exc)}"
        if not estimates and note is None:
            note = "no cost estimate: the provider lists no SMS price"
    else:
        note = f"no cost estimate: the {client.driver.name} driver gives no prices"
    code = EXIT_FAILED if invalid else EXIT_OK
    if ctx.json:
        ctx.out.document(
            "send", code == EXIT_OK, dry_run=True, recipients=valid, invalid=invalid,
            invalid_numbers=listed, sender=probe.sender, send_at=send_at,
            segments=split, parts=parts, estimate=estimates, estimate_note=note,
            exit_code=code)
        return code
    out = ctx.out
    out.line("Dry run: nothing was sent.")
    out.line(f"Recipients: {valid} valid, {invalid} invalid")
    for item in listed:
        out.line(f"  {item['where']}: {item['error']}")
    if invalid > len(listed):
        out.line(f"  ... and {invalid - len(listed)} more")
    unit = "GSM-7 septets" if split.encoding == "gsm7" else "UCS-2 code units"
    out.line(f"Text: {split.parts} part{'s' if split.parts != 1 else ''} per message "
             f"({split.encoding}, {split.length} {unit})")
    out.line(f"SMS parts in total: {parts}")
    if send_at is not None:
        out.line(f"Scheduled for: {send_at.isoformat()}")
    for estimate in estimates:
        out.line(f"Cost estimate: {_estimate_text(estimate)}")
    if note:
        out.line(note[0].upper() + note[1:] + ".")
    return code
