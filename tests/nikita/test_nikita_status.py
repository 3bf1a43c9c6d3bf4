"""Delivery reports: polling /api/dr and parsing the provider's pushes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
import responses

import smsbridge
from smsbridge.errors import (
    AuthError,
    InvalidResponse,
    NotFound,
    ProviderError,
    RateLimited,
    ValidationError,
)
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import Wire
from smsbridge_nikita.errors import DR_ERRORS, REPORT_STATES

URL = "https://nikita.test/api/dr"
Payload = Callable[..., bytes]


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def test_request_on_the_wire(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, body=payload("dr-doc.xml"))

    client.status("A88726:996550123456")

    request = sms_wire[0]
    assert request.method == "POST" and request.url == URL
    assert request.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert request.xml("phone") == {"dr": {"login": "acme", "pwd": "s3cret-pw", "id": "A88726",
                                           "phone": ["996550123456"]}}


def test_doc_answer_picks_the_asked_phone(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("dr-doc.xml"))
    mocked.post(URL, body=payload("dr-doc.xml"))

    sent = client.status("A88726:996550123456")
    delivered = client.status("A88726:996550123457")

    assert sent.message_id == "A88726:996550123456"
    assert sent.recipient == "996550123456"
    assert sent.state is DeliveryState.SENT and sent.provider_state == "1"
    assert sent.sent_at == utc(2010, 9, 21, 17, 59, 58)  # 23:59:58 Bishkek
    assert sent.delivered_at is None  # empty rcvTime
    assert sent.raw["number"] == "996550123456"
    assert delivered.state is DeliveryState.DELIVERED and delivered.provider_state == "3"
    assert delivered.delivered_at == utc(2010, 9, 21, 17, 59, 59)
    assert delivered.delivered_at.tzinfo is timezone.utc
    assert delivered.description == "delivered"


@pytest.mark.parametrize(("code", "state"), sorted(REPORT_STATES.items()))
def test_every_report_code_maps_to_a_state(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    code: int, state: DeliveryState,
) -> None:
    mocked.post(URL, body=payload("dr-report.xml", number="996550123456", report=code,
                                send_time="", rcv_time=""))

    report = client.status("A1:996550123456")

    assert report.state is state and report.provider_state == str(code)
    assert report.sent_at is None and report.delivered_at is None


def test_report_code_table_explicitly() -> None:
    assert REPORT_STATES[0] is DeliveryState.QUEUED
    assert REPORT_STATES[2] is DeliveryState.REJECTED
    assert REPORT_STATES[4] is DeliveryState.UNDELIVERED
    assert REPORT_STATES[5] is DeliveryState.REJECTED
    assert REPORT_STATES[6] is DeliveryState.UNKNOWN
    assert REPORT_STATES[7] is DeliveryState.EXPIRED


def test_an_undocumented_report_code_is_unknown_keeping_the_code(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("dr-report.xml", number="996550123456", report=42,
                                send_time="", rcv_time=""))

    report = client.status("A1:996550123456")

    assert report.state is DeliveryState.UNKNOWN and report.provider_state == "42"


def test_undelivered_keeps_no_delivery_time_and_namespaces_are_ignored(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("dr-namespaced-plus-number.xml"))

    report = client.status("A1:996550123456")

    assert report.state is DeliveryState.UNDELIVERED and report.state.is_final
    assert report.sent_at == utc(2023, 12, 31, 18, 0, 0)
    assert report.delivered_at is None
    assert report.raw["rcvTime"] == "20240101000510"


@pytest.mark.parametrize(("code", "error"), sorted(DR_ERRORS.items()))
def test_every_dr_status_maps_to_its_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    code: int, error: type[ProviderError],
) -> None:
    mocked.post(URL, body=payload("dr-status.xml", status=code))

    with pytest.raises(error) as caught:
        client.status("A1:996550123456")

    assert type(caught.value) is error
    assert caught.value.code == str(code) and caught.value.operation == "status"


def test_concrete_dr_errors(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    for code in (2, 3, 4, 5):
        mocked.post(URL, body=payload("dr-status.xml", status=code))
    for error in (AuthError, AuthError, NotFound, RateLimited):
        with pytest.raises(error):
            client.status("A1:996550123456")


@pytest.mark.parametrize("message_id", ["A1", "A1:", ":996550123456", "A-1:996550123456",
                                        "ABCDEFGHIJKLM:996550123456", "A1:99655012345x",
                                        "A1:996550123456:1"])
def test_malformed_message_ids_are_validation_errors(
    client: smsbridge.Client, message_id: str,
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(ValidationError):
            client.status(message_id)
        assert len(mock.calls) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"<response><status>0</status></response>",
        b"<response><status>0</status><phone><number>996550999999</number>"
        b"<report>1</report></phone></response>",
        b"<response><status>0</status><phone><number>996550123456</number>"
        b"<report>x</report></phone></response>",
        b"<response><status>0</status><phone><number>996550123456</number>"
        b"<report>1</report><sendTime>yesterday</sendTime></phone></response>",
        b"<html>oops</html>",
    ],
)
def test_unreadable_dr_answers_raise_invalid_response(
    client: smsbridge.Client, mocked: responses.RequestsMock, body: bytes,
) -> None:
    mocked.post(URL, body=body)

    with pytest.raises(InvalidResponse):
        client.status("A1:996550123456")


def test_a_read_is_retried_after_5xx(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    sms_sleeps: list[float],
) -> None:
    mocked.post(URL, status=503, body=b"busy")
    mocked.post(URL, body=payload("dr-doc.xml"))

    assert client.status("A1:996550123457").state is DeliveryState.DELIVERED
    assert len(sms_sleeps) == 1


# -- pushes -----------------------------------------------------------------------------


def test_push_from_the_document(client: smsbridge.Client, payload: Payload) -> None:
    reports = client.parse_callback(payload("push-doc.xml"), "text/xml")

    assert [r.message_id for r in reports] == [
        "A881726:996550123456", "A881726:996550123457", "A887236:996550123458"]
    assert all(r.state is DeliveryState.SENT for r in reports)
    assert reports[0].sent_at == utc(2011, 9, 8, 21, 28, 15)
    assert reports[2].raw["id"] == "A887236"


def test_push_ids_match_what_send_returned(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post("https://nikita.test/api/message", body=payload("message-success-doc.xml"))
    sent = client.send("996550123456", "hi", reference="A88726")

    reports = client.parse_callback(payload("push-delivered-one.xml").decode())

    assert [r.message_id for r in reports] == sent.ids
    assert reports[0].state is DeliveryState.DELIVERED
    assert reports[0].delivered_at == utc(2024, 3, 1, 6, 0, 7)


@pytest.mark.parametrize(
    "body",
    [b"", b"garbage", b"<response><status>0</status></response>",
     b"<report><dr><phone><number>1</number><report>1</report></phone></dr></report>",
     b"<report><dr><id>A1</id><phone><report>1</report></phone></dr></report>"],
)
def test_unreadable_pushes_raise_invalid_response(client: smsbridge.Client,
                                                  body: bytes) -> None:
    with pytest.raises(InvalidResponse) as caught:
        client.parse_callback(body)

    error = caught.value
    assert error.body is not None
    assert (error.provider, error.operation, error.http_status) == (
        "nikita", "parse_callback", None)
    assert str(error).startswith("nikita/parse_callback: cannot read the delivery report")


def test_an_empty_push_has_no_reports(client: smsbridge.Client) -> None:
    assert client.parse_callback(b'<report xmlns="http://Giper.mobi/schema/DeliveryReport"/>'
                                 ) == []
