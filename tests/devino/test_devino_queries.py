"""Balance, inbox (Sms/In) and report (Sms/Statistics): requests and parsed results."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import InvalidResponse, ProviderError
from smsbridge.testing.fixtures import Wire

END = datetime.now(timezone.utc).replace(microsecond=0)
START = END - timedelta(days=10)


def _fmt(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("payload", ["balance.json", "balance-string.json"])
def test_balance(client: smsbridge.Client, api: Any, payload: str, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload=payload)
    balance = client.balance()
    assert balance.amount == Decimal("1250.75")
    assert isinstance(balance.amount, Decimal)
    assert balance.currency is None
    (request,) = sms_wire.to("/rest/User/Balance")
    assert request.method == "GET"
    assert request.query_pairs == [("SessionID", api.session)]


def test_balance_integer(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=b"100500")
    assert client.balance().amount == Decimal(100500)


@pytest.mark.parametrize("body", [b"[1]", b'{"Balance": 1}', b"null", b'"lots"', b"true"])
def test_balance_garbage(client: smsbridge.Client, api: Any, body: bytes) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=body)
    with pytest.raises(InvalidResponse):
        client.balance()


def test_inbox_request_and_documented_answer(client: smsbridge.Client, api: Any,
                                             sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "Sms/In", payload="incoming-two-messages.json")
    start = START.astimezone(timezone(timedelta(hours=3)))
    messages = client.inbox(start, END)
    (request,) = sms_wire.to("/rest/Sms/In")
    assert request.method == "GET"
    assert request.query_pairs == [("sessionId", api.session), ("minDateUTC", _fmt(START)),
                                   ("maxDateUTC", _fmt(END))]
    first, second = messages
    assert (first.id, first.sender, first.recipient, first.text) == (
        "539187174", "7926000000", "7916000000", "test1")
    assert first.received_at == datetime(2011, 1, 3, 9, 11, 51, 213000, tzinfo=timezone.utc)
    assert second.id == "539187214"
    assert first.raw["Data"] == "test1"


def test_inbox_numeric_id_and_other_date_key(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/In", payload="incoming-numeric-id-created.json")
    (message,) = client.inbox(START, END)
    assert message.id == "539187174"
    assert message.received_at is not None


def test_inbox_empty(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/In", body=b"[]")
    assert client.inbox(START, END) == []


def test_inbox_documented_error(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/In", payload="error-in-missing-maxdate.txt", status=400)
    with pytest.raises(ProviderError) as caught:
        client.inbox(START, END)
    assert caught.value.code == "9"
    assert "maxDateUtc" in (caught.value.description or "")


@pytest.mark.parametrize("body", [b'{"Data": "x"}', b'[{"ID": 1}]', b'["x"]',
                                  b'[{"Data": 5}]', b'[{"Data": "x", "CreateDateUtc": "now"}]'])
def test_inbox_garbage(client: smsbridge.Client, api: Any, body: bytes) -> None:
    api.add_login()
    api.add("GET", "Sms/In", body=body)
    with pytest.raises(InvalidResponse):
        client.inbox(START, END)


def test_report_request_and_documented_answer(client: smsbridge.Client, api: Any,
                                              sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "Sms/Statistics", payload="statistics.json")
    stats = client.report(START, END)
    (request,) = sms_wire.to("/rest/Sms/Statistics")
    assert request.method == "GET"
    assert request.query_pairs == [("sessionId", api.session), ("startDateTime", _fmt(START)),
                                   ("endDateTime", _fmt(END))]
    assert (stats.sent, stats.delivered, stats.undelivered, stats.in_progress, stats.expired,
            stats.rejected, stats.total) == (9, 0, 0, 7780, 0, 56876, 64665)
    assert stats.delivery_ratio == 0
    assert stats.raw["TotalWithErrors"] == 64665


def test_report_numbers_as_strings(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/Statistics",
             body=b'{"Sent":"1","Delivered":"3","Errors":"0","InProcess":"0","Expired":"0",'
                  b'"Rejected":"0","Total":"4"}')
    stats = client.report(START, END)
    assert (stats.delivered, stats.total) == (3, 4)
    assert stats.delivery_ratio == 0.75


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"Total": "many"}', b"12"])
def test_report_garbage(client: smsbridge.Client, api: Any, body: bytes) -> None:
    api.add_login()
    api.add("GET", "Sms/Statistics", body=body)
    with pytest.raises(InvalidResponse):
        client.report(START, END)
