"""``smsbridge simulate DRIVER``: for every bundled simulator, the printed hints work as
printed, and ``--balance`` sets the demo account's money."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from smsbridge.cli import EXIT_OK, EXIT_USAGE

DRIVERS = ["nikita", "devino", "stream", "ketchup", "phoenix"]


@pytest.fixture
def simulate(request: pytest.FixtureRequest) -> Iterator[Any]:
    processes: list[subprocess.Popen[str]] = []

    def start(driver: str, *extra: str) -> dict[str, Any]:
        pytest.importorskip(f"smsbridge_{driver}.simulator")
        process = subprocess.Popen(
            [sys.executable, "-m", "smsbridge", "simulate", driver, "--json", "--duration",
             "30", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.communicate(timeout=10)
        document: dict[str, Any] = json.loads(line)
        return document

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=5)


@pytest.mark.parametrize("driver", DRIVERS)
def test_printed_hints_work_as_printed(driver, simulate, run, monkeypatch):
    document = simulate(driver)
    number = "380711234567" if driver == "phoenix" else "996550123456"
    assert document["hints"][0] == f"smsbridge send --to {number} --text 'Hello'"
    if driver == "ketchup":
        assert "smsbridge balance" not in document["hints"]  # KetchUp has no balance
    else:
        assert "smsbridge balance" in document["hints"]
    monkeypatch.setenv("SMSBRIDGE_URL", document["env"]["SMSBRIDGE_URL"])
    for hint in document["hints"]:
        words = shlex.split(hint)
        assert words[0] == "smsbridge"
        result = run(*words[1:])
        assert result.code == EXIT_OK, (hint, result.err)


def test_balance_option(simulate, run):
    document = simulate("devino", "--balance", "7.5")
    result = run("--url", document["env"]["SMSBRIDGE_URL"], "balance", "--json")
    assert result.code == EXIT_OK
    assert Decimal(result.json["balance"]["amount"]) == Decimal("7.5")


def test_balance_must_not_be_negative(run):
    result = run("simulate", "nikita", "--balance", "-1")
    assert result.code == EXIT_USAGE
    assert "must be zero or more, got '-1'" in result.err
