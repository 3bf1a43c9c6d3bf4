"""Parsing, help, exit codes and error lines of the command line."""

from __future__ import annotations

import pytest

from smsbridge.cli import EXIT_FAILED, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE, main
from smsbridge.cli.context import parse_when
from smsbridge.cli.output import UsageError, describe_error, exit_code_for
from smsbridge.errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    InvalidResponse,
    NotSupported,
    ProviderError,
    TransportError,
    ValidationError,
)


def test_help_lists_every_command(run):
    result = run("--help")
    assert result.code == EXIT_OK
    for command in ("drivers", "send", "status", "balance", "prices", "hlr", "lookup",
                    "report", "inbox", "segments", "simulate", "demo"):
        assert command in result.out


def test_version(run):
    result = run("--version")
    assert result.code == EXIT_OK
    assert result.out.startswith("smsbridge 0.1.0")


def test_no_command_prints_help_and_fails(run):
    result = run()
    assert result.code == EXIT_USAGE
    assert "usage: smsbridge" in result.err


def test_unknown_option_is_a_usage_error(run):
    result = run("balance", "--bogus")
    assert result.code == EXIT_USAGE
    assert "unrecognized arguments: --bogus" in result.err


def test_send_needs_a_text(run):
    result = run("send", "--to", "996550123456")
    assert result.code == EXIT_USAGE
    assert "--text" in result.err


def test_common_options_work_before_and_after_the_command(run):
    before = run("--json", "--url", "memory://", "balance")
    after = run("balance", "--json", "--url", "memory://")
    assert before.code == after.code == EXIT_OK
    assert before.json == after.json


def test_main_defaults_to_sys_argv(monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["smsbridge", "segments", "hello"])
    assert main() == EXIT_OK
    assert "1 part" in capsys.readouterr().out


def test_no_configuration_is_explained(run):
    result = run("balance")
    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("smsbridge: error: ConfigError: no provider configured")
    assert "smsbridge demo" in result.err


def test_error_with_json_is_a_json_document_too(run):
    result = run("--json", "balance")
    assert result.code == EXIT_USAGE
    document = result.json
    assert document["command"] == "balance"
    assert document["ok"] is False
    assert document["exit_code"] == EXIT_USAGE
    assert document["error"]["type"] == "ConfigError"
    assert "smsbridge: error: ConfigError" in result.err


def test_unknown_driver_names_the_package(run):
    result = run("--url", "nosuchdriver://", "balance")
    assert result.code == EXIT_USAGE
    assert "DriverNotFound" in result.err
    assert "pip install" not in result.err  # never a package named after a made-up name


@pytest.mark.parametrize(("error", "code"), [
    (ConfigError("x"), EXIT_USAGE),
    (ValidationError("x"), EXIT_USAGE),
    (NotSupported("hlr", "memory"), EXIT_USAGE),
    (UsageError("x"), EXIT_USAGE),
    (ProviderError("x"), EXIT_FAILED),
    (AuthError("x"), EXIT_FAILED),
    (InvalidResponse("x"), EXIT_FAILED),
    (TransportError("x"), EXIT_TRANSPORT),
    (DeliveryUnknown("x"), EXIT_TRANSPORT),
])
def test_exit_codes_by_error_type(error, code):
    assert exit_code_for(error) == code


def test_provider_errors_name_type_provider_code_and_description():
    error = AuthError("invalid login", provider="nikita", operation="balance", code=1,
                      http_status=401)
    assert describe_error(error) == (
        "AuthError (nikita/balance, code 1, HTTP 401): invalid login")


def test_delivery_unknown_warns_against_resending():
    line = describe_error(DeliveryUnknown("nikita/send: ReadTimeout"))
    assert line.startswith("DeliveryUnknown: nikita/send: ReadTimeout")
    assert "do not resend blindly" in line
    assert "\n" not in line


def test_multi_line_messages_become_one_line():
    assert describe_error(ConfigError("one\ntwo")) == "ConfigError: one two"


@pytest.mark.parametrize("text", ["2026-05-01T09:30+06:00", "2026-05-01T03:30Z",
                                  "2026-05-01 03:30:00+00:00"])
def test_times_need_a_zone(text):
    when = parse_when(text, "--at")
    assert when.utcoffset() is not None
    assert when.isoformat().startswith("2026-05-01")


def test_naive_and_malformed_times_are_usage_errors():
    with pytest.raises(UsageError, match="no time zone"):
        parse_when("2026-05-01T09:30", "--at")
    with pytest.raises(UsageError, match="not an ISO 8601 time"):
        parse_when("tomorrow", "--at")


def test_segments_needs_no_provider(run):
    result = run("segments", "hello")
    assert result.code == EXIT_OK
    assert result.out.strip() == "1 part, gsm7, 5 GSM-7 septets (5 characters)"


def test_segments_json_and_unicode(run):
    result = run("segments", "--json", "Привет" * 20)
    assert result.code == EXIT_OK
    assert result.json == {"command": "segments", "ok": True, "characters": 120,
                           "segments": {"encoding": "ucs2", "parts": 2, "length": 120}}


def test_segments_reads_standard_input(run, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("€" * 81 + "\n"))
    result = run("segments", "-", "--json")
    assert result.json["segments"] == {"encoding": "gsm7", "parts": 2, "length": 162}


@pytest.mark.parametrize(("args", "refusal"), [
    (("status", "c-1", "--wait", "--timeout", "inf"), "must be positive, got 'inf'"),
    (("status", "c-1", "--wait", "--interval", "nan"), "must be positive, got 'nan'"),
    (("status", "c-1", "--wait", "--timeout", "soon"), "not a number: 'soon'"),
    (("send", "996550123456", "--text", "hi", "--concurrency", "0"),
     "must be at least 1, got '0'"),
    (("send", "996550123456", "--text", "hi", "--concurrency", "2.5"),
     "not a whole number: '2.5'"),
    (("simulate", "nikita", "--balance", "sNaN"), "not a number: 'sNaN'"),
    (("simulate", "nikita", "--latency", "inf"), "must be zero or more, got 'inf'"),
])
def test_number_options_refuse_what_would_never_end_or_mean_nothing(run, args, refusal):
    # An endless --timeout would wait forever; NaN and sNaN are no amount or count.
    result = run("--url", "clitest://acme:pw@", *args)
    assert result.code == EXIT_USAGE
    assert refusal in result.err
