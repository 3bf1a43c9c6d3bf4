"""The command line against the real Nikita driver and its simulator over HTTP:
demo, simulate, send (also file-driven), status, balance, prices, lookup, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest

from smsbridge.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from smsbridge.config import parse_url

pytest.importorskip("smsbridge_nikita.simulator",
                    reason="smsbridge-nikita (with its simulator) is not installed")

WRONG = "wrong-Passw0rd-xyz"


def test_demo(run):
    result = run("demo")
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert lines[0].startswith("Started the bundled nikita simulator at http://127.0.0.1:")
    assert lines[1] == "Balance before: 100.00"
    assert lines[2].startswith("Sent 'Hello from smsbridge!' to 996550123456 through the "
                               "nikita driver over HTTP: message id ")
    assert lines[-3] == "Status: delivered"
    assert lines[-2] == "Balance after: 99.50"
    assert lines[-1].startswith("Done: the message was delivered.")
    assert result.err == ""


def test_demo_json(run):
    result = run("demo", "--json", "--text", "x" * 200)
    assert result.code == EXIT_OK
    document = result.json
    assert document["command"] == "demo"
    assert document["ok"] is True
    assert document["driver"] == "nikita"
    assert document["simulator_url"].startswith("http://127.0.0.1:")
    assert document["message"]["recipient"] == "996550123456"
    assert document["message"]["parts"] == 2
    assert document["states"][-1] == document["final_state"] == "delivered"
    before = Decimal(document["balance_before"]["amount"])
    after = Decimal(document["balance_after"]["amount"])
    assert before - after == Decimal("1.00")  # two parts at 0.50


def test_demo_undelivered_number(run):
    result = run("demo", "--to", "996550120000")
    assert result.code == EXIT_FAILED
    assert "Status: undelivered" in result.out
    assert "smsbridge: the message ended undelivered" in result.err


def test_send_status_balance_through_the_simulator(run, nikita_url):
    sent = run("--url", nikita_url, "send", "--to", "+996 550 123 456", "--text", "hello",
               "--json")
    assert sent.code == EXIT_OK
    message_id = sent.json["messages"][0]["message_id"]
    status = run("--url", nikita_url, "status", message_id, "--wait", "--interval", "0.01",
                 "--timeout", "10", "--json")
    assert status.code == EXIT_OK
    assert status.json["reports"][0]["state"] == "delivered"
    balance = run("--url", nikita_url, "balance", "--json")
    assert balance.json["balance"]["amount"] == "99.50"


def test_file_driven_send_through_the_simulator(run, nikita_url, numbers_file,
                                                nikita_simulator):
    simulator, _ = nikita_simulator
    simulator.account.balance = Decimal("1000")
    path = numbers_file(1000)
    result = run("--url", nikita_url, "send", "--to-file", str(path), "--text", "campaign",
                 "-q")
    assert result.code == EXIT_OK
    assert result.out == ""
    assert result.err == "Sent: 1000 recipients: 1000 accepted, 0 failed, 1000 SMS parts\n"
    message_requests = [r for r in simulator.requests if r.path.endswith("/message")]
    assert len(message_requests) == 20  # at most 50 phones per Nikita request
    balance = run("--url", nikita_url, "balance")
    assert balance.out == "Balance: 500.00\n"


def test_dry_run_estimates_cost_from_nikita_prices(run, nikita_url, nikita_simulator):
    simulator, _ = nikita_simulator
    result = run("--url", nikita_url, "send", "--to", "996550123456", "--to",
                 "996770123456", "--text", "x" * 200, "--dry-run")
    assert result.code == EXIT_OK
    assert "Cost estimate: 2.00 (4 parts at 0.50 each)" in result.out
    assert not [r for r in simulator.requests if r.path.endswith("/message")]


def test_prices_and_lookup(run, nikita_url):
    prices = run("--url", nikita_url, "prices", "--json")
    assert prices.json["prices"][0]["price"] == "0.50"
    lookup = run("--url", nikita_url, "lookup", "996550123456", "--json")
    assert lookup.json["lookups"][0]["operator"] == "MegaCom"


def test_wrong_password_from_the_environment_is_never_printed(run, monkeypatch,
                                                              nikita_simulator):
    _, url = nikita_simulator
    monkeypatch.setenv("SMSBRIDGE_URL", f"nikita+http://demo@{url[len('http://'):]}/api")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", WRONG)
    monkeypatch.setenv("SMSBRIDGE_SENDER", "ACME")
    outputs = []
    for args in (("balance",), ("balance", "--json", "-vv"),
                 ("send", "--to", "996550123456", "--text", "hi", "-vv"),
                 ("send", "--to", "996550123456", "--text", "hi", "--json")):
        result = run(*args)
        assert result.code == EXIT_FAILED
        assert "AuthError (nikita/" in result.err
        outputs.append(result.text)
    assert "smsbridge: DEBUG:" in outputs[1]  # -vv logged the requests
    for text in outputs:
        assert WRONG not in text


def test_insufficient_funds(run, nikita_simulator):
    from smsbridge.cli.simulation import settings_url
    from smsbridge.discovery import load_driver

    simulator, url = nikita_simulator
    simulator.account.balance = Decimal("0")
    target = settings_url(load_driver("nikita"), simulator.client_settings(url))
    result = run("--url", target, "send", "--to", "996550123456", "--text", "hi", "--json")
    assert result.code == EXIT_FAILED
    assert result.json["error"]["type"] == "InsufficientFunds"
    assert result.json["error"]["provider"] == "nikita"
    assert result.json["error"]["code"] is not None


def test_simulate_prints_a_url_that_connects(run):
    """`python -m smsbridge simulate nikita` in a subprocess; Ctrl-C stops it cleanly."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smsbridge", "simulate", "nikita", "--json", "--duration",
         "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")},
        # A shell's background job starts with SIGINT ignored, and Python keeps that;
        # give the child the default so Ctrl-C reaches it as it does in a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert first["command"] == "simulate"
        assert first["driver"] == "nikita"
        assert first["url"].startswith("http://127.0.0.1:")
        assert first["settings"]["login"] == "demo"
        connect_url = first["env"]["SMSBRIDGE_URL"]
        assert parse_url(connect_url)[1]["base_url"] == first["settings"]["base_url"]
        balance = run("--url", connect_url, "balance", "--json")
        assert balance.code == EXIT_OK
        assert balance.json["balance"]["amount"] == "100.00"
        sent = run("--url", connect_url, "send", "--to", "996550123456", "--text", "hi")
        assert sent.code == EXIT_OK
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == EXIT_OK
    assert "the nikita simulator stopped" in err
    assert "Traceback" not in err


