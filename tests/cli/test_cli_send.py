"""``smsbridge send``: recipients, files, dry runs, summaries, exit codes, JSON."""

from __future__ import annotations

import io
import json
import sys

import pytest

from smsbridge.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE

MEMORY = ("--url", "memory://")


def test_send_to_one_number(run):
    result = run(*MEMORY, "send", "--to", "+996 550 123 456", "--text", "hello")
    assert result.code == EXIT_OK
    assert result.out.splitlines() == [
        "ok      996550123456  mem-1  (1 part)",
        "Sent: 1 recipient: 1 accepted, 0 failed, 1 SMS part",
    ]
    assert result.err == ""


def test_send_to_repeated_and_comma_separated_numbers(run):
    result = run(*MEMORY, "send", "--to", "996550000001", "--to",
                 "996550000002, 996550000003", "--text", "hi", "--json")
    assert result.code == EXIT_OK
    document = result.json
    assert [m["recipient"] for m in document["messages"]] == [
        "996550000001", "996550000002", "996550000003"]
    assert document["summary"]["accepted"] == 3


def test_json_shape_of_a_send(run, clitest):
    result = run("--url", clitest, "send", "--to", "996550123456", "--to", "996550120000",
                 "--text", "hello", "--reference", "order42", "--json")
    assert result.code == EXIT_FAILED
    document = result.json
    assert list(document) == ["command", "dry_run", "messages", "summary", "stopped_at",
                              "interrupted", "error", "exit_code", "ok"]
    assert document["command"] == "send"
    assert document["dry_run"] is False
    assert document["ok"] is False
    assert document["exit_code"] == EXIT_FAILED
    accepted, refused = document["messages"]
    assert accepted == {"where": "--to #1", "recipient": "996550123456",
                        "message_id": "c-1-0", "parts": 1, "price": "0.25",
                        "currency": "KGS", "error": None, "provider": "clitest",
                        "reference": "order42", "ok": True}
    assert refused["ok"] is False
    assert refused["message_id"] is None
    assert refused["error"]["type"] == "InvalidRecipient"
    assert refused["error"]["code"] == "7"
    assert refused["error"]["provider"] == "clitest"
    assert document["summary"] == {"recipients": 2, "accepted": 1, "failed": 1, "parts": 1,
                                   "total_price": [{"amount": "0.25", "currency": "KGS"}]}


def test_failed_recipient_is_printed_and_exit_is_one(run, clitest):
    result = run("--url", clitest, "send", "--to", "996550120000", "--to", "996550123456",
                 "--text", "hello")
    assert result.code == EXIT_FAILED
    lines = result.out.splitlines()
    assert lines[0].startswith("failed  996550120000  --to #1: InvalidRecipient "
                               "(clitest/send, code 7): number not served")
    assert lines[1] == "ok      996550123456  c-1-1  (1 part)"
    assert lines[2] == ("Sent: 2 recipients: 1 accepted, 1 failed, 1 SMS part, "
                        "total price 0.25 KGS")


def test_quiet_prints_only_failures_and_the_summary(run, clitest):
    result = run("--url", clitest, "send", "-q", "--to", "996550120000", "--to",
                 "996550123456", "--text", "hello")
    assert [line.split()[0] for line in result.out.splitlines()] == ["failed", "Sent:"]


def test_malformed_number_fails_alone(run):
    result = run(*MEMORY, "send", "--to", "abc", "--to", "996550123456", "--text", "hi")
    assert result.code == EXIT_FAILED
    assert "failed  abc  --to #1: ValidationError: invalid phone number 'abc'" in result.out
    assert "ok      996550123456  mem-1" in result.out
    assert "2 recipients: 1 accepted, 1 failed" in result.out


def test_recipients_are_required(run):
    result = run(*MEMORY, "send", "--text", "hi")
    assert result.code == EXIT_USAGE
    assert "no recipients" in result.err


def test_empty_text_is_a_validation_error(run):
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "  ")
    assert result.code == EXIT_USAGE
    assert "ValidationError: text is empty" in result.err


def test_text_over_the_driver_limit_fails_before_sending(run):
    result = run("--url", "memory://?max_parts=1", "send", "--to", "996550123456",
                 "--text", "x" * 200)
    assert result.code == EXIT_USAGE
    assert "ValidationError: text needs 2 SMS parts" in result.err
    assert "0 accepted" in result.out


