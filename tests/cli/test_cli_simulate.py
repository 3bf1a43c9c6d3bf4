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


def test_the_printed_url_carries_the_sender_and_sends_as_is(simulate, run):
    document = simulate("nikita")
    port = document["url"].rsplit(":", 1)[1]
    url = document["env"]["SMSBRIDGE_URL"]

    assert url == f"nikita+http://demo:demo-password@127.0.0.1:{port}/api?sender=SMSBRIDGE"
    result = run("--url", url, "send", "--to", "996550123456", "--text", "Hi", "--json")
    assert result.code == EXIT_OK, result.err


def test_a_fault_option_strikes_the_requests_it_names(simulate, run):
    document = simulate("nikita", "--fault", "body:/api/info,body=<broken,times=1",
                        "--fault", "body:/api/dr,body=<broken,times=always")
    assert document["faults"] == ["body on paths ending /api/info (body=<broken, times=1)",
                                  "body on paths ending /api/dr (body=<broken, times=None)"]
    url = document["env"]["SMSBRIDGE_URL"]

    balances = [run("--url", url, "balance", "--json") for _ in range(2)]
    assert balances[0].code != EXIT_OK and "<broken" in balances[0].out
    assert balances[1].code == EXIT_OK
    assert balances[1].json["balance"]["amount"] == "100.00"
    sent = run("--url", url, "send", "--to", "996550123456", "--text", "Hi", "--json")
    assert sent.code == EXIT_OK
    message_id = sent.json["messages"][0]["message_id"]
    for _ in range(2):  # the body fault lasts
        assert run("--url", url, "status", message_id, "--json").code != EXIT_OK


def test_the_latency_option_delays_every_request(simulate):
    import time

    import requests

    document = simulate("nikita", "--latency", "400")
    assert document["latency_ms"] == 400.0
    started = time.monotonic()
    requests.post(document["url"] + "/api/info", data=b"<info/>", timeout=10)
    assert time.monotonic() - started >= 0.4


def test_the_human_output_lists_faults_and_latency():
    process = subprocess.run(
        [sys.executable, "-m", "smsbridge", "simulate", "devino", "--duration", "0.2",
         "--fault", "drop_after_accept:/sms/send", "--latency", "5"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")})
    assert process.returncode == EXIT_OK, process.stderr
    assert ("Faults injected:\n  drop_after_accept on paths ending /sms/send\n"
            "Every request waits 5 ms.\n") in process.stdout


@pytest.mark.parametrize(("option", "message"), [
    ("nonsense", "unknown fault kind 'nonsense'; choose from body, delay, drop, "
                 "drop_after_accept, status"),
    ("status,colour=red", "expected OPTION=VALUE with OPTION one of times, status, seconds, "
                          "body, content_type, skip, after_accept, got 'colour=red'"),
    ("status,status=high", "bad value for status: 'high'"),
    ("delay,after_accept=maybe", "bad value for after_accept: 'maybe'"),
])
def test_a_bad_fault_option_is_a_usage_error(run, option, message):
    result = run("simulate", "nikita", "--fault", option)
    assert result.code == EXIT_USAGE
    assert message in result.err


def test_a_negative_latency_is_a_usage_error(run):
    result = run("simulate", "nikita", "--latency", "-5")
    assert result.code == EXIT_USAGE
    assert "must be zero or more, got '-5'" in result.err


def test_the_fault_syntax_is_in_the_help(run):
    result = run("simulate", "--help")
    assert "KIND[:PATH][,OPTION=VALUE...]" in " ".join(result.out.split())


@pytest.mark.parametrize("command", [["simulate", "nikita"], ["demo"]])
def test_a_missing_simulator_extra_fails_at_once_naming_it(command):
    code = ("import sys; sys.modules['werkzeug'] = None; "
            "from smsbridge.cli import main; sys.exit(main(sys.argv[1:]))")
    process = subprocess.run(
        [sys.executable, "-c", code, *command], capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.returncode == EXIT_USAGE
    assert process.stdout == ""
    assert ('the NikitaSimulator needs werkzeug, which is not installed: '
            'pip install "smsbridge-nikita[simulator]"') in process.stderr
    assert "Traceback" not in process.stderr
