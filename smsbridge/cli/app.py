"""The ``smsbridge`` command line: argument parsing and ``main``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from smsbridge import __version__
from smsbridge.cli import commands, sending, simulation
from smsbridge.cli.context import Context, Handler, number_argument
from smsbridge.cli.output import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Output,
    UsageError,
)
from smsbridge.errors import SmsBridgeError

__all__ = ["build_parser", "main"]

_positive = number_argument(float, least=0.0, above=True, wanted="positive")
_count = number_argument(int, least=1, wanted="at least 1", kind="a whole number")
_non_negative = number_argument(Decimal, least=Decimal(0), wanted="zero or more")


def _filter(value: str) -> tuple[str, str]:
    key, sep, item = value.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    return key.strip(), item


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 to 65535, got {port}")
    return port


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options every command accepts, before or after the command name."""
    default: Any = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("connection and output")
    group.add_argument("--url", default=default, metavar="URL",
                       help="provider URL, e.g. nikita://LOGIN@ (SMSBRIDGE_<SETTING> "
                            "variables add settings, e.g. SMSBRIDGE_PASSWORD)")
    group.add_argument("--config", default=default, metavar="FILE",
                       help="INI file with one [section] per provider (or SMSBRIDGE_CONFIG)")
    group.add_argument("--provider", default=default, metavar="NAME",
                       help="the config file section to use (or SMSBRIDGE_PROVIDER)")
    group.add_argument("--json", action="store_true",
                       default=False if top else argparse.SUPPRESS,
                       help="print one JSON document instead of text")
    group.add_argument("-v", "--verbose", action="count", default=0 if top else argparse.SUPPRESS,
                       help="log each request (-vv: with bodies, phone numbers and texts)")


def _command(sub: Any, name: str, handler: Handler, help_text: str,
             description: str | None = None) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help_text, description=description or help_text)
    parser.set_defaults(handler=handler, command=name)
    return parser


def _add_period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", required=True, metavar="TIME",
                        help="period start, ISO 8601 with a zone (2026-05-01T00:00+06:00)")
    parser.add_argument("--end", metavar="TIME",
                        help="period end, ISO 8601 with a zone (default: now)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="smsbridge",
        description="Send SMS and query SMS gateways through smsbridge drivers.",
        epilog="Configure with --url, --config FILE [--provider NAME], or SMSBRIDGE_URL / "
               "SMSBRIDGE_DRIVER + SMSBRIDGE_<SETTING>. Try it without an account: "
               "'smsbridge demo'. Exit codes: 0 ok, 1 recipients or provider failed, "
               "2 usage/config/validation, 3 network failure or delivery unknown, "
               "4 status --wait timed out, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"smsbridge {__version__}")
    _add_common(parser, top=True)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = _command(sub, "drivers", commands.run_drivers,
                 "list installed drivers, versions and capabilities")
    _add_common(p, top=False)

    p = _command(sub, "send", sending.run_send, "send an SMS to one or many numbers")
    p.add_argument("--to", action="append", default=[], metavar="NUMBER",
                   help="a recipient (repeatable; commas separate several)")
    p.add_argument("--to-file", metavar="FILE",
                   help="recipients, one number per line ('-' for standard input; blank "
                        "lines and #comments are skipped)")
    p.add_argument("--csv", metavar="FILE",
                   help="recipients from a CSV file with a header row ('-' for standard "
                        "input); --text may use its columns: --text 'Hi {name}'")
    p.add_argument("--phone-column", metavar="NAME",
                   help="the --csv column holding the numbers (default: the first of "
                        "phone, number, msisdn, to, recipient)")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the message text (with --csv, a template: {column})")
    text.add_argument("--text-file", metavar="FILE",
                      help="read the text from FILE ('-' for standard input)")
    p.add_argument("--sender", help="sender name (default: the driver's 'sender' setting)")
    p.add_argument("--at", metavar="TIME",
                   help="send later, ISO 8601 with a zone (2026-05-01T09:30+06:00)")
    p.add_argument("--validity", type=_positive, metavar="SECONDS",
                   help="how long the provider keeps trying to deliver")
    p.add_argument("--reference", help="your id for this send (deduplicating providers "
                                       "use it to recognize a repeat)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="skip malformed numbers (each is reported with its line) instead "
                        "of refusing the campaign")
    p.add_argument("--journal", metavar="FILE",
                   help="write the campaign's journal to FILE: one JSON line per recipient "
                        "as it is answered, so a stopped campaign can be continued")
    p.add_argument("--resume", metavar="FILE",
                   help="continue the campaign of journal FILE after its last settled "
                        "recipient (same recipients, text and options as the first run)")
    p.add_argument("--concurrency", type=_count, default=1, metavar="N",
                   help="keep up to N requests in flight (at most the driver's limit); "
                        "recipients are then reported as their chunks are answered")
    p.add_argument("--dry-run", action="store_true",
                   help="send nothing: check the numbers and text, show SMS parts and a "
                        "cost estimate where the provider gives prices")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only failures and the summary, not every accepted recipient")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar, even on a terminal")
    _add_common(p, top=False)

    p = _command(sub, "status", commands.run_status, "show the delivery state of messages")
    p.add_argument("ids", nargs="+", metavar="ID", help="message ids 'send' printed")
    p.add_argument("--wait", action="store_true",
                   help="poll until every message reaches a final state (bounded by --timeout)")
    p.add_argument("--timeout", type=_positive, default=60.0, metavar="SECONDS",
                   help="give up waiting after this long (default 60)")
    p.add_argument("--interval", type=_positive, default=2.0, metavar="SECONDS",
                   help="seconds between polls (default 2)")
    _add_common(p, top=False)

    p = _command(sub, "balance", commands.run_balance, "show the account balance")
    _add_common(p, top=False)

    p = _command(sub, "prices", commands.run_prices, "list prices")
    p.add_argument("--channel", help="sms, viber or hlr")
    p.add_argument("--filter", type=_filter, action="append", default=[], metavar="KEY=VALUE",
                   help="a driver-specific filter (repeatable)")
    _add_common(p, top=False)

    p = _command(sub, "hlr", commands.run_hlr,
                 "create HLR requests for numbers, or fetch results with --result")
    p.add_argument("numbers", nargs="*", metavar="NUMBER")
    p.add_argument("--result", action="append", default=[], metavar="HLR_ID",
                   help="fetch the result of an HLR request made earlier (repeatable)")
    _add_common(p, top=False)

    p = _command(sub, "lookup", commands.run_lookup, "show region and operator of numbers")
    p.add_argument("numbers", nargs="+", metavar="NUMBER")
    _add_common(p, top=False)

    p = _command(sub, "report", commands.run_report, "show delivery statistics of a period")
    _add_period(p)
    p.add_argument("--filter", type=_filter, action="append", default=[], metavar="KEY=VALUE",
                   help="a driver-specific filter (repeatable)")
    _add_common(p, top=False)

    p = _command(sub, "inbox", commands.run_inbox, "list messages received in a period")
    _add_period(p)
    _add_common(p, top=False)

    p = _command(sub, "segments", commands.run_segments,
                 "show how a text splits into SMS parts (no provider needed)")
    p.add_argument("text", metavar="TEXT", help="the text ('-' reads standard input)")
    _add_common(p, top=False)

    p = _command(sub, "simulate", simulation.run_simulate,
                 "serve a provider's simulator locally and print how to connect to it")
    p.add_argument("driver", metavar="DRIVER", help="driver name, e.g. nikita")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0,
                   help="port to listen on (default: a free one)")
    p.add_argument("--duration", type=_positive, metavar="SECONDS",
                   help="stop after this long (default: run until Ctrl-C)")
    p.add_argument("--balance", type=_non_negative, metavar="AMOUNT",
                   help="the demo account's starting balance (default: the simulator's)")
    simulation.add_simulate_options(p)
    _add_common(p, top=False)

    p = _command(sub, "demo", simulation.run_demo,
                 "send an SMS through the real Nikita driver to its bundled local simulator",
                 description="Start the Nikita simulator on 127.0.0.1, connect the real "
                             "Nikita driver to it over HTTP, send an SMS, follow its status "
                             "to delivered and print the balance before and after. Needs "
                             "smsbridge-nikita[simulator]; no account, no internet.")
    p.add_argument("--to", default="+996 550 123 456", metavar="NUMBER",
                   help="the recipient (default +996 550 123 456; a number ending in 0000 "
                        "shows an undelivered message)")
    p.add_argument("--text", default="Hello from smsbridge!", help="the message text")
    p.add_argument("--timeout", type=_positive, default=30.0, metavar="SECONDS",
                   help="how long to follow the status (default 30)")
    _add_common(p, top=False)
    return parser


