"""The bytes of every ``--json`` document, pinned: its shape is an interface scripts parse.

Expected documents are literals copied from the output before serialization moved to
the converter; any change to them is a change of the CLI's interface.
"""

from __future__ import annotations

CLITEST = "clitest://acme:pw-Sup3rSecret@"
TWELVE = [item for index in range(12) for item in ("--to", f"9965501234{index:02d}")]


def test_a_send_streams_one_line_per_recipient(run) -> None:
    result = run("--url", CLITEST, "send", "--to", "996550123456", "--to", "996550120000",
                 "--text", "hello", "--reference", "order42", "--json")
    assert result.code == 1
    assert result.out == (
        '{"command": "send", "dry_run": false, "messages": [\n'
        '{"where": "--to #1", "recipient": "996550123456", "message_id": "c-1-0", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "order42", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #2", "recipient": "996550120000", "message_id": null, "parts": '
        'null, "price": null, "currency": null, "error": {"type": "InvalidRecipient", '
        '"message": "InvalidRecipient (clitest/send, code 7): number not served", '
        '"provider": "clitest", "operation": "send", "code": "7", "description": "number '
        'not served", "http_status": null, "delivery_unknown": false}, "provider": '
        '"clitest", "reference": null, "ok": false, "outcome": "failed"}\n'
        '], "summary": {"recipients": 2, "accepted": 1, "failed": 1, "unknown": 0, '
        '"skipped": 0, "not_attempted": 0, "already_settled": 0, "parts": 1, '
        '"total_price": [{"amount": "0.25", "currency": "KGS"}]}, "unknown": [], '
        '"not_attempted_from": null, "stopped_at": null, "interrupted": false, "journal": '
        'null, "reference": "order42", "advice": [], "error": null, "exit_code": 1, "ok": '
        'false}\n'
    )


def test_an_unknown_chunk_is_listed_with_its_reference(run) -> None:
    result = run("--url", CLITEST, "send", *TWELVE, "--text", "unknown", "--reference", "r1",
                 "--json")
    assert result.code == 3
    assert result.out == (
        '{"command": "send", "dry_run": false, "messages": [\n'
        '{"where": "--to #1", "recipient": "996550123400", "message_id": "c-1-0", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #2", "recipient": "996550123401", "message_id": "c-1-1", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #3", "recipient": "996550123402", "message_id": "c-1-2", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #4", "recipient": "996550123403", "message_id": "c-1-3", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #5", "recipient": "996550123404", "message_id": "c-1-4", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #6", "recipient": "996550123405", "message_id": "c-1-5", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #7", "recipient": "996550123406", "message_id": "c-1-6", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #8", "recipient": "996550123407", "message_id": "c-1-7", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #9", "recipient": "996550123408", "message_id": "c-1-8", "parts": '
        '1, "price": "0.25", "currency": "KGS", "error": null, "provider": "clitest", '
        '"reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #10", "recipient": "996550123409", "message_id": "c-1-9", '
        '"parts": 1, "price": "0.25", "currency": "KGS", "error": null, "provider": '
        '"clitest", "reference": "r1", "ok": true, "outcome": "accepted"},\n'
        '{"where": "--to #11", "recipient": "996550123410", "message_id": null, "parts": '
        'null, "price": null, "currency": null, "error": {"type": "DeliveryUnknown", '
        '"message": "DeliveryUnknown: clitest/send: ReadTimeout after the request may have '
        'reached the provider -- the message may or may not have reached the provider: do '
        "not resend blindly; check with 'smsbridge status ID' or the provider's report "
        'first", "provider": "clitest", "operation": "send", "code": null, "description": '
        'null, "http_status": null, "delivery_unknown": true}, "provider": null, '
        '"reference": "r1#1", "ok": false, "outcome": "unknown"},\n'
        '{"where": "--to #12", "recipient": "996550123411", "message_id": null, "parts": '
        'null, "price": null, "currency": null, "error": {"type": "DeliveryUnknown", '
        '"message": "DeliveryUnknown: clitest/send: ReadTimeout after the request may have '
        'reached the provider -- the message may or may not have reached the provider: do '
        "not resend blindly; check with 'smsbridge status ID' or the provider's report "
        'first", "provider": "clitest", "operation": "send", "code": null, "description": '
        'null, "http_status": null, "delivery_unknown": true}, "provider": null, '
        '"reference": "r1#1", "ok": false, "outcome": "unknown"}\n'
        '], "summary": {"recipients": 12, "accepted": 10, "failed": 0, "unknown": 2, '
        '"skipped": 0, "not_attempted": 0, "already_settled": 0, "parts": 10, '
        '"total_price": [{"amount": "2.50", "currency": "KGS"}]}, "unknown": [{"where": '
        '"--to #11", "recipient": "996550123410", "chunk": 1, "reference": "r1#1"}, '
        '{"where": "--to #12", "recipient": "996550123411", "chunk": 1, "reference": '
        '"r1#1"}], "not_attempted_from": null, "stopped_at": null, "interrupted": false, '
        '"journal": null, "reference": "r1", "advice": ["the message may or may not have '
        "reached the provider: do not resend blindly; check with 'smsbridge status ID' or "
        'the provider\'s report first"], "error": {"type": "DeliveryUnknown", "message": '
        '"DeliveryUnknown: clitest/send: ReadTimeout after the request may have reached '
        'the provider -- the message may or may not have reached the provider: do not '
        "resend blindly; check with 'smsbridge status ID' or the provider's report "
        'first", "provider": "clitest", "operation": "send", "code": null, "description": '
        'null, "http_status": null, "delivery_unknown": true}, "exit_code": 3, "ok": '
        'false}\n'
    )


