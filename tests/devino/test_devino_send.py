"""Sending: the request on the wire, segment ids per recipient, never a doubled send."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge.errors import (
    DeliveryUnknown,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
)
from smsbridge.testing.fixtures import Wire

LONG_LATIN = "x" * 200  # two GSM-7 segments


def test_send_one_posts_the_documented_form(client: smsbridge.Client, api: Any,
                                            sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="send-single.json")
    result = client.send("+7 916 100-20-30", "test")
    (request,) = sms_wire.to("/rest/Sms/Send")
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.query_pairs == []  # the session id travels in the body, not the URL
    assert request.form_pairs == [("SessionID", api.session), ("SourceAddress", "DEVINO"),
                                  ("DestinationAddress", "79161002030"), ("Data", "test")]
    (sent,) = result.messages
    assert sent.message_id == "579700854169272358"
    assert (sent.recipient, sent.parts, sent.provider, sent.ok) == (
        "79161002030", 1, "devino", True)
    assert result.ids == ["579700854169272358"]


def test_send_multi_segment_keeps_every_segment_id(client: smsbridge.Client,
                                                   api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="send-multi-segment.json")
    (sent,) = client.send("79161002030", LONG_LATIN).messages
    assert sent.message_id == "579700854169272358,579700854169272359"
    assert sent.parts == 2


def test_send_bulk_repeats_destination_addresses(client: smsbridge.Client, api: Any,
                                                 sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/SendBulk", payload="send-bulk-two-recipients-two-segments.json")
    result = client.send(["79001234567", "79160000000"], LONG_LATIN, sender="TESTSMS",
                         validity=timedelta(minutes=10),
                         send_at=datetime(2111, 1, 28, 22, 0, tzinfo=timezone(timedelta(hours=6))))
    (request,) = sms_wire.to("/rest/Sms/SendBulk")
    assert request.form_pairs == [
        ("SessionID", api.session), ("SourceAddress", "TESTSMS"),
        ("DestinationAddresses", "79001234567"), ("DestinationAddresses", "79160000000"),
        ("Data", LONG_LATIN), ("SendDate", "2111-01-28T16:00:00"), ("Validity", "10"),
    ]
    assert [(m.recipient, m.message_id, m.parts) for m in result] == [
        ("79001234567", "579700854169272358,579700854169272359", 2),
        ("79160000000", "579700854169272360,579700854169272361", 2),
    ]


def test_numeric_ids_become_strings(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/SendBulk", payload="send-numeric-ids.json")
    result = client.send(["79001234567", "79160000000"], "hi")
    assert result.ids == ["151103141334228", "151103141334229"]


def test_dotted_ids_are_split_by_position(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/SendBulk", payload="send-bulk-dotted-ids.json")
    result = client.send(["79001234567", "79160000000"], LONG_LATIN)
    assert result.ids == ["1.1,1.2", "2.1,2.2"]


def test_provider_segment_count_wins_over_ours(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/SendBulk", payload="send-bulk-two-recipients-two-segments.json")
    result = client.send(["79001234567", "79160000000"], "short")
    assert [m.parts for m in result] == [2, 2]


@pytest.mark.parametrize("body", [
    b'["1","2","3"]',  # not a multiple of two recipients
    b"[]",
    b'{"Result": ["1", "2"]}',
    b'[null, "2"]',
    b'[true, false]',
    b'["", "2"]',
    b'[["1"], ["2"]]',
    b"not json",
])
def test_unusable_send_answers_are_delivery_unknown(client: smsbridge.Client, api: Any,
                                                    body: bytes, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/SendBulk", body=body)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(["79001234567", "79160000000"], "hi", reference="r1")
    assert caught.value.body == body.decode()
    assert isinstance(caught.value.__cause__, InvalidResponse)
    assert [m.to for m in caught.value.unknown] == ["79001234567", "79160000000"]
    assert caught.value.retry_safe is False  # Devino does not deduplicate
    assert len(sms_wire.to("/rest/Sms/SendBulk")) == 1


def test_send_at_goes_as_utc(client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="send-single.json")
    moscow = timezone(timedelta(hours=3))
    client.send("79161002030", "hi", send_at=datetime(2030, 5, 1, 9, 30, tzinfo=moscow),
                validity=timedelta(hours=2))
    form = sms_wire.to("/rest/Sms/Send")[0].form
    assert form["SendDate"] == "2030-05-01T06:30:00"
    assert form["Validity"] == "120"


def test_local_time_one_number_uses_send_by_time_zone(client: smsbridge.Client,
                                                      api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/SendByTimeZone", payload="send-single.json")
    when = datetime(2111, 1, 28, 16, 0, tzinfo=timezone(timedelta(hours=3)))
    result = client.send("79001234567", "testdata", sender="TESTSMS", send_at=when,
                         validity=600, local_time=True)
    (request,) = sms_wire.to("/rest/Sms/SendByTimeZone")
    # The recipients' own clock time: the wall-clock reading, not converted to UTC.
    assert request.form_pairs == [
        ("SessionID", api.session), ("SourceAddress", "TESTSMS"),
        ("DestinationAddress", "79001234567"), ("Data", "testdata"),
        ("SendDate", "2111-01-28T16:00:00"), ("Validity", "10"),
    ]
    assert result.ids == ["579700854169272358"]
    assert client.supports("local_time") and client.supports("send_at")


def test_local_time_many_numbers_uses_send_by_time_zone_to_addresses(
        client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/SendByTimeZoneToAddresses",
             payload="send-bulk-two-recipients-two-segments.json")
    when = datetime(2111, 1, 28, 16, 0, tzinfo=timezone.utc)
    result = client.send(["79001234567", "79160000000"], LONG_LATIN, send_at=when,
                         local_time=True)
    (request,) = sms_wire.to("/rest/Sms/SendByTimeZoneToAddresses")
    form = request.form_pairs
    assert [v for k, v in form if k == "DestinationAddresses"] == ["79001234567", "79160000000"]
    assert dict(form)["SendDate"] == "2111-01-28T16:00:00"
    assert len(result) == 2


def test_local_time_false_is_a_plain_send(client: smsbridge.Client, api: Any,
                                          sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="send-single.json")
    client.send("79161002030", "hi", local_time=False)
    assert len(sms_wire.to("/rest/Sms/Send")) == 1


def test_chunks_follow_the_bulk_size_setting(connect: Any, api: Any, sms_wire: Wire) -> None:
    client = connect(bulk_size="2")
    assert client.driver.batch_size == 2
    api.add_login()
    api.add("POST", "Sms/SendBulk", body=b'["1","2"]')
    api.add("POST", "Sms/SendBulk", body=b'["3","4"]')
    api.add("POST", "Sms/Send", body=b'["5"]')
    numbers = (f"7916000000{i}" for i in range(5))  # a generator: pulled lazily
    result = client.send(numbers, "hi")
    assert result.ids == ["1", "2", "3", "4", "5"]
    bulks = sms_wire.to("/rest/Sms/SendBulk")
    assert [[v for k, v in bulk.form_pairs if k == "DestinationAddresses"] for bulk in bulks] == [
        ["79160000000", "79160000001"], ["79160000002", "79160000003"]]
    assert sms_wire.to("/rest/Sms/Send")[0].form["DestinationAddress"] == "79160000004"
    assert len(sms_wire.to("/rest/user/sessionid")) == 1


def test_send_iter_yields_chunk_by_chunk(connect: Any, api: Any) -> None:
    client = connect(bulk_size=3)
    api.add_login()
    api.add("POST", "Sms/SendBulk", body=b'["1","2","3"]')
    pulled: list[int] = []

    def numbers() -> Any:
        for i in range(1_000_000):
            pulled.append(i)
            yield f"7916{i:07d}"

    stream = client.send_iter(numbers(), "hi")
    first = [next(stream) for _ in range(3)]
    assert [m.message_id for m in first] == ["1", "2", "3"]
    assert len(pulled) <= 4  # one chunk (and a peek), not the million


def test_default_bulk_size_is_100(client: smsbridge.Client) -> None:
    assert client.driver.batch_size == 100


@pytest.mark.parametrize("failure", [
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectionError("connection reset by peer"),
])
def test_uncertain_send_is_never_repeated(client: smsbridge.Client, api: Any,
                                          failure: Exception, sms_sleeps: list[float],
                                          sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=failure)
    with pytest.raises(DeliveryUnknown):
        client.send("79161002030", "hi")
    assert len(sms_wire.to("/rest/Sms/Send")) == 1
    assert len(sms_wire.to("/rest/user/sessionid")) == 1


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_send_is_delivery_unknown(client: smsbridge.Client, api: Any,
                                                   status: int, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=b"<html>Bad gateway</html>", status=status)
    with pytest.raises(DeliveryUnknown):
        client.send("79161002030", "hi")
    assert len(sms_wire.to("/rest/Sms/Send")) == 1


def test_server_error_on_send_is_not_repeated(client: smsbridge.Client, api: Any,
                                              sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=b"", status=503)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send("79161002030", "hi")
    assert caught.value.http_status == 503
    assert caught.value.retry_safe is False
    assert len(sms_wire.to("/rest/Sms/Send")) == 1


def test_send_refused_for_an_expired_session_is_repeated_once(client: smsbridge.Client,
                                                              api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="error-session-expired.txt", status=401)
    api.add("POST", "Sms/Send", payload="send-single.json")
    result = client.send("79161002030", "hi")
    assert result.ids == ["579700854169272358"]
    assert len(sms_wire.to("/rest/Sms/Send")) == 2
    assert len(sms_wire.to("/rest/user/sessionid")) == 2


@pytest.mark.parametrize("payload, status, error", [
    ("error-invalid-source-address.txt", 400, InvalidSender),
    ("error-not-enough-credits.json", 403, InsufficientFunds),
])
def test_send_refusals_are_typed(client: smsbridge.Client, api: Any, payload: str,
                                 status: int, error: type[Exception], sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload=payload, status=status)
    with pytest.raises(error):
        client.send("79161002030", "hi")
    assert len(sms_wire.to("/rest/Sms/Send")) == 1


def test_invalid_destination_is_invalid_recipient(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=b'{"Code":6,"Desc":"Invalid destination address"}',
             status=400)
    with pytest.raises(InvalidRecipient):
        client.send("79161002030", "hi")


def test_later_chunk_failure_reports_what_was_accepted(connect: Any, api: Any) -> None:
    client = connect(bulk_size=2)
    api.add_login()
    api.add("POST", "Sms/SendBulk", body=b'["1","2"]')
    api.add("POST", "Sms/SendBulk", payload="error-not-enough-credits.json", status=403)
    with pytest.raises(InsufficientFunds) as caught:
        client.send([f"7916000000{i}" for i in range(4)], "hi")
    assert caught.value.partial.ids == ["1", "2"]


@pytest.mark.parametrize("body", [b'"10"', b"10", b'"579700854169272358"'])
def test_a_bare_scalar_answer_to_a_send_is_no_message_id(client: smsbridge.Client, api: Any,
                                                        body: bytes, sms_wire: Wire) -> None:
    # The document answers a send with a JSON list of ids; a bare "10" may be a code as
    # well as an id, so it proves nothing: the outcome is unknown, never a made-up id.
    api.add_login()
    api.add("POST", "Sms/Send", body=body)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send("79161002030", "hi")
    assert caught.value.partial is not None and caught.value.partial.ids == []
    assert len(sms_wire.to("/rest/Sms/Send")) == 1


@pytest.mark.parametrize("body", [b'"5"', b"5"])
def test_a_bare_code_with_an_error_status_keeps_its_code(client: smsbridge.Client, api: Any,
                                                         body: bytes, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=body, status=403)
    with pytest.raises(InsufficientFunds) as caught:
        client.send("79161002030", "hi")
    assert (caught.value.code, caught.value.http_status) == ("5", 403)
    assert len(sms_wire.to("/rest/Sms/Send")) == 1
