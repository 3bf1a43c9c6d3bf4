"""``simulate``: serve a provider's simulator; ``demo``: the quick start's whole journey."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from smsbridge.cli.context import Context, number_argument
from smsbridge.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    UsageError,
    dumps,
    jsonable,
)
from smsbridge.config import connect
from smsbridge.discovery import load_driver
from smsbridge.errors import (
    BUNDLED_DRIVERS,
    ConfigError,
    DriverNotFound,
    SmsBridgeError,
    ValidationError,
)
from smsbridge.models import Message
from smsbridge.testing.simulator import FAULT_KINDS, SimulatorUnavailable

if TYPE_CHECKING:
    from smsbridge.models import Balance

__all__ = ["add_simulate_options", "demo_settings", "hints", "load_simulator", "parse_fault",
           "run_demo", "run_simulate", "settings_url"]

DEMO_DRIVER = "nikita"
_DEMO_INTERVAL = 0.2


#: ``--fault`` options and how each value is read.
_FAULT_OPTIONS: dict[str, Any] = {
    "times": lambda v: None if v == "always" else int(v), "status": int, "seconds": float,
    "body": str, "content_type": str, "skip": int,
    "after_accept": lambda v: {"true": True, "yes": True, "1": True, "false": False,
                               "no": False, "0": False}[v.lower()],
}

FAULT_HELP = (
    "inject a fault at start: KIND[:PATH][,OPTION=VALUE...]; KIND is one of "
    f"{', '.join(sorted(FAULT_KINDS))}; PATH limits it to request paths ending so; "
    f"OPTIONs: {', '.join(_FAULT_OPTIONS)} (times=always: until the simulator stops; "
    "default times=1). Repeatable. E.g. --fault status:/api/message,status=503,times=2")


def parse_fault(text: str) -> dict[str, Any]:
    """Read a ``--fault`` value into :meth:`Simulator.inject` keywords."""
    head, *options = text.split(",")
    kind, _, path = head.partition(":")
    if kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown fault kind {kind!r}; choose from {', '.join(sorted(FAULT_KINDS))}")
    fault: dict[str, Any] = {"kind": kind, "path": path or None}
    for option in options:
        name, sep, value = option.partition("=")
        if name not in _FAULT_OPTIONS or not sep:
            raise argparse.ArgumentTypeError(
                f"expected OPTION=VALUE with OPTION one of {', '.join(_FAULT_OPTIONS)}, "
                f"got {option!r}")
        try:
            fault[name] = _FAULT_OPTIONS[name](value)
        except (KeyError, ValueError):
            raise argparse.ArgumentTypeError(f"bad value for {name}: {value!r}") from None
    return fault


_milliseconds = number_argument(float, least=0.0, wanted="zero or more")


def add_simulate_options(parser: argparse.ArgumentParser) -> None:
    """The ``simulate`` options beyond where to listen and for how long."""
    parser.add_argument("--fault", action="append", type=parse_fault, default=[],
                        metavar="KIND[:PATH][,OPTION=VALUE...]", help=FAULT_HELP)
    parser.add_argument("--latency", type=_milliseconds, default=0.0, metavar="MS",
                        help="every request waits this many milliseconds (default 0)")


def load_simulator(driver_name: str, **options: Any) -> tuple[type[Any], Any]:
    """Import a driver and build its simulator (the driver's ``simulator`` attribute).

    ``options`` go to the simulator's constructor (``balance=``, which every bundled
    simulator takes).
    """
    try:
        driver = load_driver(driver_name)
    except DriverNotFound as exc:
        # Only bundled names get an install line: any other would invite typosquatting.
        extra = (f" (with its simulator: {_simulator_install(driver_name)})"
                 if driver_name in BUNDLED_DRIVERS else "")
        raise UsageError(exc.message + extra) from None
    target = getattr(driver, "simulator", None)
    if not target:
        raise UsageError(f"the {driver_name} driver ships no simulator")
    module_name, _, class_name = str(target).partition(":")
    try:
        simulator_class = getattr(importlib.import_module(module_name), class_name)
    except ImportError as exc:
        how = (_simulator_install(driver_name) if driver_name in BUNDLED_DRIVERS
               else "install the driver's 'simulator' extra")
        raise UsageError(
            f"the {driver_name} simulator cannot be imported ({exc}); {how}") from None
    except AttributeError:
        raise UsageError(f"the {driver_name} driver names a simulator that does not exist: "
                         f"{target}") from None
    check = getattr(simulator_class, "check_extra", None)
    try:
        if check is not None:
            check()  # fail now, not with HTTP 500 to every request after claiming to serve
    except SimulatorUnavailable as exc:
        raise UsageError(f"{exc.message}" + (
            f" (or from a clone of the repository: pip install './smsbridge_{driver_name}"
            "[simulator]')" if driver_name in BUNDLED_DRIVERS else "")) from None
    return driver, simulator_class(**options)


def _simulator_install(name: str) -> str:
    return (f"pip install '{BUNDLED_DRIVERS[name]}[simulator]', or from a clone of the "
            f"repository: pip install './smsbridge_{name}[simulator]'")


def settings_url(driver: type[Any], settings: Mapping[str, Any]) -> str:
    """A smsbridge URL carrying ``settings`` (the inverse of :func:`smsbridge.config.parse_url`)."""
    values = dict(settings)
    base = urlsplit(str(values.pop("base_url", "")))
    scheme = str(driver.name) + ("+http" if base.scheme == "http" else "")
    user_key, secret_key = getattr(driver, "url_credentials", (None, None))
    user = values.pop(user_key, None) if user_key else None
    password = values.pop(secret_key, None) if secret_key else None
    userinfo = ""
    if user is not None:
        userinfo = quote(str(user), safe="")
        if password is not None:
            userinfo += ":" + quote(str(password), safe="")
        userinfo += "@"
    elif password is not None:
        userinfo = quote(str(password), safe="") + "@"
    query = urlencode({k: str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in values.items() if v is not None})
    return urlunsplit((scheme, userinfo + base.netloc, base.path, query, ""))


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


#: The sender a simulator's printed settings carry when its demo account names none,
#: so the first ``send`` works (every bundled simulator accepts it).
DEMO_SENDER = "SMSBRIDGE"
#: Numbers to suggest, the first one the driver accepts (Phoenix takes only its own).
DEMO_NUMBERS = ("996550123456", "380711234567")

def demo_settings(driver: type[Any], simulator: Any, url: str) -> dict[str, Any]:
    """The simulator's settings for its demo account, with a sender when it names none."""
    settings = dict(simulator.client_settings(url))
    if settings.get("sender"):
        return settings
    with_sender = {**settings, "sender": DEMO_SENDER}
    try:
        connect(driver.name, **with_sender).close()  # makes no request
    except ConfigError:  # a provider whose sender is the account's own (Phoenix)
        return settings
    return with_sender