#: The transport's DEBUG line for each answered request: method, URL, status, time.
_ANSWER_LINE = "%s %s -> %s (%.0f ms)"


def _logging(out: Output, verbose: int) -> tuple[logging.Logger, logging.Handler, int]:
    """Log to stderr: warnings; -v adds one line per request; -vv everything, bodies too."""
    logger = logging.getLogger("smsbridge")
    handler = logging.StreamHandler(out.stderr)
    handler.setFormatter(logging.Formatter("smsbridge: %(levelname)s: %(message)s"))
    handler.addFilter(lambda record: _shown(out, record, verbose))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if verbose == 0 else logging.DEBUG)
    return logger, handler, previous


def _shown(out: Output, record: logging.LogRecord, verbose: int) -> bool:
    """Mask secrets; at -v keep only INFO and up and the request lines, without queries.

    A request line's query string and every body may hold phone numbers and texts:
    those wait for -vv.
    """
    if verbose == 1 and record.levelno < logging.INFO:
        if record.msg != _ANSWER_LINE or not isinstance(record.args, tuple) \
                or len(record.args) != 4:
            return False
        method, url, status, elapsed = record.args
        record.msg = f"{method} {str(url).partition('?')[0]} -> {status} ({elapsed:.0f} ms)"
        record.args = None
        record.levelname = "INFO"
    record.msg = out.redact(record.getMessage())
    record.args = None
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (``smsbridge`` console script)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    out = Output(json_mode=bool(args.json), stdout=sys.stdout, stderr=sys.stderr)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    context = Context(args, os.environ, out, sys.stdin)
    logger, log_handler, level = _logging(out, int(args.verbose or 0))
    command = str(args.command)
    try:
        return handler(context)
    except (SmsBridgeError, UsageError) as exc:
        return out.error(command, exc)
    except KeyboardInterrupt:
        out.note("smsbridge: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``smsbridge ... | head``): stop quietly.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    finally:
        context.close()
        logger.removeHandler(log_handler)
        logger.setLevel(level)
        with contextlib.suppress(BrokenPipeError, ValueError):
            out.flush()
