"""Ctrl-C (SIGINT) and SIGKILL of ``smsbridge send`` in a subprocess, mid-campaign, against
the real Nikita and KetchUp (deduplicating) and Devino (not deduplicating) simulators.

Each test holds the simulator's ledger (what recipients would receive) against what the
command line printed: every line in exactly one group (accepted, unknown, not attempted),
nothing accepted missing from the ledger, nothing outside accepted and unknown in it,
nobody twice; then ``--resume`` finishes the campaign without doubling anyone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_TRANSPORT
from smsbridge.cli.campaign import read_journal
from smsbridge.cli.simulation import settings_url
from smsbridge.discovery import load_driver

#: Seconds each send request waits in the simulator, so a signal lands mid-request.
LATENCY = 0.6
NUMBERS = 250  # five requests of 50
TEXT = "Spring sale"


@attrs.frozen
class Gateway:
    name: str
    simulator: Any
    url: str
    dedup: bool


#: driver -> (simulator class, settings beyond the demo account's: 50 numbers per
#: request and a sender the simulator accepts).
GATEWAYS: dict[str, tuple[str, dict[str, Any]]] = {
    "nikita": ("NikitaSimulator", {}),
    "devino": ("DevinoSimulator", {"sender": "DEVINO", "bulk_size": 50}),
    "ketchup": ("KetchupSimulator", {"sender": "SHOP", "chunk_size": 50}),
}


@pytest.fixture(params=list(GATEWAYS))
def gateway(request: pytest.FixtureRequest) -> Iterator[Gateway]:
    name = request.param
    class_name, extra = GATEWAYS[name]
    module = pytest.importorskip(f"smsbridge_{name}.simulator")
    simulator = getattr(module, class_name)(balance=Decimal("1000"))
    with simulator.serve() as base:
        settings = {**simulator.client_settings(base), **extra}
        with smsbridge.connect(name, **settings) as client:
            dedup = client.supports("deduplication")
        yield Gateway(name, simulator, settings_url(load_driver(name), settings), dedup)


@pytest.fixture
def numbers(tmp_path: Path) -> Path:
    path = tmp_path / "numbers.txt"
    path.write_text("".join(f"+996 55{n:07d}\n" for n in range(1, NUMBERS + 1)),
                    encoding="utf-8")
    return path


def number(line: int) -> str:
    return f"99655{line:07d}"


def start(gateway: Gateway, numbers: Path, journal: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "smsbridge", "--url", gateway.url, "send", "--to-file",
         str(numbers), "--text", TEXT, "--reference", "spring", "--journal", str(journal),
         "--json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")},
        # A shell's background job starts with SIGINT ignored; give the child the
        # default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_chunks(journal: Path, count: int, process: subprocess.Popen[str]) -> None:
    """Wait until the journal records ``count`` chunks: the last one is then in flight."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if journal.exists():
            text = journal.read_text(encoding="utf-8")
            if text.count('"event":"chunk"') >= count:
                return
        assert process.poll() is None, process.communicate(timeout=5)
        time.sleep(0.02)
    raise AssertionError(f"no chunk {count} in the journal after 30 s")


def finish(process: subprocess.Popen[str]) -> tuple[int, dict[str, Any], str]:
    try:
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert "Traceback" not in err, err
    return process.returncode, json.loads(out), err


def groups(document: dict[str, Any]) -> tuple[dict[int, str], set[int], int | None]:
    """Lines accepted (with ids), lines unknown, and the first line not attempted."""
    def line(where: str) -> int:
        return int(where.rsplit(" ", 1)[1])

    accepted = {line(m["where"]): m["message_id"] for m in document["messages"]
                if m["outcome"] == "accepted"}
    unknown = {line(m["where"]) for m in document["messages"] if m["outcome"] == "unknown"}
    assert not [m for m in document["messages"]
                if m["outcome"] not in ("accepted", "unknown")]
    start_line = document["not_attempted_from"]
    return accepted, unknown, None if start_line is None else line(start_line)


def check_stop(gateway: Gateway, document: dict[str, Any]) -> tuple[dict[int, str], set[int]]:
    """The printed groups against the simulator's ledger."""
    accepted, unknown, not_attempted_from = groups(document)
    assert all(accepted.values())
    assert not_attempted_from is not None
    not_attempted = set(range(not_attempted_from, NUMBERS + 1))
    # Every line in exactly one group.
    assert not set(accepted) & unknown
    assert not (set(accepted) | unknown) & not_attempted
    assert set(accepted) | unknown | not_attempted == set(range(1, NUMBERS + 1))
    assert document["summary"]["not_attempted"] == len(not_attempted)
    ledger = Counter(entry.recipient for entry in gateway.simulator.ledger())
    assert max(ledger.values()) == 1  # nobody twice
    assert {number(n) for n in accepted} <= set(ledger)  # nothing accepted is lost
    # Only the accepted and the unknown can have reached the provider.
    assert set(ledger) <= {number(n) for n in set(accepted) | unknown}
    return accepted, unknown