def test_naive_send_time_is_refused(run):
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "hi",
                 "--at", "2099-05-01T09:30")
    assert result.code == EXIT_USAGE
    assert result.err.count("\n") == 1
    assert "UsageError: --at '2099-05-01T09:30' has no time zone" in result.err


def test_send_later_with_a_zone(run, sms_outbox):
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "hi",
                 "--at", "2099-05-01T09:30+06:00", "--sender", "ACME", "--validity", "3600")
    assert result.code == EXIT_OK
    message = sms_outbox.last
    assert message.send_at.isoformat() == "2099-05-01T09:30:00+06:00"
    assert message.sender == "ACME"
    assert message.validity.total_seconds() == 3600


def test_text_file(run, tmp_path, sms_outbox):
    path = tmp_path / "text.txt"
    path.write_text("Line one\nline two\n", encoding="utf-8")
    result = run(*MEMORY, "send", "--to", "996550123456", "--text-file", str(path))
    assert result.code == EXIT_OK
    assert sms_outbox.last.text == "Line one\nline two"


def test_missing_files_are_usage_errors(run, tmp_path):
    missing = str(tmp_path / "nope.txt")
    result = run(*MEMORY, "send", "--to", "996550123456", "--text-file", missing)
    assert result.code == EXIT_USAGE
    assert f"cannot read --text-file {missing}" in result.err
    result = run(*MEMORY, "send", "--to-file", missing, "--text", "hi")
    assert result.code == EXIT_USAGE
    assert f"cannot read --to-file {missing}" in result.err


def test_both_from_standard_input_is_refused(run):
    result = run(*MEMORY, "send", "--to-file", "-", "--text-file", "-")
    assert result.code == EXIT_USAGE
    assert "cannot both read standard input" in result.err


# -- files -----------------------------------------------------------------------------


def test_to_file_with_thousands_of_numbers(run, numbers_file, sms_outbox):
    path = numbers_file(3000, extra="\n# a comment\n\n")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "campaign", "-q")
    assert result.code == EXIT_OK
    assert len(sms_outbox) == 3000
    assert sms_outbox[0].to == "996550000001"
    assert sms_outbox[-1].to == "996550003000"
    assert result.out == "Sent: 3000 recipients: 3000 accepted, 0 failed, 3000 SMS parts\n"
    assert result.err == ""  # not a terminal: no progress bar


def test_to_file_json_lists_every_recipient_with_its_line(run, numbers_file):
    path = numbers_file(2500)
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "campaign", "--json")
    assert result.code == EXIT_OK
    document = result.json
    assert len(document["messages"]) == 2500
    assert document["messages"][1]["where"] == "line 2"
    assert document["messages"][2499]["message_id"] == "mem-2500"
    assert document["summary"]["recipients"] == 2500
    assert document["ok"] is True


def test_bad_lines_in_a_file_are_reported_with_their_line(run, tmp_path, sms_outbox):
    path = tmp_path / "numbers.txt"
    path.write_text("996550000001\nnot-a-number\n\n996550000002\n", encoding="utf-8")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi")
    assert result.code == EXIT_FAILED
    assert "failed  not-a-number  line 2: ValidationError" in result.out
    assert len(sms_outbox) == 2


def test_to_file_from_standard_input(run, monkeypatch, sms_outbox):
    monkeypatch.setattr("sys.stdin", io.StringIO("996550000001\n+996 550 000 002\n"))
    result = run(*MEMORY, "send", "--to-file", "-", "--text", "hi", "--json")
    assert result.code == EXIT_OK
    assert [m["where"] for m in result.json["messages"]] == ["stdin line 1", "stdin line 2"]
    assert sms_outbox.texts == ["hi", "hi"]


def test_empty_file_is_a_usage_error(run, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("# nobody\n", encoding="utf-8")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "--json")
    assert result.code == EXIT_USAGE
    assert result.json["error"]["type"] == "UsageError"
    assert result.json["summary"]["recipients"] == 0


