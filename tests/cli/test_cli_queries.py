"""drivers, status, balance, prices, hlr, lookup, report, inbox."""

from __future__ import annotations

from smsbridge.cli import EXIT_FAILED, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE


def test_drivers_lists_installed_drivers(run, clitest):
    result = run("drivers")
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert lines[0].split() == ["DRIVER", "VERSION", "DISTRIBUTION", "CAPABILITIES"]
    memory = next(line for line in lines if line.startswith("memory "))
    assert "0.1.0" in memory
    assert "balance, parse_callback, send, send_at, send_many, status, viber" in memory
    assert any(line.startswith("clitest ") for line in lines)


def test_drivers_json(run, clitest):
    result = run("drivers", "--json")
    document = result.json
    assert document["command"] == "drivers"
    assert document["ok"] is True
    by_name = {d["name"]: d for d in document["drivers"]}
    assert by_name["memory"] == {
        "name": "memory", "distribution": "smsbridge", "version": "0.1.0",
        "entry_point": "smsbridge.memory:MemoryDriver",
        "capabilities": ["balance", "parse_callback", "send", "send_at", "send_many",
                         "status", "viber"],
        "settings": ["balance", "base_url", "connect_timeout", "deadline",
                     "default_country", "max_parts", "progression", "retries", "sender",
                     "timeout"],
        "secret_settings": [], "simulator": None, "error": None,
    }
    clitest_entry = by_name["clitest"]
    assert clitest_entry["distribution"] == "smsbridge-testdriver"
    assert clitest_entry["secret_settings"] == ["password"]
    assert clitest_entry["capabilities"] == [
        "balance", "hlr", "hlr_result", "inbox", "lookup", "prices", "report", "send",
        "send_at", "status"]


def test_drivers_reports_a_driver_that_cannot_be_imported(run, tmp_path, monkeypatch):
    info = tmp_path / "smsbridge_ghost-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: smsbridge-ghost\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[smsbridge.drivers]\nghost = smsbridge_ghost_missing:GhostDriver\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = run("drivers", "--json")
    assert result.code == EXIT_OK
    ghost = next(d for d in result.json["drivers"] if d["name"] == "ghost")
    assert ghost["capabilities"] is None
    assert "failed to import" in ghost["error"]
    assert "cannot import" in run("drivers").out


# -- status ----------------------------------------------------------------------------


def test_status_once(run, clitest):
    result = run("--url", clitest, "status", "c-1-0")
    assert result.code == EXIT_OK
    assert result.out == ("c-1-0  queued  to 996550123456  provider state 0  "
                          "price 0.25 KGS\n")


def test_status_json_shape(run, clitest):
    result = run("--url", clitest, "status", "c-1-0", "missing", "--json")
    assert result.code == EXIT_FAILED
    document = result.json
    assert document["ok"] is False
    assert document["timed_out"] is False
    first, second = document["reports"]
    assert first == {"message_id": "c-1-0", "state": "queued", "recipient": "996550123456",
                     "provider_state": "0", "description": None, "sent_at": None,
                     "delivered_at": None, "price": "0.25", "currency": "KGS",
                     "final": False, "error": None}
    assert second["state"] is None
    assert second["error"]["type"] == "NotFound"


def test_status_wait_until_delivered(run, clitest):
    result = run("--url", clitest, "status", "c-1-0", "c-1-1", "--wait", "--interval",
                 "0.01", "--timeout", "5")
    assert result.code == EXIT_OK
    states = [line.split()[:2] for line in result.out.splitlines()]
    assert states == [["c-1-0", "queued"], ["c-1-1", "queued"], ["c-1-0", "sent"],
                      ["c-1-1", "sent"], ["c-1-0", "delivered"], ["c-1-1", "delivered"]]
    assert "delivered (final)" in result.out


def test_status_wait_undelivered_exits_one(run, clitest):
    result = run("--url", clitest, "status", "c-1-x", "--wait", "--interval", "0.01",
                 "--json")
    assert result.code == EXIT_FAILED
    assert result.json["reports"][0]["state"] == "undelivered"
    assert result.json["reports"][0]["final"] is True


def test_status_wait_is_bounded(run, clitest):
    result = run("--url", clitest, "status", "stuck-1", "--wait", "--interval", "0.02",
                 "--timeout", "0.1")
    assert result.code == EXIT_TIMEOUT
    assert "timed out after 0.1 s: 1 message(s) not in a final state yet" in result.err
    json_result = run("--url", clitest, "status", "stuck-1", "--wait", "--interval", "0.02",
                      "--timeout", "0.1", "--json")
    assert json_result.code == EXIT_TIMEOUT
    assert json_result.json["timed_out"] is True


def test_status_not_found_on_memory(run):
    result = run("--url", "memory://", "status", "mem-1")
    assert result.code == EXIT_FAILED
    assert "smsbridge: error: mem-1: NotFound (memory/status): no such message" in result.err


def test_status_options_must_be_positive(run):
    result = run("--url", "memory://", "status", "x", "--interval", "0")
    assert result.code == EXIT_USAGE


# -- account ---------------------------------------------------------------------------


def test_balance(run, clitest):
    result = run("--url", clitest, "balance")
    assert result.out == "Balance: 12.50 KGS (credit limit 5)\n"