def hints(driver: type[Any], settings: Mapping[str, Any]) -> list[str]:
    """Commands that work against the simulator once ``SMSBRIDGE_URL`` is exported.

    Only operations the driver offers are suggested (KetchUp has no ``balance``).
    """
    with connect(driver.name, **settings) as client:  # makes no request
        offered = [name for name in ("balance", "prices") if client.supports(name)]
        number = DEMO_NUMBERS[0]
        for candidate in DEMO_NUMBERS:
            try:
                client.check([Message(to=candidate, text="Hello")])
            except ValidationError:
                continue
            number = candidate
            break
    commands = [f"smsbridge send --to {number} --text 'Hello'"]
    return commands + [f"smsbridge {name}" for name in offered]

def run_simulate(ctx: Context) -> int:
    """Serve a simulator until Ctrl-C (or ``--duration``); print how to connect."""
    args = ctx.args
    options = {} if args.balance is None else {"balance": Decimal(str(args.balance))}
    driver, simulator = load_simulator(args.driver, **options)
    for fault in args.fault:
        simulator.inject(**fault)
    simulator.latency = args.latency / 1000
    try:
        serving = simulator.serve(args.host, args.port)
        url = serving.__enter__()
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: "
                         f"{exc.strerror or exc}") from None
    try:
        settings = demo_settings(driver, simulator, url)
        connect_url = settings_url(driver, settings)
        commands = hints(driver, settings)
        # The simulator's demo credentials are no secret: print them unmasked, as the
        # user needs them to connect.
        stdout = ctx.out.stdout
        if ctx.json:
            stdout.write(dumps({
                "command": "simulate", "ok": True, "driver": driver.name, "url": url,
                "settings": settings, "env": {"SMSBRIDGE_URL": connect_url},
                "hints": commands, "faults": [_fault_text(f) for f in args.fault],
                "latency_ms": args.latency,
            }, indent=None) + "\n")
        else:
            lines = [
                f"Serving the {driver.name} simulator at {url} (Ctrl-C to stop).",
                "Connect to it with:",
                f"  export SMSBRIDGE_URL={_shell_quote(connect_url)}",
                "Then try:",
                *(f"  {command}" for command in commands),
                "Settings:",
                *(f"  {key} = {value}" for key, value in settings.items()),
                *(["Faults injected:", *(f"  {_fault_text(f)}" for f in args.fault)]
                  if args.fault else []),
                *([f"Every request waits {args.latency:g} ms."] if args.latency else []),
            ]
            stdout.write("\n".join(lines) + "\n")
        stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            _serve_for(args.duration)
    finally:
        serving.__exit__(None, None, None)
    ctx.out.note(f"smsbridge: the {driver.name} simulator stopped")
    return EXIT_OK


