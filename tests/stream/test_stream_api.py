"""The api module's seams: requests as built (no I/O) and answers as parsed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import smsbridge
from smsbridge.answers import Answer
from smsbridge.transport import Request
from smsbridge_stream import api


def _answer(body: bytes, status: int = 200, operation: str = "send") -> Answer:
    return Answer(status_code=status, headers={}, content=body,
                  url="https://stream.test/rest/x", provider="stream", operation=operation,
                  is_send=operation == "send")


def test_login_posts_the_credentials() -> None:
    assert api.login_request("acme", "pw") == Request(
        method="POST", path="Session/session.php", data={"login": "acme", "password": "pw"})


def test_queries_carry_the_session_in_the_query_string() -> None:
    assert api.balance_request("SID") == Request(method="GET", path="Balance/",
                                                 params={"sessionId": "SID"})
    assert api.state_request("SID", "371324579") == Request(
        method="GET", path="State/", params={"sessionId": "SID", "messageId": "371324579"})


def test_planned_sends_carry_the_session_in_the_form() -> None:
    messages = [smsbridge.Message(to="79000000001", text="a", sender="ACME"),
                smsbridge.Message(to="79000000002", text="a", sender="ACME")]
    [planned] = api.plan_requests(messages)
    assert api.send_request("SID", planned) == Request(
        method="POST", path="Send/SendBulk/",
        data={"sessionId": "SID", "sourceAddress": "ACME",
              "destinationAddresses": "79000000001,79000000002", "data": "a"})


def test_detailed_report_request() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    end = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert api.detailed_report_request(
        "SID", start, end, state="delivered", phone="+79001234567", file_format="xls",
    ) == Request(method="POST", path="Statistic/all_stat.php",
                 data={"sessionId": "SID", "startTime": "2026-01-01T00:00:00",
                       "endTime": "2026-01-02T00:00:00", "state": "deliver",
                       "phone": "79001234567", "c_base": "0", "sub_stat": "0",
                       "type_load": "1"})


@pytest.mark.parametrize("body", [b'["1", "2"]', b"[1, 2]", b'[{"1"}, {"2"}]'])
def test_parse_ids(body: bytes) -> None:
    assert api.parse_ids(_answer(body), count=2) == ["1", "2"]


@pytest.mark.parametrize("body", [b'"10"', b"10", b'"1"'])
def test_parse_ids_refuses_a_bare_scalar(body: bytes) -> None:
    with pytest.raises(smsbridge.InvalidResponse):
        api.parse_ids(_answer(body), count=1)


def test_parse_ids_reads_a_bare_flood_code() -> None:
    with pytest.raises(smsbridge.RateLimited) as caught:
        api.parse_ids(_answer(b'"10"', 400), count=1)
    assert (caught.value.code, caught.value.http_status) == ("10", 400)


def test_parse_session_takes_the_quoted_or_bare_id() -> None:
    sid = "967648e7c4bc8895182862a8f0490f5e"
    assert api.parse_session(_answer(f'"{sid}"'.encode(), operation="login")) == sid
    assert api.parse_session(_answer(sid.encode(), operation="login")) == sid