def test_a_stopped_send_names_where_it_stopped(run) -> None:
    result = run("--url", CLITEST, "send", "--to", "996550123456", "--text", "offline", "--json")
    assert result.code == 3
    assert result.out == (
        '{"command": "send", "dry_run": false, "messages": [\n'
        '{"where": "--to #1", "recipient": "996550123456", "message_id": null, "parts": '
        'null, "price": null, "currency": null, "error": null, "provider": null, '
        '"reference": null, "ok": false, "outcome": "not_attempted"}\n'
        '], "summary": {"recipients": 0, "accepted": 0, "failed": 0, "unknown": 0, '
        '"skipped": 0, "not_attempted": 1, "already_settled": 0, "parts": 0, '
        '"total_price": []}, "unknown": [], "not_attempted_from": "--to #1", "stopped_at": '
        '"--to #1", "interrupted": false, "journal": null, "reference": null, "advice": '
        '["nothing from --to #1 on was sent; next time give --journal FILE, and a stopped '
        'campaign continues with --resume FILE"], "error": {"type": "TransportError", '
        '"message": "TransportError: clitest/send: ConnectionError", "provider": '
        '"clitest", "operation": "send", "code": null, "description": null, "http_status": '
        'null, "delivery_unknown": false}, "exit_code": 3, "ok": false}\n'
    )


def test_a_dry_run_keeps_the_offset_of_at(run) -> None:
    result = run("--url", CLITEST, "send", "--to", "996550123456", "--to", "bad", "--text",
                 "hello", "--at", "2030-05-01T09:30+06:00", "--validity", "600", "--dry-run",
                 "--json")
    assert result.code == 1
    assert result.out == (
        '{\n'
        '  "command": "send",\n'
        '  "ok": false,\n'
        '  "dry_run": true,\n'
        '  "recipients": 1,\n'
        '  "invalid": 1,\n'
        '  "invalid_numbers": [\n'
        '    {\n'
        '      "where": "--to #2",\n'
        '      "value": "bad",\n'
        '      "error": "ValidationError: invalid phone number \'bad\': only digits, '
        'spaces, dashes, brackets and a leading + are allowed"\n'
        '    }\n'
        '  ],\n'
        '  "sender": null,\n'
        '  "send_at": "2030-05-01T09:30:00+06:00",\n'
        '  "segments": {\n'
        '    "encoding": "gsm7",\n'
        '    "parts": 1,\n'
        '    "length": 5\n'
        '  },\n'
        '  "parts": 1,\n'
        '  "estimate": [\n'
        '    {\n'
        '      "currency": "KGS",\n'
        '      "parts": 1,\n'
        '      "price_per_part": null,\n'
        '      "min": "0.25",\n'
        '      "max": "0.40"\n'
        '    }\n'
        '  ],\n'
        '  "estimate_note": null,\n'
        '  "exit_code": 1\n'
        '}\n'
    )


