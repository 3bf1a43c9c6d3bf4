"""The query commands: drivers, status, balance, prices, hlr, lookup, report, inbox,
segments."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from smsbridge.cli.context import Context, now_utc, parse_when
from smsbridge.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    UsageError,
    describe_error,
    exit_code_for,
    jsonable,
    show,
    table,
)
from smsbridge.client import capabilities, plugin_manager
from smsbridge.discovery import available_drivers, load_driver
from smsbridge.errors import SmsBridgeError
from smsbridge.models import DeliveryState, HlrResult, StatusReport
from smsbridge.text import segments

if TYPE_CHECKING:
    from datetime import datetime

    from smsbridge.driver import Driver

__all__ = [
    "driver_capabilities",
    "run_balance",
    "run_drivers",
    "run_hlr",
    "run_inbox",
    "run_lookup",
    "run_prices",
    "run_report",
    "run_segments",
    "run_status",
]

#: Final states that mean the message reached the handset.
_DELIVERED = frozenset({DeliveryState.DELIVERED, DeliveryState.READ})


def driver_capabilities(driver: type[Driver[Any]]) -> list[str]:
    """What a driver class offers, without an instance, as the client derives it."""
    return sorted(capabilities(plugin_manager(driver), driver))


def _describe_driver(name: str, value: str, distribution: str | None,
                     version: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name, "distribution": distribution, "version": version, "entry_point": value,
        "capabilities": None, "settings": None, "secret_settings": None, "simulator": None,
        "error": None,
    }
    try:
        driver = load_driver(name)
        fields = attrs.fields(driver.settings_class)
        entry["capabilities"] = driver_capabilities(driver)
        entry["settings"] = sorted(f.name for f in fields)
        entry["secret_settings"] = sorted(f.name for f in fields if f.metadata.get("secret"))
        entry["simulator"] = getattr(driver, "simulator", None)
    except (SmsBridgeError, TypeError, attrs.exceptions.NotAnAttrsClassError,
            pluggy.PluginValidationError) as exc:
        entry["error"] = describe_error(exc)
    return entry


def run_drivers(ctx: Context) -> int:
    """List installed drivers; only this command imports every one of them."""
    entries = [_describe_driver(info.name, info.value, info.distribution, info.version)
               for info in available_drivers().values()]
    if ctx.json:
        ctx.out.document("drivers", True, drivers=entries)
        return EXIT_OK
    if not entries:
        ctx.out.line("No smsbridge drivers are installed (pip install smsbridge-nikita, ...).")
        return EXIT_OK
    rows = []
    for entry in entries:
        offers = (", ".join(entry["capabilities"]) if entry["error"] is None
                  else f"cannot import: {entry['error']}")
        rows.append([entry["name"], show(entry["version"]), show(entry["distribution"]), offers])
    ctx.out.lines(table(rows, ["DRIVER", "VERSION", "DISTRIBUTION", "CAPABILITIES"]))
    return EXIT_OK


# -- status ----------------------------------------------------------------------------


def _status_line(report: StatusReport) -> str:
    final = " (final)" if report.state.is_final else ""
    parts = [report.message_id, f"{report.state.value}{final}"]
    if report.recipient:
        parts.append(f"to {report.recipient}")
    if report.provider_state:
        parts.append(f"provider state {report.provider_state}")
    if report.description:
        parts.append(report.description)
    if report.delivered_at:
        parts.append(f"delivered at {report.delivered_at.isoformat()}")
    if report.price is not None:
        parts.append(f"price {report.price}{' ' + report.currency if report.currency else ''}")
    return "  ".join(parts)


def run_status(ctx: Context) -> int:
    """Show message states; with ``--wait`` poll until final, at most ``--timeout`` s."""
    args = ctx.args
    ids: list[str] = list(dict.fromkeys(args.ids))
    client = ctx.client()
    reports: dict[str, StatusReport] = {}
    errors: dict[str, SmsBridgeError] = {}

    def query(message_id: str) -> None:
        try:
            report = client.status(message_id)
        except SmsBridgeError as exc:
            errors[message_id] = exc
            if not ctx.json:
                ctx.out.note(f"smsbridge: error: {message_id}: {describe_error(exc)}")
            return
        previous = reports.get(message_id)
        reports[message_id] = report
        if not ctx.json and (previous is None or previous.state != report.state):
            ctx.out.line(_status_line(report))
            ctx.out.flush()

    for message_id in ids:
        query(message_id)
    timed_out = False
    if args.wait:
        deadline = time.monotonic() + float(args.timeout)
        while True:
            pending = [m for m in ids if m in reports and not reports[m].state.is_final]
            if not pending:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            time.sleep(min(float(args.interval), remaining))
            for message_id in pending:
                query(message_id)

    if errors:
        code = exit_code_for(next(iter(errors.values())))
    elif timed_out:
        code = EXIT_TIMEOUT
    elif args.wait and any(r.state not in _DELIVERED for r in reports.values()):
        code = EXIT_FAILED
    else:
        code = EXIT_OK
    if ctx.json:
        items = []
        for message_id in ids:
            if message_id in errors:
                items.append({"message_id": message_id, "state": None, "final": False,
                              "error": errors[message_id]})
            else:
                report = reports[message_id]
                items.append({**jsonable(report), "final": report.state.is_final,
                              "error": None})
        ctx.out.document("status", code == EXIT_OK, reports=items, timed_out=timed_out,
                         exit_code=code)
    elif timed_out:
        waiting = sum(1 for r in reports.values() if not r.state.is_final)
        ctx.out.note(f"smsbridge: timed out after {args.timeout:g} s: {waiting} message(s) "
                     "not in a final state yet")
    return code


# -- account ---------------------------------------------------------------------------


def run_balance(ctx: Context) -> int:
    """Show the account balance."""
    balance = ctx.client().balance()
    if ctx.json:
        ctx.out.document("balance", True, balance=balance)
        return EXIT_OK
    line = f"Balance: {balance.amount}{' ' + balance.currency if balance.currency else ''}"
    if balance.credit_limit is not None:
        line += f" (credit limit {balance.credit_limit})"
    ctx.out.line(line)
    return EXIT_OK


def run_prices(ctx: Context) -> int:
    """List prices, optionally of one channel, with driver-specific filters."""
    filters = dict(ctx.args.filter)
    prices = ctx.client().prices(channel=ctx.args.channel, **filters)
    if ctx.json:
        ctx.out.document("prices", True, prices=prices)
        return EXIT_OK
    if not prices:
        ctx.out.line("No prices.")
        return EXIT_OK
    rows = [[p.channel, show(p.country), show(p.country_name), show(p.mcc), str(p.price),
             show(p.currency)] for p in prices]
    ctx.out.lines(table(rows, ["CHANNEL", "COUNTRY", "NAME", "MCC", "PRICE", "CURRENCY"]))
    return EXIT_OK


# -- numbers ---------------------------------------------------------------------------


def _hlr_rows(results: list[HlrResult]) -> list[list[str]]:
    return [[show(r.id), r.msisdn, r.status.value, show(r.network), show(r.ported),
             show(r.roaming), show(r.price), show(r.error)] for r in results]


def run_hlr(ctx: Context) -> int:
    """Create HLR requests for numbers, or fetch results of earlier ones."""
    args = ctx.args
    if bool(args.numbers) == bool(args.result):
        raise UsageError("give NUMBERs to create HLR requests, or --result HLR_ID to fetch "
                         "results (not both)")
    client = ctx.client()
    if args.numbers:
        results = client.hlr(list(args.numbers))
    else:
        results = [client.hlr_result(hlr_id) for hlr_id in args.result]
    if ctx.json:
        ctx.out.document("hlr", True, results=results)
        return EXIT_OK
    ctx.out.lines(table(_hlr_rows(results), ["ID", "NUMBER", "STATUS", "NETWORK", "PORTED",
                                             "ROAMING", "PRICE", "ERROR"]))
    return EXIT_OK


def run_lookup(ctx: Context) -> int:
    """Show region, operator and UTC offset of numbers."""
    client = ctx.client()
    lookups = [client.lookup(number) for number in ctx.args.numbers]
    if ctx.json:
        ctx.out.document("lookup", True, lookups=lookups)
        return EXIT_OK
    rows = [[item.msisdn, show(item.region), show(item.operator),
             show(None if item.utc_offset is None else f"{item.utc_offset:+d}")]
            for item in lookups]
    ctx.out.lines(table(rows, ["NUMBER", "REGION", "OPERATOR", "UTC OFFSET"]))
    return EXIT_OK


# -- periods ---------------------------------------------------------------------------


def _period(ctx: Context) -> tuple[datetime, datetime]:
    start = parse_when(ctx.args.start, "--start")
    end = parse_when(ctx.args.end, "--end") if ctx.args.end else now_utc()
    if end <= start:
        raise UsageError(f"--end ({end.isoformat()}) must be after --start "
                         f"({start.isoformat()})")
    return start, end


def run_report(ctx: Context) -> int:
    """Show delivery statistics of a period."""
    start, end = _period(ctx)
    stats = ctx.client().report(start, end, **dict(ctx.args.filter))
    figures = {**jsonable(stats), "delivery_ratio": stats.delivery_ratio}
    if ctx.json:
        ctx.out.document("report", True, start=start, end=end, statistics=figures)
        return EXIT_OK
    ctx.out.line(f"Messages from {start.isoformat()} to {end.isoformat()}:")
    rows = [[name.replace("_", " "), show(value)] for name, value in figures.items()
            if name != "delivery_ratio"]
    ratio = stats.delivery_ratio
    rows.append(["delivery ratio", "-" if ratio is None else f"{ratio:.1%}"])
    ctx.out.lines("  " + row for row in table(rows))
    return EXIT_OK


def run_inbox(ctx: Context) -> int:
    """List messages the account received in a period."""
    start, end = _period(ctx)
    messages = ctx.client().inbox(start, end)
    if ctx.json:
        ctx.out.document("inbox", True, start=start, end=end, messages=messages)
        return EXIT_OK
    if not messages:
        ctx.out.line("No messages received in that period.")
        return EXIT_OK
    rows = [[show(m.received_at), show(m.sender), show(m.recipient), m.text.replace("\n", " ")]
            for m in messages]
    ctx.out.lines(table(rows, ["RECEIVED", "FROM", "TO", "TEXT"]))
    return EXIT_OK


# -- text ------------------------------------------------------------------------------


def run_segments(ctx: Context) -> int:
    """Show how a text splits into SMS parts."""
    text: str = ctx.args.text
    if text == "-":
        text = ctx.stdin.read().rstrip("\r\n")
    result = segments(text)
    if ctx.json:
        ctx.out.document("segments", True, characters=len(text), segments=result)
        return EXIT_OK
    unit = "GSM-7 septets" if result.encoding == "gsm7" else "UCS-2 code units"
    ctx.out.line(f"{result.parts} part{'s' if result.parts != 1 else ''}, "
                 f"{result.encoding}, {result.length} {unit} ({len(text)} characters)")
    return EXIT_OK