def test_prices(run, clitest):
    result = run("--url", clitest, "prices")
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert lines[0].split() == ["CHANNEL", "COUNTRY", "NAME", "MCC", "PRICE", "CURRENCY"]
    assert lines[1].split() == ["sms", "KG", "Kyrgyzstan", "437", "0.25", "KGS"]
    assert len(lines) == 4


def test_prices_json_channel_and_filter(run, clitest):
    result = run("--url", clitest, "prices", "--channel", "sms", "--filter", "country=KZ",
                 "--json")
    assert result.json == {"command": "prices", "ok": True, "prices": [
        {"channel": "sms", "price": "0.40", "currency": "KGS", "country": "KZ",
         "country_name": "Kazakhstan", "mcc": "401"}]}
    assert run("--url", clitest, "prices", "--channel", "viber").out == "No prices.\n"


def test_prices_bad_filter_is_a_usage_error(run):
    result = run("--url", "memory://", "prices", "--filter", "novalue")
    assert result.code == EXIT_USAGE
    assert "expected KEY=VALUE" in result.err


def test_unsupported_operation(run):
    result = run("--url", "memory://", "prices")
    assert result.code == EXIT_USAGE
    assert result.err == ("smsbridge: error: NotSupported: driver 'memory' does not "
                          "support prices()\n")


# -- numbers ---------------------------------------------------------------------------


def test_hlr_create_and_result(run, clitest):
    result = run("--url", clitest, "hlr", "+996 550 123 456", "996770123456", "--json")
    assert result.code == EXIT_OK
    assert [r["id"] for r in result.json["results"]] == ["h-996550123456", "h-996770123456"]
    assert result.json["results"][0]["status"] == "sent"
    result = run("--url", clitest, "hlr", "--result", "h-1")
    assert result.code == EXIT_OK
    assert result.out.splitlines()[1].split() == [
        "h-1", "996550123456", "active", "MegaCom", "no", "no", "0.05", "-"]


def test_hlr_needs_numbers_or_result(run, clitest):
    assert run("--url", clitest, "hlr").code == EXIT_USAGE
    assert run("--url", clitest, "hlr", "996550123456", "--result", "x").code == EXIT_USAGE


def test_lookup(run, clitest):
    result = run("--url", clitest, "lookup", "996550123456")
    assert result.out.splitlines()[1].split() == ["996550123456", "Bishkek", "MegaCom", "+6"]
    document = run("--url", clitest, "lookup", "996550123456", "--json").json
    assert document["lookups"] == [{"msisdn": "996550123456", "region": "Bishkek",
                                    "operator": "MegaCom", "utc_offset": 6}]


def test_lookup_bad_number(run, clitest):
    result = run("--url", clitest, "lookup", "abc")
    assert result.code == EXIT_USAGE
    assert "ValidationError: invalid phone number 'abc'" in result.err


# -- periods ---------------------------------------------------------------------------


def test_report(run, clitest):
    result = run("--url", clitest, "report", "--start", "2026-03-01T00:00+06:00",
                 "--end", "2026-03-02T00:00+06:00")
    assert result.code == EXIT_OK
    assert result.out.splitlines()[0] == (
        "Messages from 2026-03-01T00:00:00+06:00 to 2026-03-02T00:00:00+06:00:")
    assert "delivery ratio  80.0%" in result.out


def test_report_json(run, clitest):
    result = run("--url", clitest, "report", "--start", "2026-03-01T00:00Z", "--end",
                 "2026-03-02T00:00Z", "--json")
    assert result.json == {
        "command": "report", "ok": True, "start": "2026-03-01T00:00:00+00:00",
        "end": "2026-03-02T00:00:00+00:00",
        "statistics": {"sent": 10, "delivered": 8, "undelivered": 1, "in_progress": 1,
                       "expired": None, "rejected": None, "total": 10,
                       "delivery_ratio": 0.8}}


def test_report_period_errors(run, clitest):
    naive = run("--url", clitest, "report", "--start", "2026-03-01T00:00")
    assert naive.code == EXIT_USAGE
    assert "has no time zone" in naive.err
    backwards = run("--url", clitest, "report", "--start", "2026-03-02T00:00Z", "--end",
                    "2026-03-01T00:00Z")
    assert backwards.code == EXIT_USAGE
    assert "must be after --start" in backwards.err
    assert run("--url", clitest, "report").code == EXIT_USAGE


def test_inbox(run, clitest):
    result = run("--url", clitest, "inbox", "--start", "2026-03-01T00:00Z")
    assert result.code == EXIT_OK
    assert result.out.splitlines()[1].split() == [
        "2026-03-01T12:00:00+00:00", "996550123456", "ACME", "STOP"]
    document = run("--url", clitest, "inbox", "--start", "2026-03-01T00:00Z", "--json").json
    assert document["messages"] == [{"id": "in-1", "sender": "996550123456",
                                     "recipient": "ACME", "text": "STOP",
                                     "received_at": "2026-03-01T12:00:00+00:00",
                                     "prefix": None}]


def test_inbox_not_supported_on_memory(run):
    result = run("--url", "memory://", "inbox", "--start", "2026-03-01T00:00Z", "--json")
    assert result.code == EXIT_USAGE
    assert result.json["error"]["type"] == "NotSupported"
