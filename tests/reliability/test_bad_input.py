"""Bad input to every public method of every driver: ValidationError, and not one request.

The table holds what careless callers pass (None, wrong types, NaN, huge numbers, naive or
out-of-range dates, list-valued options, lone surrogates, ids that would change a URL);
each row runs against each driver that offers the operation, with ``responses`` refusing
any request, and must raise ValidationError before the network is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge import Message, ValidationError
from tests.reliability.conftest import DRIVERS, END, FAKE_HOST, FIGURES, START, DriverCase

NAIVE = datetime(2026, 1, 1)
FAR = datetime.max.replace(tzinfo=timezone.utc)
ANCIENT = datetime.min.replace(tzinfo=timezone.utc)
#: Fake credentials: nothing is ever sent.
SETTINGS = {
    "nikita": {"login": "acme", "password": "pw-bad-input-1", "sender": "ACME"},
    "devino": {"login": "acme", "password": "pw-bad-input-2", "sender": "ACME"},
    "stream": {"login": "acme", "password": "pw-bad-input-3", "sender": "ACME"},
    "ketchup": {"api_key": "key-bad-input-4", "sender": "ACME"},
    "phoenix": {"token": "token-bad-input-5"},
}

Call = Callable[[smsbridge.Client, DriverCase], Any]


def _n(case: DriverCase) -> str:
    return case.numbers[0]


#: (capability, label, call). Every call is bad for every driver offering the capability.
ROWS: list[tuple[str, str, Call]] = [
    # send: recipients
    ("send", "to=None", lambda c, d: c.send(None, "hi")),  # type: ignore[arg-type]
    ("send", "to negative int", lambda c, d: c.send(-int(_n(d)), "hi")),
    ("send", "to=True", lambda c, d: c.send(True, "hi")),  # type: ignore[arg-type]
    ("send", "to=[None]", lambda c, d: c.send([None], "hi")),  # type: ignore[list-item]
    ("send", "to=dict", lambda c, d: c.send({"to": _n(d)}, "hi")),  # type: ignore[arg-type]
    ("send", "to=bytes", lambda c, d: c.send(_n(d).encode(), "hi")),  # type: ignore[arg-type]
    ("send", "to=100000 digits", lambda c, d: c.send("9" * 100_000, "hi")),
    ("send", "to=huge int", lambda c, d: c.send(10**5000, "hi")),
    ("send", "to=letters", lambda c, d: c.send("call me", "hi")),
    ("send", "to=[]", lambda c, d: c.send([], "hi")),
    ("send", "to=float", lambda c, d: c.send(79161234567.0, "hi")),  # type: ignore[arg-type]
    # send: text
    ("send", "text=None", lambda c, d: c.send(_n(d), None)),  # type: ignore[arg-type]
    ("send", "text=int", lambda c, d: c.send(_n(d), 123)),  # type: ignore[arg-type]
    ("send", "text empty", lambda c, d: c.send(_n(d), "")),
    ("send", "text blank", lambda c, d: c.send(_n(d), " \n\t")),
    ("send", "text lone surrogate", lambda c, d: c.send(_n(d), "hi \ud800")),
    ("send", "text bytes", lambda c, d: c.send(_n(d), b"hi")),  # type: ignore[arg-type]
    # send: options
    ("send", "sender=int", lambda c, d: c.send(_n(d), "hi", sender=12345)),  # type: ignore[arg-type]
    ("send", "sender=list", lambda c, d: c.send(_n(d), "hi", sender=["A"])),  # type: ignore[arg-type]
    ("send", "validity=nan", lambda c, d: c.send(_n(d), "hi", validity=float("nan"))),
    ("send", "validity=inf", lambda c, d: c.send(_n(d), "hi", validity=float("inf"))),
    ("send", "validity=1e20", lambda c, d: c.send(_n(d), "hi", validity=1e20)),
    ("send", "validity=-60", lambda c, d: c.send(_n(d), "hi", validity=-60)),
    ("send", "validity=0", lambda c, d: c.send(_n(d), "hi", validity=0)),
    ("send", "validity=str", lambda c, d: c.send(_n(d), "hi", validity="1h")),  # type: ignore[arg-type]
    ("send", "validity=True", lambda c, d: c.send(_n(d), "hi", validity=True)),
    ("send", "validity=-1 day", lambda c, d: c.send(_n(d), "hi", validity=timedelta(days=-1))),
    ("send", "validity=10**6 days",
     lambda c, d: c.send(_n(d), "hi", validity=timedelta(days=10**6))),
    ("send", "send_at naive", lambda c, d: c.send(_n(d), "hi", send_at=NAIVE)),
    ("send", "send_at str", lambda c, d: c.send(_n(d), "hi", send_at="tomorrow")),  # type: ignore[arg-type]
    ("send", "send_at datetime.max", lambda c, d: c.send(_n(d), "hi", send_at=FAR)),
    ("send", "send_at datetime.min", lambda c, d: c.send(_n(d), "hi", send_at=ANCIENT)),
    ("send", "reference=int", lambda c, d: c.send(_n(d), "hi", reference=42)),  # type: ignore[arg-type]
    ("send", "channel=None", lambda c, d: c.send(_n(d), "hi", channel=None)),  # type: ignore[arg-type]
    ("send", "channel empty", lambda c, d: c.send(_n(d), "hi", channel="")),
    ("send", "option list value", lambda c, d: c.send(_n(d), "hi", tariff=[1, 2])),
    ("send", "option dict value", lambda c, d: c.send(_n(d), "hi", local_time={"a": 1})),
    ("send", "option nan", lambda c, d: c.send(_n(d), "hi", tariff=float("nan"))),
    ("send", "many numbers, list option",
     lambda c, d: c.send(list(d.numbers), "hi", image=["x"])),
    # send_iter: the same checks, before the first chunk
    ("send", "send_iter to=None", lambda c, d: list(c.send_iter(None, "hi"))),  # type: ignore[arg-type]
    ("send", "send_iter text=None", lambda c, d: list(c.send_iter(_n(d), None))),  # type: ignore[arg-type]
    ("send", "send_iter negative",
     lambda c, d: list(c.send_iter([_n(d), -int(_n(d))], "hi"))),
    ("send", "send_iter validity nan",
     lambda c, d: list(c.send_iter(_n(d), "hi", validity=float("nan")))),
    # send_many
    ("send", "send_many(None)", lambda c, d: c.send_many(None)),  # type: ignore[arg-type]
    ("send", "send_many([])", lambda c, d: c.send_many([])),
    ("send", "send_many(int)", lambda c, d: c.send_many(42)),  # type: ignore[arg-type]
    ("send", "send_many(dicts)",
     lambda c, d: c.send_many([{"to": _n(d), "text": "hi"}])),  # type: ignore[list-item]
    ("send", "send_many(str)", lambda c, d: c.send_many("hello")),  # type: ignore[arg-type]
    ("send", "send_many([None])", lambda c, d: c.send_many([None])),  # type: ignore[list-item]
    ("send", "send_many to=None",
     lambda c, d: c.send_many([Message(to=None, text="hi")])),  # type: ignore[arg-type]
    ("send", "send_many text=None",
     lambda c, d: c.send_many([Message(to=_n(d), text=None)])),  # type: ignore[arg-type]
    ("send", "send_many list option",
     lambda c, d: c.send_many([Message(to=_n(d), text="hi", options={"tariff": [1]})])),
    ("send", "send_many validity nan",
     lambda c, d: c.send_many([Message(to=_n(d), text="hi",
                                       validity=float("nan"))])),  # type: ignore[arg-type]
    ("send", "check(None)", lambda c, d: c.check(None)),  # type: ignore[arg-type]
    # status
    ("status", "status(None)", lambda c, d: c.status(None)),  # type: ignore[arg-type]
    ("status", "status('')", lambda c, d: c.status("")),
    ("status", "status(blank)", lambda c, d: c.status("   ")),
    ("status", "status(int)", lambda c, d: c.status(12345)),  # type: ignore[arg-type]
    ("status", "status('..')", lambda c, d: c.status("..")),
    ("status", "status('.')", lambda c, d: c.status(".")),
    ("status", "status(control)", lambda c, d: c.status("12\x0034")),
    ("status", "status(newline)", lambda c, d: c.status("12\r\nX-Evil: 1")),
    ("status", "status(100000 digits)", lambda c, d: c.status("9" * 100_000)),
    ("status", "status(path)", lambda c, d: c.status("../../admin")),
    # prices
    ("prices", "prices(channel=int)", lambda c, d: c.prices(channel=5)),  # type: ignore[arg-type]
    ("prices", "prices(channel=list)", lambda c, d: c.prices(channel=["sms"])),  # type: ignore[arg-type]
    # hlr
    ("hlr", "hlr(None)", lambda c, d: c.hlr(None)),  # type: ignore[arg-type]
    ("hlr", "hlr([])", lambda c, d: c.hlr([])),
    ("hlr", "hlr([None])", lambda c, d: c.hlr([None])),  # type: ignore[list-item]
    ("hlr", "hlr(negative)", lambda c, d: c.hlr(-int(_n(d)))),
    ("hlr", "hlr(letters)", lambda c, d: c.hlr("abcdefgh")),
    ("hlr", "hlr list option", lambda c, d: c.hlr(_n(d), tariff=[1])),
    ("hlr_result", "hlr_result(None)", lambda c, d: c.hlr_result(None)),  # type: ignore[arg-type]
    ("hlr_result", "hlr_result('')", lambda c, d: c.hlr_result("")),
    ("hlr_result", "hlr_result('..')", lambda c, d: c.hlr_result("..")),
    ("hlr_result", "hlr_result(int)", lambda c, d: c.hlr_result(5)),  # type: ignore[arg-type]
    ("hlr_result", "hlr_result(100000 chars)", lambda c, d: c.hlr_result("a" * 100_000)),
    # lookup
    ("lookup", "lookup(None)", lambda c, d: c.lookup(None)),  # type: ignore[arg-type]
    ("lookup", "lookup(letters)", lambda c, d: c.lookup("abcdefgh")),
    ("lookup", "lookup(negative)", lambda c, d: c.lookup(-int(_n(d)))),
    ("lookup", "lookup(list)", lambda c, d: c.lookup([_n(d)])),  # type: ignore[arg-type]
    # report and inbox
    ("report", "report(None, end)", lambda c, d: c.report(None, END)),  # type: ignore[arg-type]
    ("report", "report(start, None)", lambda c, d: c.report(START, None)),  # type: ignore[arg-type]
    ("report", "report naive", lambda c, d: c.report(NAIVE, NAIVE + timedelta(days=1))),
    ("report", "report reversed", lambda c, d: c.report(END, START)),
    ("report", "report(start, datetime.max)", lambda c, d: c.report(START, FAR)),
    ("report", "report(datetime.min, end)", lambda c, d: c.report(ANCIENT, END)),
    ("report", "report(start, naive max)", lambda c, d: c.report(START, datetime.max)),
    ("report", "report(str, str)",
     lambda c, d: c.report("2026-01-01", "2026-01-02")),  # type: ignore[arg-type]
    ("inbox", "inbox(None, end)", lambda c, d: c.inbox(None, END)),  # type: ignore[arg-type]
    ("inbox", "inbox reversed", lambda c, d: c.inbox(END, START)),
    ("inbox", "inbox(start, datetime.max)", lambda c, d: c.inbox(START, FAR)),
    ("inbox", "inbox naive", lambda c, d: c.inbox(NAIVE, NAIVE + timedelta(hours=1))),
    # parse_callback
    ("parse_callback", "parse_callback(None)",
     lambda c, d: c.parse_callback(None)),  # type: ignore[arg-type]
    ("parse_callback", "parse_callback(int)",
     lambda c, d: c.parse_callback(5)),  # type: ignore[arg-type]
    ("parse_callback", "parse_callback(30 MB)",
     lambda c, d: c.parse_callback(b"<" * (30 * 1024 * 1024))),
    ("parse_callback", "parse_callback(lone surrogate)",
     lambda c, d: c.parse_callback("\ud800")),
    ("parse_callback", "parse_callback content_type=int",
     lambda c, d: c.parse_callback(b"{}", content_type=5)),  # type: ignore[arg-type]
]

#: Rows for one driver only: its own limits and extras.
DRIVER_ROWS: list[tuple[str, str, Call]] = [
    # With default_country off, a national number is not guessed at: refused.
    ("nikita", "national number", lambda c, d: _no_country(d).send("0550 123 456", "hi")),
    ("nikita", "national number, spaced", lambda c, d: _no_country(d).send("0 550 123456",
                                                                          "hi")),
    ("phoenix", "status of a 100000-digit dispatch", lambda c, d: c.status("9" * 100_000)),
    ("phoenix", "cancel a huge dispatch id", lambda c, d: c.driver.cancel_dispatch(10**5000)),
    ("ketchup", "status('..')", lambda c, d: c.status("..")),
    ("ketchup", "viber status('viber:..')", lambda c, d: c.status("viber:..")),
    ("ketchup", "status('ref:..')", lambda c, d: c.status("ref:..")),
    ("ketchup", "delete_export('..')", lambda c, d: c.driver.delete_export("..")),
    ("ketchup", "delete_export('.')", lambda c, d: c.driver.delete_export(".")),
    ("ketchup", "export_rows('..')", lambda c, d: c.driver.export_rows("..")),
    ("ketchup", "export_file('..')", lambda c, d: c.driver.export_file("..")),
    ("ketchup", "task_status('..')", lambda c, d: c.driver.task_status("..")),
    ("ketchup", "task_status(huge int)", lambda c, d: c.driver.task_status(10**5000)),
    ("ketchup", "task_status(True)", lambda c, d: c.driver.task_status(True)),
]


def _no_country(case: DriverCase) -> smsbridge.Client:
    return smsbridge.connect(case.name, base_url=FAKE_HOST, default_country="",
                             **SETTINGS[case.name])


def _client(case: DriverCase) -> smsbridge.Client:
    return smsbridge.connect(case.name, base_url=FAKE_HOST, **SETTINGS[case.name])


def _supported(case: DriverCase, capability: str) -> bool:
    with _client(case) as client:
        return client.supports(capability)


PARAMS = [
    pytest.param(case, call, id=f"{case.name}-{label}")
    for case in DRIVERS for capability, label, call in ROWS if _supported(case, capability)
] + [
    pytest.param(case, call, id=f"{case.name}-{label}")
    for name, label, call in DRIVER_ROWS for case in DRIVERS if case.name == name
]


@pytest.mark.parametrize(("case", "call"), PARAMS)
def test_bad_input_is_refused_before_any_request(case: DriverCase, call: Call) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, \
            _client(case) as client:
        with pytest.raises(ValidationError) as caught:
            call(client, case)
        assert len(mock.calls) == 0
    FIGURES["bad input: cases refused"] += 1
    assert str(caught.value)
    assert caught.value.retry_safe  # refused before the network: a repeat is harmless


def test_the_table_covers_every_public_method() -> None:
    """Every operation of the facade has rows (a new method needs its own)."""
    covered = {capability for capability, _, _ in ROWS}
    offered = set().union(*(_operations(case) for case in DRIVERS))
    assert offered <= covered | {"balance"}  # balance takes no input
    assert len(PARAMS) >= 100


def _operations(case: DriverCase) -> set[str]:
    with _client(case) as client:
        return {op for op in ("send", "status", "balance", "prices", "hlr", "hlr_result",
                              "lookup", "report", "inbox", "parse_callback")
                if client.supports(op)}


@pytest.mark.parametrize("value", [None, 5, b"hello", ["hello"]])
def test_segments_of_something_that_is_no_text(value: Any) -> None:
    with pytest.raises(ValidationError):
        smsbridge.segments(value)
    FIGURES["bad input: cases refused"] += 1