def test_status_with_an_error(run) -> None:
    result = run("--url", CLITEST, "status", "c-1-0", "missing", "--json")
    assert result.code == 1
    assert result.out == (
        '{\n'
        '  "command": "status",\n'
        '  "ok": false,\n'
        '  "reports": [\n'
        '    {\n'
        '      "message_id": "c-1-0",\n'
        '      "state": "queued",\n'
        '      "recipient": "996550123456",\n'
        '      "provider_state": "0",\n'
        '      "description": null,\n'
        '      "sent_at": null,\n'
        '      "delivered_at": null,\n'
        '      "price": "0.25",\n'
        '      "currency": "KGS",\n'
        '      "final": false,\n'
        '      "error": null\n'
        '    },\n'
        '    {\n'
        '      "message_id": "missing",\n'
        '      "state": null,\n'
        '      "final": false,\n'
        '      "error": {\n'
        '        "type": "NotFound",\n'
        '        "message": "NotFound (clitest/status, code 404): no such message",\n'
        '        "provider": "clitest",\n'
        '        "operation": "status",\n'
        '        "code": "404",\n'
        '        "description": "no such message",\n'
        '        "http_status": null,\n'
        '        "delivery_unknown": false\n'
        '      }\n'
        '    }\n'
        '  ],\n'
        '  "timed_out": false,\n'
        '  "exit_code": 1\n'
        '}\n'
    )


def test_balance(run) -> None:
    result = run("--url", CLITEST, "balance", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "balance",\n'
        '  "ok": true,\n'
        '  "balance": {\n'
        '    "amount": "12.50",\n'
        '    "currency": "KGS",\n'
        '    "credit_limit": "5"\n'
        '  }\n'
        '}\n'
    )


def test_prices(run) -> None:
    result = run("--url", CLITEST, "prices", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "prices",\n'
        '  "ok": true,\n'
        '  "prices": [\n'
        '    {\n'
        '      "channel": "sms",\n'
        '      "price": "0.25",\n'
        '      "currency": "KGS",\n'
        '      "country": "KG",\n'
        '      "country_name": "Kyrgyzstan",\n'
        '      "mcc": "437"\n'
        '    },\n'
        '    {\n'
        '      "channel": "sms",\n'
        '      "price": "0.40",\n'
        '      "currency": "KGS",\n'
        '      "country": "KZ",\n'
        '      "country_name": "Kazakhstan",\n'
        '      "mcc": "401"\n'
        '    },\n'
        '    {\n'
        '      "channel": "hlr",\n'
        '      "price": "0.05",\n'
        '      "currency": "KGS",\n'
        '      "country": null,\n'
        '      "country_name": null,\n'
        '      "mcc": null\n'
        '    }\n'
        '  ]\n'
        '}\n'
    )


def test_hlr_create(run) -> None:
    result = run("--url", CLITEST, "hlr", "996550123456", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "hlr",\n'
        '  "ok": true,\n'
        '  "results": [\n'
        '    {\n'
        '      "id": "h-996550123456",\n'
        '      "msisdn": "996550123456",\n'
        '      "status": "sent",\n'
        '      "reference": null,\n'
        '      "network": null,\n'
        '      "ported": null,\n'
        '      "roaming": null,\n'
        '      "price": null,\n'
        '      "currency": null,\n'
        '      "error": null\n'
        '    }\n'
        '  ]\n'
        '}\n'
    )


