"""Shared pieces of the reliability suite: the drivers under test, a wire that answers
through each driver's simulator in-process (so ``responses`` can mutate real answers),
and the figures the suite counts for ``docs/reliability.md``.

Run ``RELIABILITY_REPORT=figures.json pytest tests/reliability`` to get the figures as
JSON as well as at the end of the terminal output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest
import responses

import smsbridge
from smsbridge.testing import Simulator
from smsbridge.transport import RetryPolicy

FIGURES: Counter[str] = Counter()
# Failures are counted as they happen; zero is a figure too.
FIGURES.update({"fuzz: untyped exceptions": 0, "fuzz: hangs": 0})
#: Where the wire pretends the providers live (never resolved: responses answers).
FAKE_HOST = "http://provider.test"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = START + timedelta(days=1)


@attrs.frozen
class DriverCase:
    """One driver as the reliability suite drives it."""

    name: str
    simulator: Callable[[], Simulator]
    numbers: tuple[str, ...]
    settings: dict[str, Any] = attrs.field(factory=dict)
    #: Reports the provider pushes (for parse_callback), as documented.
    pushes: tuple[bytes, ...] = ()


def _nikita() -> Simulator:
    from smsbridge_nikita.simulator import NikitaSimulator

    return NikitaSimulator(balance="100000")


def _devino() -> Simulator:
    from smsbridge_devino.simulator import DevinoSimulator

    return DevinoSimulator(balance="100000", price="0.5")


def _stream() -> Simulator:
    from smsbridge_stream.simulator import StreamSimulator

    return StreamSimulator(balance="100000", report_polls=0)


def _ketchup() -> Simulator:
    from smsbridge_ketchup.simulator import KetchupSimulator

    return KetchupSimulator(balance=Decimal("100000"))


def _phoenix() -> Simulator:
    from smsbridge_phoenix.simulator import PhoenixSimulator

    sim = PhoenixSimulator()
    sim.top_up(100_000)  # a dispatch the account cannot pay is no message (not in the ledger)
    return sim


NIKITA_PUSH = (b'<?xml version="1.0" encoding="UTF-8"?>'
               b'<report xmlns="http://Giper.mobi/schema/DeliveryReport"><dr><id>ab12</id>'
               b'<phone><number>996550123456</number><report>2</report>'
               b'<sendTime>20260101120000</sendTime><rcvTime>20260101120105</rcvTime>'
               b'</phone></dr></report>')
KETCHUP_PUSH = (b'{"id": "54321", "msisdn": "380972000001", "status": "active", '
                b'"reference": "hlr1", "network": "Kyivstar", "price": "0.01", '
                b'"currency": "UAH", "details": {"ported": 0, "roaming": 1}}')

PAYLOADS = Path(__file__).resolve().parents[1]
KETCHUP_STAT_PUSH = (PAYLOADS / "ketchup" / "payloads" / "push-stat-rows.json").read_bytes()
NIKITA_DOC_PUSH = (PAYLOADS / "nikita" / "payloads" / "push-doc.xml").read_bytes()

DRIVERS = (
    DriverCase("nikita", _nikita, ("996550123456", "996550123457", "996550123458"),
               pushes=(NIKITA_PUSH, NIKITA_DOC_PUSH)),
    DriverCase("devino", _devino, ("79161002030", "79161002031", "79161002032"),
               {"sender": "DEVINO"}),
    DriverCase("stream", _stream, ("79161002030", "79161002031", "79161002032"),
               {"sender": "DEMO"}),
    DriverCase("ketchup", _ketchup, ("380972000001", "380972000002", "380972000003"),
               {"sender": "KETCHUP"}, pushes=(KETCHUP_PUSH, KETCHUP_STAT_PUSH)),
    DriverCase("phoenix", _phoenix, ("380711234567", "380711234568", "380711234569")),
)


def connect(case: DriverCase, sim: Simulator, base: str = FAKE_HOST,
            **overrides: Any) -> smsbridge.Client:
    """A client of ``case``'s driver for ``sim`` at ``base``; retries never really sleep."""
    retry = RetryPolicy(retries=1, sleep=lambda _: None, jitter=lambda: 0.5)
    settings = {**sim.client_settings(base), **case.settings, "timeout": 5, **overrides}
    return smsbridge.connect(case.name, retry=retry, **settings)


@attrs.define
class Answer:
    """An HTTP answer on its way back to the driver (a mutation may change it)."""

    status: int
    headers: dict[str, str]
    body: bytes


class SimulatorWire:
    """Serves every request through ``responses`` from a simulator run in-process.

    While ``mutate`` is set, the answer to request number ``target`` (0-based, counted
    from :meth:`arm`) goes through it before the driver sees it.
    """

    def __init__(self, sim: Simulator, mock: responses.RequestsMock) -> None:
        from werkzeug.test import Client

        self.sim = sim
        self._client = Client(sim)
        self.mutate: Callable[[Answer], Answer] | None = None
        self.target = 0
        self.seen = 0
        self.mutated = 0
        pattern = re.compile(r"^https?://.*")
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            mock.add_callback(method, pattern, callback=self._answer)

    def arm(self, mutate: Callable[[Answer], Answer], target: int) -> None:
        self.mutate, self.target, self.seen = mutate, target, 0

    def _answer(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        served = self._client.open(parts.path, method=request.method,
                                   query_string=parts.query, headers=headers, data=body or b"")
        answer = Answer(served.status_code,
                        {"Content-Type": served.headers.get("Content-Type", "text/plain")},
                        served.get_data())
        index, self.seen = self.seen, self.seen + 1
        if self.mutate is not None and index == self.target:
            answer = self.mutate(answer)
            self.mutated += 1
        return answer.status, answer.headers, answer.body


@pytest.fixture
def figures() -> Counter[str]:
    """The suite's counters (examples run, faults injected, messages checked, ...)."""
    return FIGURES


@pytest.fixture
def simulator_wire() -> Iterator[Callable[[Simulator], SimulatorWire]]:
    """Make a :class:`SimulatorWire` for a simulator; no request leaves the process."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def make(sim: Simulator) -> SimulatorWire:
            mock.reset()  # one wire at a time (hypothesis runs examples in one test)
            return SimulatorWire(sim, mock)

        yield make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.conftest import report_figures

    if any(FIGURES.values()):
        report_figures(terminalreporter, "smsbridge reliability figures", dict(FIGURES))