def resume(gateway: Gateway, numbers: Path, journal: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "smsbridge", "--url", gateway.url, "send", "--to-file",
         str(numbers), "--text", TEXT, "--reference", "spring", "--resume", str(journal),
         "--json"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")})
    assert "Traceback" not in result.stderr, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    document["exit_code"] = result.returncode
    return document


def check_resumed(gateway: Gateway, unknown: set[int], document: dict[str, Any]) -> None:
    """After ``--resume``: everyone has the SMS once; the unknown ones at most once."""
    ledger = Counter(entry.recipient for entry in gateway.simulator.ledger())
    assert max(ledger.values()) == 1
    if gateway.dedup:
        # Everyone has it exactly once: the open chunk was repeated with its reference,
        # the provider recognized the repeat and answered with the first acceptance.
        assert set(ledger) == {number(n) for n in range(1, NUMBERS + 1)}
        assert document["exit_code"] == EXIT_OK
        assert {m["outcome"] for m in document["messages"]} == {"accepted"}
        ids = {m["recipient"]: m["message_id"] for m in document["messages"]}
        assert all(ids[number(n)] for n in unknown)
    else:
        # Devino cannot recognize a repeat: the unknown recipients are not sent again,
        # and stay reported unknown.
        assert document["exit_code"] == (EXIT_TRANSPORT if unknown else EXIT_OK)
        assert {number(n) for n in range(1, NUMBERS + 1)} - set(ledger) <= {
            number(n) for n in unknown}
        reported = {int(m["where"].rsplit(" ", 1)[1]) for m in document["messages"]
                    if m["outcome"] == "unknown"}
        assert reported == unknown


def in_flight(gateway: Gateway, numbers: Path, journal: Path,
              *extra: str) -> subprocess.Popen[str]:
    """Start a campaign with slow requests; return once chunk 3's request is in flight
    (with ``--concurrency 3``, chunks 1 to 3 are then in flight together)."""
    gateway.simulator.inject("delay", times=1000, seconds=LATENCY)
    process = start(gateway, numbers, journal, *extra)
    wait_for_chunks(journal, 3, process)
    return process


def test_ctrl_c_stops_after_the_request_in_flight(gateway, numbers, tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal)
    process.send_signal(signal.SIGINT)
    code, document, err = finish(process)
    assert code == EXIT_INTERRUPTED
    assert document["interrupted"] is True
    accepted, unknown = check_stop(gateway, document)
    # One Ctrl-C waits for the answer of the request in flight: nothing is unknown.
    assert unknown == set()
    assert len(accepted) == 150
    assert document["not_attempted_from"] == "line 151"
    assert "stopping after the request in flight" in err
    gateway.simulator.clear_faults()
    check_resumed(gateway, unknown, resume(gateway, numbers, journal))


def test_second_ctrl_c_leaves_the_request_in_flight_unknown(gateway, numbers, tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    code, document, _ = finish(process)
    assert code == EXIT_INTERRUPTED
    accepted, unknown = check_stop(gateway, document)
    assert len(accepted) == 100
    assert unknown == set(range(101, 151))  # chunk 3, whose request was in flight
    assert {u["reference"] for u in document["unknown"]} == {"spring#2"}
    assert document["not_attempted_from"] == "line 151"
    time.sleep(LATENCY + 0.2)  # the simulator finishes the request it was holding
    gateway.simulator.clear_faults()
    check_resumed(gateway, unknown, resume(gateway, numbers, journal))


def test_sigkill_then_resume(gateway, numbers, tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal)
    process.kill()
    process.communicate(timeout=10)
    time.sleep(LATENCY + 0.2)  # the simulator finishes the request it was holding
    state = read_journal(str(journal))
    # The journal shows chunk 3 in flight: recorded before its request, never answered.
    assert list(state.pending) == [2]
    assert state.pending[2].reference == "spring#2"
    assert state.settled_count == 100
    gateway.simulator.clear_faults()
    document = resume(gateway, numbers, journal)
    unknown = set(range(101, 151))
    check_resumed(gateway, unknown, document)
    # The chunk in flight was repeated (deduplicating providers) under its own reference,
    # recorded once; the rest went out in chunks with references never used before.
    chunks = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()
              if '"event":"chunk"' in line]
    assert [c["reference"] for c in chunks] == ["spring", "spring#1", "spring#2",
                                                "spring#3", "spring#4"]


@pytest.mark.parametrize("gateway", ["nikita"], indirect=True)
def test_sigterm_stops_like_ctrl_c(gateway, numbers, tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal)
    process.send_signal(signal.SIGTERM)  # what kill and service managers send
    code, document, _ = finish(process)
    assert code == EXIT_INTERRUPTED
    accepted, unknown = check_stop(gateway, document)
    assert unknown == set()
    assert len(accepted) == 150


def test_ctrl_c_with_concurrency_waits_for_every_request_in_flight(gateway, numbers,
                                                                    tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal, "--concurrency", "3")
    process.send_signal(signal.SIGINT)
    code, document, err = finish(process)
    assert code == EXIT_INTERRUPTED
    accepted, unknown = check_stop(gateway, document)
    # Every request in flight is answered before the command stops: none is unknown,
    # and no new request started after Ctrl-C.
    assert unknown == set()
    assert len(accepted) in (150, 200, 250)
    # Ctrl-C came while the pool had requests out: the command says it waits for them.
    assert re.search(r"stopping after the (request|[23] requests) in flight", err), err
    gateway.simulator.clear_faults()
    check_resumed(gateway, unknown, resume(gateway, numbers, journal))


def test_sigkill_with_concurrency_then_resume(gateway, numbers, tmp_path):
    journal = tmp_path / "campaign.jsonl"
    process = in_flight(gateway, numbers, journal, "--concurrency", "3")
    process.kill()
    process.communicate(timeout=10)
    time.sleep(LATENCY + 0.2)  # the simulator finishes the requests it was holding
    state = read_journal(str(journal))
    # Every chunk in flight is pending in the journal: recorded before its request.
    assert state.pending
    unknown = {line for index in state.pending
               for line in range(index * 50 + 1, index * 50 + 51)}
    ledger = Counter(entry.recipient for entry in gateway.simulator.ledger())
    assert all(count == 1 for count in ledger.values())  # nobody twice
    gateway.simulator.clear_faults()
    check_resumed(gateway, unknown, resume(gateway, numbers, journal))