class _CountingLines:
    """Standard input that counts the lines read so far."""

    def __init__(self, count: int) -> None:
        self.read = 0
        self.count = count

    def __iter__(self):
        for index in range(1, self.count + 1):
            self.read = index
            yield f"9965500{index:05d}\n"


class _Watcher(io.StringIO):
    """Standard output remembering how much input was read at the first result."""

    def __init__(self, source: _CountingLines) -> None:
        super().__init__()
        self.source = source
        self.read_at_first_result: int | None = None

    def write(self, text: str) -> int:
        if self.read_at_first_result is None and text.startswith("ok"):
            self.read_at_first_result = self.source.read
        return super().write(text)


def test_file_driven_send_streams_in_constant_memory(monkeypatch):
    from smsbridge.cli import main

    source = _CountingLines(5000)
    watcher = _Watcher(source)
    monkeypatch.setattr("sys.stdin", source)
    monkeypatch.setattr("sys.stdout", watcher)
    assert main(["--url", "memory://", "send", "--to-file", "-", "--text", "hi"]) == EXIT_OK
    # The first answers print after one request's worth of numbers (the memory driver
    # takes 1000 per request), not after the whole input.
    assert watcher.read_at_first_result is not None
    assert watcher.read_at_first_result <= 1001
    assert watcher.getvalue().count("\nok ") == 4999


# -- progress bar ----------------------------------------------------------------------


def _terminal(monkeypatch, stream: str) -> None:
    monkeypatch.setattr(getattr(sys, stream), "isatty", lambda: True, raising=False)


def test_progress_bar_on_a_terminal(run, monkeypatch, numbers_file):
    path = numbers_file(1200)
    _terminal(monkeypatch, "stderr")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "-q")
    assert result.code == EXIT_OK
    assert "sending" in result.err
    assert "1200/1200" in result.err
    assert result.out == "Sent: 1200 recipients: 1200 accepted, 0 failed, 1200 SMS parts\n"


def test_progress_bar_shares_a_terminal_with_the_results(run, monkeypatch, numbers_file):
    path = numbers_file(30)
    _terminal(monkeypatch, "stderr")
    _terminal(monkeypatch, "stdout")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi")
    assert result.code == EXIT_OK
    assert result.out.count("ok      ") == 30
    assert "30/30" in result.err


def test_no_progress_bar_off_a_terminal(run, numbers_file):
    path = numbers_file(50)
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "-q")
    assert result.err == ""


def test_no_progress_bar_for_numbers_on_the_command_line(run, monkeypatch):
    _terminal(monkeypatch, "stderr")
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "hi")
    assert result.err == ""


def test_no_progress_flag(run, monkeypatch, numbers_file):
    path = numbers_file(50)
    _terminal(monkeypatch, "stderr")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "--no-progress")
    assert result.err == ""


def test_no_progress_bar_without_tqdm(run, monkeypatch, numbers_file):
    path = numbers_file(50)
    _terminal(monkeypatch, "stderr")
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "-q")
    assert result.code == EXIT_OK
    assert result.err == ""


def test_progress_bar_counts_from_standard_input_without_a_total(run, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("996550000001\n996550000002\n"))
    _terminal(monkeypatch, "stderr")
    result = run(*MEMORY, "send", "--to-file", "-", "--text", "hi", "-q")
    assert result.code == EXIT_OK
    assert "2msg" in result.err.replace(" ", "")


# -- failures in the middle of a send --------------------------------------------------


def test_provider_error_midway_says_what_was_sent(run, clitest, numbers_file):
    path = numbers_file(45)  # clitest takes 10 per request; request 3 fails
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "funds", "-q")
    assert result.code == EXIT_FAILED
    assert ("smsbridge: error: InsufficientFunds (clitest/send, code 5, HTTP 402): "
            "not enough money") in result.err
    assert "recipients from line 21 on were not sent" in result.err
    assert result.out == ("Stopped early: 20 recipients: 20 accepted, 0 failed, 20 SMS "
                          "parts, total price 5.00 KGS\n")


