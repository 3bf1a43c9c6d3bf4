"""The api module's seams: requests as built (no I/O) and answers as parsed."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.answers import Answer
from smsbridge.models import DeliveryState
from smsbridge.transport import Request
from smsbridge_devino import api


def _answer(body: bytes, status: int = 200, operation: str = "send") -> Answer:
    return Answer(status_code=status, headers={}, content=body,
                  url="https://devino.test/rest/x", provider="devino", operation=operation,
                  is_send=operation == "send")


def test_login_request() -> None:
    assert api.login_request("acme", "a+b==13%!pw") == Request(
        method="GET", path="user/sessionid", params={"login": "acme", "password": "a+b==13%!pw"})


def test_bulk_send_request_repeats_the_destination() -> None:
    messages = [smsbridge.Message(to="79161002030", text="hi", sender="DEVINO"),
                smsbridge.Message(to="79161002031", text="hi", sender="DEVINO")]
    assert api.send_request("SID", messages) == Request(
        method="POST", path="Sms/SendBulk",
        data=[("SessionID", "SID"), ("SourceAddress", "DEVINO"),
              ("DestinationAddresses", "79161002030"), ("DestinationAddresses", "79161002031"),
              ("Data", "hi")])


def test_state_and_statistics_requests() -> None:
    assert api.state_request("SID", "579700854169272358") == Request(
        method="GET", path="Sms/State",
        params={"sessionId": "SID", "messageId": "579700854169272358"})
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    end = datetime(2026, 1, 2, 12, 30, tzinfo=timezone.utc)
    assert api.statistics_request("SID", start, end) == Request(
        method="GET", path="Sms/Statistics",
        params={"sessionId": "SID", "startDateTime": "2026-01-01T00:00:00",
                "endDateTime": "2026-01-02T12:30:00"})


def test_parse_send_shares_segment_ids_among_recipients() -> None:
    messages = [smsbridge.Message(to="79161002030", text="x" * 200, sender="DEVINO"),
                smsbridge.Message(to="79161002031", text="x" * 200, sender="DEVINO")]
    sent = api.parse_send(_answer(b"[1, 2, 3, 4]"), messages, "devino")
    assert [(s.recipient, s.message_id, s.parts) for s in sent] == [
        ("79161002030", "1,2", 2), ("79161002031", "3,4", 2)]


@pytest.mark.parametrize("body", [b'"10"', b"10", b"[]", b'{"Id": "1"}', b'["1", ""]'])
def test_parse_send_takes_only_a_list_of_ids(body: bytes) -> None:
    message = smsbridge.Message(to="79161002030", text="hi", sender="DEVINO")
    with pytest.raises(smsbridge.InvalidResponse):
        api.parse_send(_answer(body), [message], "devino")


def test_parse_state() -> None:
    body = (b'{"State": 0, "StateDescription": "delivered", "Price": 1.13, '
            b'"SubmittedDateUtc": "\\/Date(1294045911213)\\/", '
            b'"ReportedDateUtc": "\\/Date(1294045971213)\\/"}')
    report = api.parse_state(_answer(body, operation="status"), "42")
    assert (report.message_id, report.state, report.provider_state, report.price) == (
        "42", DeliveryState.DELIVERED, "0", Decimal("1.13"))
    assert report.sent_at == datetime(2011, 1, 3, 9, 11, 51, 213000, tzinfo=timezone.utc)
    assert report.delivered_at == datetime(2011, 1, 3, 9, 12, 51, 213000, tzinfo=timezone.utc)


def test_parse_session_reads_the_json_string() -> None:
    answer = _answer(b'"Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"', operation="login")
    assert api.parse_session(answer) == "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"
    with pytest.raises(smsbridge.AuthError):
        api.parse_session(_answer(b'{"Code": 4, "Desc": "Invalid user login or password"}',
                                  401, operation="login"))
