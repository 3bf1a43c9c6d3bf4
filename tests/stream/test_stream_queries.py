"""Status, balance, inbox, report and the detailed report on the wire."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
import responses

from smsbridge.errors import (
    AuthError,
    InvalidRecipient,
    InvalidResponse,
    NotFound,
    ProviderError,
    RateLimited,
    ValidationError,
)
from smsbridge.models import DeliveryState
from smsbridge_stream.errors import REPORT_TEXT_ERRORS, STATES

START = datetime(2013, 1, 1, tzinfo=timezone.utc)
END = datetime(2013, 2, 11, tzinfo=timezone.utc)


# -- status -----------------------------------------------------------------------------


def test_status_of_the_document_example(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("State/"), body=api.payload("state.json"))
    report = client.status("371329059")
    request = sms_wire[1]
    assert request.method == "GET"
    assert request.path == "/rest/State/"
    assert request.params == {"sessionId": api.session_id, "messageId": "371329059"}
    assert report.message_id == "371329059"
    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "0"
    assert report.description == "Delivered"
    assert report.delivered_at == datetime(2013, 8, 29, 7, 31, 6, tzinfo=timezone.utc)
    assert report.price == Decimal("0.5")
    assert report.raw["State"] == 0


def test_status_with_string_price_and_escaped_date(client, logged_in, api):
    logged_in.add(responses.GET, api.url("State/"),
                  body=api.payload("state-wire-string-price.json"))
    report = client.status("1404497075")
    assert report.price == Decimal("1.130")
    assert report.delivered_at == datetime(2015, 8, 28, 6, 48, tzinfo=timezone.utc)


@pytest.mark.parametrize(("state", "expected"), [
    *STATES.items(), (255, DeliveryState.UNKNOWN), (-2, DeliveryState.UNKNOWN)])
def test_every_state_maps(client, logged_in, api, state, expected):
    logged_in.add(responses.GET, api.url("State/"),
                  body=api.json_body({"State": str(state), "ReportedDateUtc": None,
                                       "StateDescription": "x", "Price": None}))
    report = client.status("1")
    assert report.state is expected
    assert report.provider_state == str(state)
    assert report.price is None


def test_state_table_matches_the_document():
    assert STATES == {-1: DeliveryState.SENT, 0: DeliveryState.DELIVERED,
                      42: DeliveryState.UNDELIVERED, 46: DeliveryState.EXPIRED}
    assert DeliveryState.SENT.is_final is False


@pytest.mark.parametrize(("value", "expected"), [
    ("/Date(1377761466000)/", datetime(2013, 8, 29, 7, 31, 6, tzinfo=timezone.utc)),
    ("2013-08-29T07:31:06", datetime(2013, 8, 29, 7, 31, 6, tzinfo=timezone.utc)),
    ("2013-08-29T11:31:06+04:00", datetime(2013, 8, 29, 7, 31, 6, tzinfo=timezone.utc)),
    ("2013-08-29T07:31:06Z", datetime(2013, 8, 29, 7, 31, 6, tzinfo=timezone.utc)),
])
def test_sent_dates_iso_or_dotnet(client, logged_in, api, value, expected):
    logged_in.add(responses.GET, api.url("State/"),
                  body=api.json_body({"State": -1, "ReportedDateUtc": value}))
    report = client.status("1")
    assert report.state is DeliveryState.SENT
    assert report.sent_at == expected


@pytest.mark.parametrize("body", [b"[]", b'{"State": "x"}', b'{"Price": 1}', b'"text"',
                                  b'{"State": 0, "ReportedDateUtc": "yesterday"}',
                                  b'{"State": 0, "Price": "free"}'])
def test_status_answers_not_understood_are_invalid(client, logged_in, api, body):
    logged_in.add(responses.GET, api.url("State/"), body=body)
    with pytest.raises(InvalidResponse):
        client.status("1")


@pytest.mark.parametrize("bad", ["a b", "x" * 65, "1;2"])
def test_bad_message_ids_are_refused_before_any_request(client, mock, bad):
    with pytest.raises(ValidationError):
        client.status(bad)
    assert len(mock.calls) == 0


def test_status_read_timeout_is_retried(client, logged_in, api, sms_sleeps):
    logged_in.add(responses.GET, api.url("State/"), body=requests.exceptions.ReadTimeout())
    logged_in.add(responses.GET, api.url("State/"), body=api.payload("state.json"))
    assert client.status("1").state is DeliveryState.DELIVERED
    assert len(sms_sleeps) == 1


# -- balance ----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "amount"), [
    (b"20015.3", Decimal("20015.3")), (b'"20015.3"', Decimal("20015.3")), (b"0", Decimal(0)),
    (b"-12.5", Decimal("-12.5")), (b'{"Balance": 7.25}', Decimal("7.25")),
])
def test_balance(client, logged_in, api, body, amount, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body=body)
    balance = client.balance()
    assert balance.amount == amount
    assert balance.currency is None
    request = sms_wire[1]
    assert (request.method, request.path) == ("GET", "/rest/Balance/")
    assert request.params == {"sessionId": api.session_id}


def test_balance_of_the_document(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    assert client.balance().amount == Decimal("20015.3")


@pytest.mark.parametrize("body", [b"null", b"[]", b'"lots"', b"true"])
def test_balance_not_understood(client, logged_in, api, body):
    logged_in.add(responses.GET, api.url("Balance/"), body=body)
    with pytest.raises(InvalidResponse):
        client.balance()


# -- inbox ------------------------------------------------------------------------------


def test_inbox_of_the_document(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Incoming/"), body=api.payload("incoming.json"))
    [message] = client.inbox(START, END)
    request = sms_wire[1]
    assert (request.method, request.path) == ("GET", "/rest/Incoming/")
    assert request.params == {"sessionId": api.session_id,
                              "minDateUTC": "2013-01-01T00:00:00",
                              "maxDateUTC": "2013-02-11T00:00:00"}
    assert message.id == "5126"
    assert message.sender == "79115687451"
    assert message.recipient == "2420"
    assert message.text == "message"
    assert message.prefix == "prefix"
    assert message.received_at == datetime(2013, 1, 7, 5, 29, 59, tzinfo=timezone.utc)


def test_inbox_converts_the_period_to_utc_and_reads_variants(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Incoming/"), body=api.json_body([
        {"ID": "7", "Data": "hi", "SourceAddress": 79115687451, "DestinationAddress": 2420,
         "CreationDateUtc": "\\/Date(1357536599000)\\/", "Prefix": None}]))
    start = datetime(2013, 1, 1, 6, tzinfo=timezone(timedelta(hours=6)))
    [message] = client.inbox(start, start + timedelta(days=1))
    assert sms_wire[1].params["minDateUTC"] == "2013-01-01T00:00:00"
    assert (message.id, message.sender, message.recipient, message.prefix) == (
        "7", "79115687451", "2420", None)
    assert message.received_at is not None


@pytest.mark.parametrize(("body", "count"), [(b"[]", 0), (b"null", 0)])
def test_empty_inbox(client, logged_in, api, body, count):
    logged_in.add(responses.GET, api.url("Incoming/"), body=body)
    assert len(client.inbox(START, END)) == count


@pytest.mark.parametrize("body", [b'{"a": 1}', b"[1]", b'[{"ID": 1}]'])
def test_inbox_not_understood(client, logged_in, api, body):
    logged_in.add(responses.GET, api.url("Incoming/"), body=body)
    with pytest.raises(InvalidResponse):
        client.inbox(START, END)


# -- report -----------------------------------------------------------------------------


def test_report_of_the_document(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Statistic/"), body=api.payload("statistic.json"))
    stats = client.report(START, END)
    request = sms_wire[1]
    assert (request.method, request.path) == ("GET", "/rest/Statistic/")
    assert request.params == {"sessionId": api.session_id,
                              "startDateTime": "2013-01-01T00:00:00",
                              "endDateTime": "2013-02-11T00:00:00"}
    assert (stats.sent, stats.delivered, stats.undelivered, stats.in_progress, stats.expired,
            stats.total) == (12124, 9994, 632, 44, 1454, 12124)
    assert stats.rejected is None
    assert stats.raw["DeliveryRatio"] == 82
    assert round(stats.delivery_ratio * 100) == 82


def test_report_counts_as_strings(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Statistic/"),
                  body=b'{"Sent":"3","Delivered":"2","NotDelivered":"1"}')
    stats = client.report(START, END)
    assert (stats.sent, stats.delivered, stats.undelivered, stats.expired) == (3, 2, 1, None)


def test_report_refuses_filters(client, mock):
    with pytest.raises(ValidationError, match="request_detailed_report"):
        client.report(START, END, state="deliver")
    assert len(mock.calls) == 0


def test_report_not_understood(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Statistic/"), body=b'{"Sent": "many"}')
    with pytest.raises(InvalidResponse):
        client.report(START, END)


# -- detailed report ----------------------------------------------------------------------


def test_request_detailed_report(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"),
                  body=api.payload("detailed-report-id.json"))
    report_id = client.driver.request_detailed_report(
        START, END, state="deliver", phone="+79001234567", address_base=True,
        sub_accounts=True, file_format="xls")
    assert report_id == "12124"
    request = sms_wire[1]
    assert (request.method, request.path) == ("POST", "/rest/Statistic/all_stat.php")
    assert request.form == {"sessionId": api.session_id, "startTime": "2013-01-01T00:00:00",
                            "endTime": "2013-02-11T00:00:00", "state": "deliver",
                            "phone": "79001234567", "c_base": "1", "sub_stat": "1",
                            "type_load": "1"}


def test_request_detailed_report_defaults(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"), body=b'"12125"')
    assert client.driver.request_detailed_report(START, END,
                                                 state=DeliveryState.UNDELIVERED) == "12125"
    form = sms_wire[1].form
    assert (form["state"], form["c_base"], form["sub_stat"], form["type_load"]) == (
        "not_deliver", "0", "0", "0")


def test_request_detailed_report_is_not_repeated_after_a_timeout(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"),
                  body=requests.exceptions.ReadTimeout())
    with pytest.raises(Exception) as caught:
        client.driver.request_detailed_report(START, END)
    assert type(caught.value).__name__ == "TransportError"
    assert len(sms_wire.to("/rest/Statistic/all_stat.php")) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"state": "lost"}, "state"), ({"phone": "abc"}, "phone"), ({"file_format": "pdf"},
                                                               "file_format"),
])
def test_request_detailed_report_checks_input(client, mock, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        client.driver.request_detailed_report(START, END, **kwargs)
    assert caught.value.field == field
    with pytest.raises(ValidationError):
        client.driver.request_detailed_report(END, START)
    with pytest.raises(ValidationError):
        client.driver.request_detailed_report(datetime(2013, 1, 1), END)
    assert len(mock.calls) == 0


def test_fetch_detailed_report(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"),
                  body=api.payload("detailed-report.csv"), content_type="text/csv")
    content = client.driver.fetch_detailed_report("12124")
    assert content == api.payload("detailed-report.csv")
    request = sms_wire[1]
    assert (request.method, request.path) == ("GET", "/rest/Statistic/all_stat.php")
    assert request.params == {"sessionId": api.session_id, "id_report": "12124"}


@pytest.mark.parametrize(("text", "expected"), sorted(REPORT_TEXT_ERRORS.items()))
def test_every_report_text_error_maps(client, logged_in, api, text, expected):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"), body=text.encode())
    with pytest.raises(ProviderError) as caught:
        client.driver.fetch_detailed_report("12124")
    assert type(caught.value) is expected
    assert caught.value.description == text


@pytest.mark.parametrize(("payload", "expected"), [
    ("detailed-report-not-ready.txt", RateLimited),
    ("detailed-report-not-found.json", NotFound),  # a JSON string works as well
    ("detailed-report-too-many.txt", RateLimited),
])
def test_report_texts_from_files(client, logged_in, api, payload, expected):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"), body=api.payload(payload))
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"), body=api.payload(payload))
    with pytest.raises(expected):
        client.driver.fetch_detailed_report("12124")
    with pytest.raises(expected):
        client.driver.request_detailed_report(START, END)


def test_report_phone_errors_are_invalid_recipient(client, logged_in, api):
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"), body=b"Phone must be numeric")
    with pytest.raises(InvalidRecipient):
        client.driver.request_detailed_report(START, END)


def test_report_session_expired_text_renews_the_session(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"), body=b"SessionID expired")
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"), body=b"id;phone\r\n")
    assert client.driver.fetch_detailed_report("1") == b"id;phone\r\n"
    assert len(sms_wire.to("/rest/Session/session.php")) == 2


def test_report_session_expired_twice_is_auth_error(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"), body=b"SessionID expired")
    with pytest.raises(AuthError):
        client.driver.fetch_detailed_report("1")


def test_report_code_errors_and_garbage(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Statistic/all_stat.php"),
                  body=b'{"Code":4,"Desc":"SessionID expired"}', status=401)
    with pytest.raises(AuthError):
        client.driver.fetch_detailed_report("1")
    logged_in.replace(responses.GET, api.url("Statistic/all_stat.php"), body=b"", status=200)
    with pytest.raises(InvalidResponse):
        client.driver.fetch_detailed_report("1")
    logged_in.add(responses.POST, api.url("Statistic/all_stat.php"), body=b"<html>")
    with pytest.raises(InvalidResponse):
        client.driver.request_detailed_report(START, END)
    logged_in.replace(responses.GET, api.url("Statistic/all_stat.php"), body=b"", status=500)
    with pytest.raises(ProviderError):
        client.driver.fetch_detailed_report("1")


def test_fetch_refuses_bad_ids(client, mock):
    with pytest.raises(ValidationError):
        client.driver.fetch_detailed_report("../etc")
    assert len(mock.calls) == 0
