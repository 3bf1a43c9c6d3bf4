"""``send --journal`` and ``--resume``: a stopped campaign continued without losing or
doubling a message, in-process against the ``clitest`` driver and the Nikita simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smsbridge.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE
from smsbridge.cli.campaign import Journal, Settled, read_journal


def journal_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def outcomes(records: list[dict[str, Any]]) -> dict[int, str]:
    """The last outcome of each line the journal settled."""
    return {r["line"]: r["outcome"] for r in records if "outcome" in r}


def test_journal_records_every_recipient_as_it_is_answered(run, clitest, numbers_file,
                                                           tmp_path):
    path = numbers_file(25)  # clitest: request 2 (lines 11-20) ends in DeliveryUnknown
    journal = tmp_path / "campaign.jsonl"
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "unknown",
                 "--reference", "spring", "--journal", str(journal), "-q")
    assert result.code == EXIT_TRANSPORT
    records = journal_records(journal)
    header = records[0]
    assert header["event"] == "campaign"
    assert header["reference"] == "spring"
    assert header["options"]["driver"] == "clitest"
    assert header["options"]["to_file"] == str(path)
    assert "text" not in header["options"]  # only its hash: the journal holds no text
    chunks = [r for r in records if r.get("event") == "chunk"]
    assert [(c["chunk"], c["reference"]) for c in chunks] == [(0, "spring"),
                                                             (1, "spring#1")]
    assert chunks[1]["members"][0] == [11, "line 11", "996550000011"]
    first = records[2]
    assert first == {"seq": 1, "line": 1, "where": "line 1", "recipient": "996550000001",
                     "message_id": "c-1-0", "outcome": "accepted", "chunk": 0,
                     "reference": "spring", "error": None}
    # The chunk record is written before its request, the recipients after the answer.
    assert records.index(chunks[1]) > records.index(first)
    settled = outcomes(records)
    assert settled == {**{n: "accepted" for n in range(1, 11)},
                       **{n: "unknown" for n in range(11, 21)}}
    assert "continue the campaign with the same command and --resume" in result.err


def test_resume_continues_after_the_last_settled_line(run, clitest, numbers_file, tmp_path):
    path = numbers_file(25)
    journal = tmp_path / "campaign.jsonl"
    args = ("--url", clitest, "send", "--to-file", str(path), "--text", "unknown",
            "--reference", "spring")
    first = run(*args, "--journal", str(journal), "-q")
    assert first.code == EXIT_TRANSPORT
    resumed = run(*args, "--resume", str(journal), "--json")
    # The unknown chunk is not sent again (clitest does not deduplicate): its recipients
    # are reported unknown again. The five lines never attempted are sent, in a chunk
    # with a reference no earlier chunk had.
    assert resumed.code == EXIT_TRANSPORT
    document = resumed.json
    assert [(m["where"], m["outcome"], m["reference"]) for m in document["messages"]] == [
        *((f"line {n}", "unknown", "spring#1") for n in range(11, 21)),
        *((f"line {n}", "accepted", "spring#2") for n in range(21, 26))]
    assert document["summary"]["already_settled"] == 10
    assert "does not deduplicate: --resume will not send the unknown recipients again" \
        in " ".join(document["advice"])
    records = journal_records(journal)
    assert [r["reference"] for r in records if r.get("event") == "chunk"] == [
        "spring", "spring#1", "spring#2"]
    assert outcomes(records) == {**{n: "accepted" for n in range(1, 11)},
                                 **{n: "unknown" for n in range(11, 21)},
                                 **{n: "accepted" for n in range(21, 26)}}
    again = run(*args, "--resume", str(journal), "-q")
    assert again.code == EXIT_TRANSPORT
    assert again.out == "".join(f"unknown 9965500000{n}  line {n}: its request was in flight "
                                "(chunk reference spring#1)\n" for n in range(11, 21))
    assert again.err.startswith("Sent: 10 recipients: 0 accepted, 0 failed, 10 unknown, "
                                "0 SMS parts (15 settled by the earlier run)")
    assert len(journal_records(journal)) == len(records)  # nothing new to write down


def test_a_journal_without_a_reference_gets_one(run, clitest, numbers_file, tmp_path):
    path = numbers_file(12)
    journal = tmp_path / "j.jsonl"
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "hi",
                 "--journal", str(journal), "--json")
    assert result.code == EXIT_OK
    reference = result.json["reference"]
    assert reference and reference.isalnum()
    records = journal_records(journal)
    assert records[0]["reference"] == reference
    assert [r["reference"] for r in records if r.get("event") == "chunk"] == [
        reference, f"{reference}#1"]


def test_resume_refuses_another_campaign(run, clitest, numbers_file, tmp_path):
    path = numbers_file(5)
    journal = tmp_path / "j.jsonl"
    assert run("--url", clitest, "send", "--to-file", str(path), "--text", "hi",
               "--journal", str(journal)).code == EXIT_OK
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "hello",
                 "--resume", str(journal))
    assert result.code == EXIT_USAGE
    assert "was written for another campaign: text_sha256 differs" in result.err
    result = run("--url", clitest, "send", "--to-file", str(path), "--text", "hi",
                 "--journal", str(journal))
    assert result.code == EXIT_USAGE
    assert f"--journal {journal} already holds a campaign; continue it with --resume" \
        in result.err


def test_resume_refuses_a_changed_input(run, clitest, numbers_file, tmp_path):
    path = numbers_file(25)
    journal = tmp_path / "j.jsonl"
    args = ("--url", clitest, "send", "--to-file", str(path), "--text", "interrupt")
    assert run(*args, "--journal", str(journal), "-q").code == EXIT_INTERRUPTED
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[12] = "+996 777 000 000"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(*args, "--resume", str(journal))
    assert result.code == EXIT_USAGE
    assert "line 13 holds '+996 777 000 000', but the journal recorded 996550000013" \
        in result.err


def test_reference_with_the_chunk_separator_is_refused(run, sms_outbox):
    result = run("--url", "memory://", "send", "--to", "996550123456", "--text", "hi",
                 "--reference", "spring#1")
    assert result.code == EXIT_USAGE
    assert "contains '#', which chunk references use" in result.err
    assert len(sms_outbox) == 0


def test_journal_options_that_cannot_go_together(run, tmp_path):
    journal = str(tmp_path / "j.jsonl")
    result = run("--url", "memory://", "send", "--to", "996550123456", "--text", "hi",
                 "--journal", journal, "--resume", journal)
    assert result.code == EXIT_USAGE
    assert "not both" in result.err
    result = run("--url", "memory://", "send", "--to", "996550123456", "--text", "hi",
                 "--journal", journal, "--dry-run")
    assert result.code == EXIT_USAGE
    result = run("--url", "memory://", "send", "--to", "996550123456", "--text", "hi",
                 "--resume", str(tmp_path / "missing.jsonl"))
    assert result.code == EXIT_USAGE
    assert "cannot read --resume" in result.err


def test_a_journal_line_cut_short_by_a_kill_is_ignored(tmp_path):
    journal = tmp_path / "j.jsonl"
    journal.write_text(
        '{"event":"campaign","version":1,"reference":"r","options":{}}\n'
        '{"event":"chunk","chunk":0,"reference":"r","members":[[1,"line 1","996550000001"]]}\n'
        '{"seq":1,"line":1,"where":"line 1","recipient":"99655', encoding="utf-8")
    state = read_journal(str(journal))
    assert list(state.pending) == [0]
    assert state.next_chunk == 1
    assert 1 not in state.settled
    # Continuing drops the cut line, so the next record starts a line of its own.
    appended = Journal.append(str(journal))
    appended.write({"seq": 1, "line": 1, "where": "line 1", "recipient": "996550000001",
                    "message_id": "m1", "outcome": "accepted", "chunk": 0,
                    "reference": "r", "error": None})
    appended.close()
    state = read_journal(str(journal))
    assert state.pending == {}
    assert 1 in state.settled


def test_settled_ranges_merge():
    settled = Settled()
    for seq in [1, 2, 3, 7, 5, 6, 4, 10]:
        settled.add(seq)
    assert settled.ranges() == [(1, 7), (10, 10)]
    assert 4 in settled and 10 in settled
    assert 8 not in settled and 0 not in settled


# -- a deduplicating provider: the Nikita simulator -------------------------------------


def ledger_count(simulator: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in simulator.ledger():
        counts[message.recipient] = counts.get(message.recipient, 0) + 1
    return counts


def test_resume_repeats_the_unknown_chunk_on_nikita(run, nikita_url, nikita_simulator,
                                                    numbers_file, tmp_path):
    simulator, _ = nikita_simulator
    simulator.account.balance = 1000
    path = numbers_file(120)
    journal = tmp_path / "j.jsonl"
    args = ("--url", nikita_url, "send", "--to-file", str(path), "--text", "sale",
            "--reference", "spring26")
    # Every answer to the first chunk is lost after the gateway accepted it.
    simulator.inject("drop_after_accept", path="/message", times=10)
    first = run(*args, "--journal", str(journal), "--json")
    assert first.code == EXIT_TRANSPORT
    document = first.json
    assert document["summary"]["unknown"] == 50
    assert document["summary"]["not_attempted"] == 70
    assert document["not_attempted_from"] == "line 51"
    assert sum(ledger_count(simulator).values()) == 50  # the gateway holds the first 50
    simulator.clear_faults()
    resumed = run(*args, "--resume", str(journal), "--json")
    messages = resumed.json["messages"]
    assert len(messages) == 120
    # The first chunk was repeated with its own reference: the gateway recognized the
    # repeat, and no recipient got the SMS twice. The rest went out once.
    assert {m["reference"] for m in messages[:50]} == {"spring26"}
    assert all(m["outcome"] == "accepted" and m["message_id"] for m in messages)
    assert resumed.code == EXIT_OK
    # The repeat's ids are the gateway's ids of the first acceptance: status works.
    status = run("--url", nikita_url, "status", messages[0]["message_id"], "--json")
    assert status.code == EXIT_OK
    counts = ledger_count(simulator)
    assert len(counts) == 120
    assert set(counts.values()) == {1}


def test_rerun_with_the_same_reference_does_not_double(run, nikita_url, nikita_simulator,
                                                       numbers_file):
    simulator, _ = nikita_simulator
    path = numbers_file(60)
    args = ("--url", nikita_url, "send", "--to-file", str(path), "--text", "sale",
            "--reference", "again1", "--json")
    first = run(*args)
    assert first.code == EXIT_OK
    second = run(*args)
    # Not stopped at line 1: each chunk is recognized as a repeat and answered with the
    # earlier acceptance's ids.
    assert second.code == EXIT_OK, second.err
    assert [(m["recipient"], m["message_id"]) for m in second.json["messages"]] == [
        (m["recipient"], m["message_id"]) for m in first.json["messages"]]
    counts = ledger_count(simulator)
    assert len(counts) == 60
    assert set(counts.values()) == {1}


def test_a_reference_another_campaign_used_leaves_its_chunk_unknown(
        run, nikita_url, nikita_simulator, numbers_file, tmp_path):
    simulator, _ = nikita_simulator
    other = tmp_path / "other.txt"
    other.write_text("996770000001\n996770000002\n", encoding="utf-8")
    assert run("--url", nikita_url, "send", "--to-file", str(other), "--text", "old",
               "--reference", "reused").code == EXIT_OK
    path = numbers_file(60)
    result = run("--url", nikita_url, "send", "--to-file", str(path), "--text", "new",
                 "--reference", "reused", "--json")
    # The gateway holds another send under chunk 0's reference: those 50 are unknown
    # (never sent again under another reference); the send goes on with chunk 1.
    assert result.code == EXIT_TRANSPORT
    messages = result.json["messages"]
    assert {m["outcome"] for m in messages[:50]} == {"unknown"}
    assert messages[0]["error"]["type"] == "DuplicateMessage"
    assert {m["outcome"] for m in messages[50:]} == {"accepted"}
    assert result.json["error"] is None
    counts = ledger_count(simulator)
    assert len(counts) == 12 and set(counts.values()) == {1}
    assert "unknown 996550000001  line 1: DuplicateMessage (nikita/send, code 10" \
        in run("--url", nikita_url, "send", "--to-file", str(path), "--text", "new",
               "--reference", "reused", "-q").out


@pytest.mark.parametrize("text", ["Hi {name}, your code is {code}"])
def test_csv_with_a_text_template(run, tmp_path, sms_outbox, text):
    path = tmp_path / "people.csv"
    path.write_text("name,Phone,code\nAigul,+996 550 000 001,11\nBakyt,996550000002,22\n"
                    ",,\nMissing,996550000003,\n", encoding="utf-8")
    result = run("--url", "memory://", "send", "--csv", str(path), "--text", text,
                 "--skip-invalid", "--json")
    assert result.code == EXIT_OK
    assert [(m.to, m.text) for m in sms_outbox] == [
        ("996550000001", "Hi Aigul, your code is 11"),
        ("996550000002", "Hi Bakyt, your code is 22")]
    skipped = [m for m in result.json["messages"] if m["outcome"] == "skipped"]
    assert [(m["where"], m["error"]["message"]) for m in skipped] == [
        ("line 5", "ValidationError: no value for {code} in column 'code'")]


def test_csv_template_names_an_unknown_column(run, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,phone\nAigul,996550000001\n", encoding="utf-8")
    result = run("--url", "memory://", "send", "--csv", str(path), "--text", "Hi {nam}")
    assert result.code == EXIT_USAGE
    assert f"--text uses {{nam}}, but --csv {path} has no such column; its columns: " \
        "name, phone" in result.err
    result = run("--url", "memory://", "send", "--csv", str(path), "--text", "{name.upper}")
    assert result.code == EXIT_USAGE
    assert "name a CSV column" in result.err


def test_csv_row_too_long_for_the_driver_is_named(run, tmp_path, sms_outbox):
    path = tmp_path / "people.csv"
    path.write_text("phone,name\n996550000001,Al\n996550000002," + "x" * 200 + "\n",
                    encoding="utf-8")
    result = run("--url", "memory://?max_parts=1", "send", "--csv", str(path),
                 "--phone-column", "phone", "--text", "Hi {name}")
    assert result.code == EXIT_USAGE
    assert "line 3: text needs 2 SMS parts; the memory driver allows 1" in result.err
    assert len(sms_outbox) == 0


def test_a_refused_repeat_keeps_the_open_chunk_unknown(run, clitest, numbers_file,
                                                      tmp_path):
    """A chunk left in flight by a killed run, repeated on a deduplicating provider that
    refuses the repeat: the first attempt may have been accepted, so its recipients
    stay unknown (and open for the next resume), never 'not attempted'."""
    import hashlib

    path = numbers_file(15)
    journal = tmp_path / "j.jsonl"
    options = {"driver": "clitest", "to": [], "to_file": str(path), "csv": None,
               "phone_column": None,
               "text_sha256": hashlib.sha256(b"offline").hexdigest(), "sender": None,
               "at": None, "validity": None}
    members = [[n, f"line {n}", f"9965500000{n:02d}"] for n in range(1, 11)]
    journal.write_text(
        json.dumps({"event": "campaign", "version": 1, "reference": "camp",
                    "options": options}) + "\n"
        + json.dumps({"event": "chunk", "chunk": 0, "reference": "camp",
                      "members": members}) + "\n", encoding="utf-8")
    # clitest answers "offline" with a TransportError: nothing of the repeat was sent.
    result = run("--url", clitest + "?dedup=true", "send", "--to-file", str(path),
                 "--text", "offline", "--resume", str(journal), "--json")
    assert result.code == EXIT_TRANSPORT
    document = result.json
    assert [(m["where"], m["outcome"]) for m in document["messages"]] == [
        (f"line {n}", "unknown") for n in range(1, 11)]
    assert document["not_attempted_from"] == "line 11"
    state = read_journal(str(journal))
    assert list(state.pending) == [0]
    assert state.unknown == set(range(1, 11))
    assert state.next_chunk == 1


def test_progress_bar_of_a_resumed_campaign_starts_at_what_was_settled(
        run, clitest, numbers_file, tmp_path, monkeypatch):
    import sys

    path = numbers_file(25)
    journal = tmp_path / "j.jsonl"
    args = ("--url", clitest, "send", "--to-file", str(path), "--text", "funds")
    assert run(*args, "--journal", str(journal), "-q").code == 1  # stops at line 21
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    result = run(*args, "--resume", str(journal), "-q")
    assert result.code == EXIT_OK
    assert "25/25" in result.err