def test_hlr_result(run) -> None:
    result = run("--url", CLITEST, "hlr", "--result", "h-1", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "hlr",\n'
        '  "ok": true,\n'
        '  "results": [\n'
        '    {\n'
        '      "id": "h-1",\n'
        '      "msisdn": "996550123456",\n'
        '      "status": "active",\n'
        '      "reference": null,\n'
        '      "network": "MegaCom",\n'
        '      "ported": false,\n'
        '      "roaming": false,\n'
        '      "price": "0.05",\n'
        '      "currency": "KGS",\n'
        '      "error": null\n'
        '    }\n'
        '  ]\n'
        '}\n'
    )


def test_lookup(run) -> None:
    result = run("--url", CLITEST, "lookup", "996550123456", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "lookup",\n'
        '  "ok": true,\n'
        '  "lookups": [\n'
        '    {\n'
        '      "msisdn": "996550123456",\n'
        '      "region": "Bishkek",\n'
        '      "operator": "MegaCom",\n'
        '      "utc_offset": 6\n'
        '    }\n'
        '  ]\n'
        '}\n'
    )


def test_report_keeps_the_offsets_given(run) -> None:
    result = run("--url", CLITEST, "report", "--start", "2026-03-01T00:00+06:00", "--end",
                 "2026-03-02T00:00+06:00", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "report",\n'
        '  "ok": true,\n'
        '  "start": "2026-03-01T00:00:00+06:00",\n'
        '  "end": "2026-03-02T00:00:00+06:00",\n'
        '  "statistics": {\n'
        '    "sent": 10,\n'
        '    "delivered": 8,\n'
        '    "undelivered": 1,\n'
        '    "in_progress": 1,\n'
        '    "expired": null,\n'
        '    "rejected": null,\n'
        '    "total": 10,\n'
        '    "delivery_ratio": 0.8\n'
        '  }\n'
        '}\n'
    )


def test_inbox(run) -> None:
    result = run("--url", CLITEST, "inbox", "--start", "2026-03-01T00:00Z", "--end",
                 "2026-03-02T00:00Z", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "inbox",\n'
        '  "ok": true,\n'
        '  "start": "2026-03-01T00:00:00+00:00",\n'
        '  "end": "2026-03-02T00:00:00+00:00",\n'
        '  "messages": [\n'
        '    {\n'
        '      "id": "in-1",\n'
        '      "sender": "996550123456",\n'
        '      "recipient": "ACME",\n'
        '      "text": "STOP",\n'
        '      "received_at": "2026-03-01T12:00:00+00:00",\n'
        '      "prefix": null\n'
        '    }\n'
        '  ]\n'
        '}\n'
    )


def test_segments(run) -> None:
    result = run("segments", "привет", "--json")
    assert result.code == 0
    assert result.out == (
        '{\n'
        '  "command": "segments",\n'
        '  "ok": true,\n'
        '  "characters": 6,\n'
        '  "segments": {\n'
        '    "encoding": "ucs2",\n'
        '    "parts": 1,\n'
        '    "length": 6\n'
        '  }\n'
        '}\n'
    )


def test_an_error_document(run) -> None:
    result = run("--url", "memory://", "prices", "--json")
    assert result.code == 2
    assert result.out == (
        '{\n'
        '  "command": "prices",\n'
        '  "ok": false,\n'
        '  "error": {\n'
        '    "type": "NotSupported",\n'
        '    "message": "NotSupported: driver \'memory\' does not support prices()",\n'
        '    "provider": "memory",\n'
        '    "operation": "prices",\n'
        '    "code": null,\n'
        '    "description": null,\n'
        '    "http_status": null,\n'
        '    "delivery_unknown": false\n'
        '  },\n'
        '  "exit_code": 2\n'
        '}\n'
    )