def _fault_text(fault: Mapping[str, Any]) -> str:
    options = ", ".join(f"{k}={v}" for k, v in fault.items() if k not in ("kind", "path"))
    where = f" on paths ending {fault['path']}" if fault["path"] else ""
    return f"{fault['kind']}{where}" + (f" ({options})" if options else "")


def _serve_for(duration: float | None) -> None:
    """Block for ``duration`` seconds, or until Ctrl-C when it is None."""
    stop = threading.Event()
    if duration is not None:
        stop.wait(duration)
        return
    while not stop.wait(3600):  # until KeyboardInterrupt
        pass


def _money(balance: Balance) -> str:
    return f"{balance.amount}{' ' + balance.currency if balance.currency else ''}"


def run_demo(ctx: Context) -> int:
    """Start the Nikita simulator, send through the real driver, follow to delivered."""
    timeout = float(ctx.args.timeout)
    driver, simulator = load_simulator(DEMO_DRIVER)
    out = ctx.out
    human = not ctx.json
    with simulator.serve("127.0.0.1", 0) as url:
        settings = simulator.client_settings(url)
        if human:
            out.line(f"Started the bundled {driver.name} simulator at {url} "
                     f"with a demo account.")
        with connect(DEMO_DRIVER, **settings) as client:
            out.add_redactor(client.driver.redactor)
            before = client.balance()
            if human:
                out.line(f"Balance before: {_money(before)}")
            result = client.send(ctx.args.to, ctx.args.text)
            sent = result.messages[0]
            if not sent.ok or sent.message_id is None:
                raise sent.error or SmsBridgeError("the provider accepted no message")
            if human:
                price = (f", price {sent.price}{' ' + sent.currency if sent.currency else ''}"
                         if sent.price is not None else "")
                out.line(f"Sent {ctx.args.text!r} to {sent.recipient} through the {driver.name} "
                         f"driver over HTTP: message id {sent.message_id} "
                         f"({sent.parts or 1} part{'s' if (sent.parts or 1) != 1 else ''}"
                         f"{price}).")
            states: list[str] = []
            deadline = time.monotonic() + timeout
            report = client.status(sent.message_id)
            while True:
                if not states or states[-1] != report.state.value:
                    states.append(report.state.value)
                    if human:
                        out.line(f"Status: {report.state.value}")
                        out.flush()
                if report.state.is_final or time.monotonic() >= deadline:
                    break
                time.sleep(min(_DEMO_INTERVAL, max(0.0, deadline - time.monotonic())))
                report = client.status(sent.message_id)
            after = client.balance()
    delivered = report.state.value in ("delivered", "read")
    if delivered:
        code = EXIT_OK
    elif report.state.is_final:
        code = EXIT_FAILED
    else:
        code = EXIT_TIMEOUT
    if ctx.json:
        out.document("demo", code == EXIT_OK, driver=driver.name, simulator_url=url,
                     message=jsonable(sent), states=states, final_state=report.state.value,
                     balance_before=jsonable(before), balance_after=jsonable(after),
                     exit_code=code)
        return code
    out.line(f"Balance after: {_money(after)}")
    if delivered:
        out.line(f"Done: the message was delivered. Next: 'smsbridge simulate {driver.name}' "
                 "serves the simulator for your own code; 'smsbridge --help' lists commands.")
    elif report.state.is_final:
        out.note(f"smsbridge: the message ended {report.state.value}"
                 f"{': ' + report.description if report.description else ''}")
    else:
        out.note(f"smsbridge: no final state after {timeout:g} s (last: {report.state.value})")
    return code