def test_delivery_unknown_midway_warns_against_resending(run, clitest, numbers_file):
    path = numbers_file(25)
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "unknown",
                 "--json")
    assert result.code == EXIT_TRANSPORT
    document = result.json
    assert document["stopped_at"] == "line 11"
    assert document["error"]["type"] == "DeliveryUnknown"
    assert document["error"]["delivery_unknown"] is True
    assert document["summary"]["accepted"] == 10
    assert "do not resend blindly" in result.err
    assert "Traceback" not in result.err


def test_transport_error_exit_code(run, clitest):
    result = run("--url", clitest, "send", "--to", "996550123456", "--text", "offline")
    assert result.code == EXIT_TRANSPORT
    assert "smsbridge: error: TransportError: clitest/send: ConnectionError" in result.err


def test_interrupted_send_prints_the_summary(run, clitest, numbers_file):
    path = numbers_file(25)
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "interrupt",
                 "-q")
    assert result.code == EXIT_INTERRUPTED
    assert "smsbridge: interrupted" in result.err
    assert "recipients from line 11 on were not sent" in result.err
    assert result.out.startswith("Stopped early: 10 recipients: 10 accepted")


# -- dry run ---------------------------------------------------------------------------


def test_dry_run_sends_nothing(run, sms_outbox):
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "hello", "--dry-run")
    assert result.code == EXIT_OK
    assert len(sms_outbox) == 0
    assert result.out.splitlines() == [
        "Dry run: nothing was sent.",
        "Recipients: 1 valid, 0 invalid",
        "Text: 1 part per message (gsm7, 5 GSM-7 septets)",
        "SMS parts in total: 1",
        "No cost estimate: the memory driver gives no prices.",
    ]


def test_dry_run_estimates_a_range_of_prices(run, clitest, numbers_file):
    path = numbers_file(4, extra="oops\n")
    text = "x" * 200  # two parts
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", text,
                 "--dry-run", "--json")
    assert result.code == EXIT_FAILED  # one invalid line
    document = result.json
    assert document == {
        "command": "send", "ok": False, "dry_run": True, "recipients": 4, "invalid": 1,
        "invalid_numbers": [{"where": "line 5", "value": "oops",
                             "error": document["invalid_numbers"][0]["error"]}],
        "sender": None, "send_at": None,
        "segments": {"encoding": "gsm7", "parts": 2, "length": 200}, "parts": 8,
        "estimate": [{"currency": "KGS", "parts": 8, "price_per_part": None, "min": "2.00",
                      "max": "3.20"}],
        "estimate_note": None, "exit_code": EXIT_FAILED,
    }
    assert document["invalid_numbers"][0]["error"].startswith("ValidationError")


def test_dry_run_with_one_price_gives_the_cost(run, clitest):
    result = run("--url", clitest + "?flat_price=true", "send", "--to", "996550123456",
                 "--to", "996550123457", "--text", "hello", "--dry-run",
                 "--at", "2099-05-01T09:30Z")
    assert result.code == EXIT_OK
    assert "Cost estimate: 0.50 KGS (2 parts at 0.25 KGS each)" in result.out
    assert "Scheduled for: 2099-05-01T09:30:00+00:00" in result.out


def test_dry_run_runs_the_driver_checks(run):
    result = run("--url", "memory://?max_parts=1", "send", "--to", "996550123456",
                 "--text", "x" * 200, "--dry-run")
    assert result.code == EXIT_USAGE
    assert "text needs 2 SMS parts" in result.err


def test_dry_run_lists_at_most_a_hundred_invalid_numbers(run, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("bad\n" * 150 + "996550123456\n", encoding="utf-8")
    result = run(*MEMORY, "send", "--to-file", str(path), "--text", "hi", "--dry-run")
    assert result.code == EXIT_FAILED
    assert "Recipients: 1 valid, 150 invalid" in result.out
    assert "... and 50 more" in result.out


def test_json_documents_parse(run):
    result = run(*MEMORY, "send", "--to", "996550123456", "--text", "a \"quoted\" text",
                 "--json")
    assert json.loads(result.out)["ok"] is True


@pytest.mark.parametrize("flag", ["--text", "--sender"])
def test_unicode_round_trips(run, sms_outbox, flag):
    args = ["--text", "Привет"] if flag == "--text" else ["--text", "hi", "--sender", "ÄCME"]
    result = run(*MEMORY, "send", "--to", "996550123456", *args)
    assert result.code == EXIT_OK