def test_simulate_human_output_with_a_duration(run):
    result = run("simulate", "nikita", "--duration", "0.2")
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert lines[0].startswith("Serving the nikita simulator at http://127.0.0.1:")
    assert lines[2].startswith("  export SMSBRIDGE_URL='nikita+http://demo:demo-password@")
    assert "  login = demo" in lines
    assert "  password = demo-password" in lines  # the simulator's own demo account


def test_simulate_busy_port(run, nikita_simulator):
    _, url = nikita_simulator
    port = url.rsplit(":", 1)[1]
    result = run("simulate", "nikita", "--port", port, "--duration", "0.1")
    assert result.code == EXIT_USAGE
    assert "cannot listen on 127.0.0.1:" in result.err


def test_simulate_driver_without_a_simulator(run):
    result = run("simulate", "memory")
    assert result.code == EXIT_USAGE
    assert "the memory driver ships no simulator" in result.err


def test_simulate_unknown_driver_suggests_no_package(run):
    result = run("simulate", "nosuch", "--json")
    assert result.code == EXIT_USAGE
    message = result.json["error"]["message"]
    assert "no smsbridge driver named 'nosuch' is installed" in message
    assert "pip install" not in message  # a made-up name invites typosquatting
    typo = run("simulate", "nikta")
    assert typo.code == EXIT_USAGE
    assert "did you mean 'nikita'?" in typo.err
    assert "smsbridge-nikta" not in typo.err


def test_settings_url_round_trips():
    from smsbridge.cli.simulation import settings_url
    from smsbridge.discovery import load_driver

    settings = {"login": "de mo", "password": "p@ss:w/rd", "base_url": "http://127.0.0.1:8/api",
                "sender": "ACME", "test": True}
    url = settings_url(load_driver("nikita"), settings)
    assert url.startswith("nikita+http://de%20mo:p%40ss%3Aw%2Frd@127.0.0.1:8/api?")
    name, parsed = parse_url(url)
    assert name == "nikita"
    assert parsed == {"login": "de mo", "password": "p@ss:w/rd",
                      "base_url": "http://127.0.0.1:8/api", "sender": "ACME", "test": "true"}


def test_one_v_logs_each_request_without_bodies(run, nikita_url, nikita_simulator):
    _, base = nikita_simulator
    result = run("--url", nikita_url, "-v", "send", "--to", "996550123456", "--text",
                 "secret plans")
    assert result.code == EXIT_OK
    lines = result.err.splitlines()
    assert lines[0].startswith(f"smsbridge: INFO: POST {base}/api/message -> 200 (")
    assert lines[0].endswith(" ms)")
    assert "DEBUG" not in result.err
    assert "secret plans" not in result.err  # texts and numbers wait for -vv
    assert "996550123456" not in result.err
    assert "demo-password" not in result.err
    verbose = run("--url", nikita_url, "-vv", "balance")
    assert "smsbridge: DEBUG: POST" in verbose.err
    quiet = run("--url", nikita_url, "balance")
    assert quiet.err == ""
