"""Sending: SendSms, SendBulk, SendByTime, SendBulkPacket on the wire; input checks; retries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
import responses

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidResponse,
    InvalidSender,
    TransportError,
    ValidationError,
)

NUMBER = "79001234567"


def test_send_one_posts_send_sms(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=api.payload("send-sms.json"))
    result = client.send("+7 900 123-45-67", "testdata", sender="SMS Info")
    request = sms_wire[1]
    assert request.method == "POST"
    assert request.path == "/rest/Send/SendSms/"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {"sessionId": api.session_id, "sourceAddress": "SMS Info",
                            "destinationAddress": NUMBER, "data": "testdata"}
    assert request.params == {}
    [sent] = result.messages
    assert (sent.recipient, sent.message_id, sent.parts, sent.provider, sent.ok) == (
        NUMBER, "371324579", 1, "stream", True)


def test_send_at_and_validity_go_as_utc_and_minutes(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    moscow = datetime(2113, 8, 30, 23, 0, tzinfo=ZoneInfo("Europe/Moscow"))  # UTC+3
    client.send(NUMBER, "hi", send_at=moscow, validity=timedelta(minutes=10))
    form = sms_wire[1].form
    assert form["sendDate"] == "2113-08-30T20:00:00"
    assert form["validity"] == "10"


def test_validity_in_seconds_becomes_minutes(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    client.send(NUMBER, "hi", validity=86400)
    assert sms_wire[1].form["validity"] == "1440"


def test_send_to_many_posts_send_bulk_with_comma_separated_numbers(client, logged_in, api,
                                                                   sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=api.payload("send-bulk.json"))
    result = client.send(["79001234567", "79101234778"], "testdata", validity=600)
    request = sms_wire[1]
    assert request.path == "/rest/Send/SendBulk/"
    assert request.form == {"sessionId": api.session_id, "sourceAddress": "ACME",
                            "destinationAddresses": "79001234567,79101234778",
                            "data": "testdata", "validity": "10"}
    assert result.ids == ["371329058", "371329059"]
    assert [m.recipient for m in result] == ["79001234567", "79101234778"]


@pytest.mark.parametrize("body", [
    b'[{"1"}, {"2"}, {"3"}]',
    b'["1", "2", "3"]',
    b"[1, 2, 3]",
    b'[{"1"}, "2", 3]',
    b' [ {"1"},{"2"} , {"3"} ]\r\n',
])
def test_bulk_answer_variants(client, logged_in, api, body):
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=body)
    result = client.send(["79001234561", "79001234562", "79001234563"], "x")
    assert result.ids == ["1", "2", "3"]


@pytest.mark.parametrize("body", [b'[{"1"}]', b'["1","2","3","4"]', b"[]", b"[{}]",
                                  b"<html>", b'{"Id": 1}', b"[true, false]"])
def test_bulk_answer_that_does_not_match_the_recipients_is_invalid(client, logged_in, api,
                                                                   body):
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=body)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(["79001234561", "79001234562"], "x")
    assert caught.value.body is not None
    assert isinstance(caught.value.__cause__, InvalidResponse)


def test_bulk_is_chunked_to_the_bulk_size_setting(connect, logged_in, api, sms_wire):
    client = connect(bulk_size=2)
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=b'["1","2"]')
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["3"]')
    numbers = (f"7900123456{i}" for i in range(3))  # a generator: consumed lazily
    result = client.send(numbers, "x")
    assert result.ids == ["1", "2", "3"]
    assert sms_wire[1].form["destinationAddresses"] == "79001234560,79001234561"
    assert sms_wire[2].form["destinationAddress"] == "79001234562"


def test_send_iter_yields_per_chunk(connect, logged_in, api, sms_wire):
    client = connect(bulk_size=2)
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=b'["1","2"]')
    iterator = client.send_iter((f"7900123456{i}" for i in range(4)), "x")
    first = next(iterator)
    assert first.message_id == "1"
    assert len(sms_wire.to("/rest/Send/SendBulk/")) == 1
    assert [m.message_id for m in iterator] == ["2", "1", "2"]


def test_local_time_posts_send_by_time_with_wall_clock(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendByTime/"),
                  body=api.payload("send-by-time.json"))
    at = datetime(2111, 1, 28, 16, 0, tzinfo=ZoneInfo("Asia/Bishkek"))
    result = client.send("79160000000", "testdata", send_at=at, local_time=True, validity=600)
    request = sms_wire[1]
    assert request.path == "/rest/Send/SendByTime/"
    assert request.form == {"sessionId": api.session_id, "sourceAddress": "ACME",
                            "destinationAddress": "79160000000", "data": "testdata",
                            "sendDate": "2111-01-28T16:00:00", "validity": "10"}
    # The document prints this answer with typographic quotes: the id is still read.
    assert result.ids == ["371324579"]
    assert client.supports("local_time")


def test_local_time_to_many_sends_one_request_each(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendByTime/"), body=b'["1"]')
    logged_in.add(responses.POST, api.url("Send/SendByTime/"), body=b'["2"]')
    at = datetime(2030, 1, 1, 10, tzinfo=timezone.utc)
    result = client.send(["79160000001", "79160000002"], "x", send_at=at, local_time=True)
    assert result.ids == ["1", "2"]
    assert [request.form["destinationAddress"] for request in sms_wire[1:]] == [
        "79160000001", "79160000002"]


def test_scheduled_send_to_many_uses_send_sms_each(client, logged_in, api, sms_wire):
    # SendBulk documents no sendDate; a scheduled message must not go out at once.
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["2"]')
    at = datetime(2030, 1, 1, 10, tzinfo=timezone.utc)
    result = client.send(["79160000001", "79160000002"], "x", send_at=at)
    assert result.ids == ["1", "2"]
    assert all(request.form["sendDate"] == "2030-01-01T10:00:00" for request in sms_wire[1:])


def test_send_many_posts_send_bulk_packet(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendBulkPacket/"),
                  body=api.payload("send-bulk-packet.json"))
    result = client.send_many([
        smsbridge.Message(to="79114567865", text="text1", validity=timedelta(minutes=10)),
        smsbridge.Message(to="79115842514", text="привет", validity=timedelta(minutes=10)),
    ])
    request = sms_wire[1]
    assert request.path == "/rest/Send/SendBulkPacket/"
    form = request.form
    assert json.loads(form.pop("phone_data")) == {"sms": [
        {"phone": "79114567865", "text": "text1"}, {"phone": "79115842514", "text": "привет"}]}
    assert form == {"sessionId": api.session_id, "sourceAddress": "ACME", "validity": "10"}
    assert result.ids == ["371324131", "371324132"]
    assert client.supports("send_many")


def test_send_many_splits_by_sender_and_keeps_order(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendBulkPacket/"), body=b'[{"1"}, {"3"}]')
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["2"]')
    result = client.send_many([
        smsbridge.Message(to="79000000001", text="a"),
        smsbridge.Message(to="79000000002", text="b", sender="OTHER"),
        smsbridge.Message(to="79000000003", text="c"),
    ])
    assert [(m.recipient, m.message_id) for m in result] == [
        ("79000000001", "1"), ("79000000002", "2"), ("79000000003", "3")]
    assert sms_wire[2].form["sourceAddress"] == "OTHER"


def test_send_many_with_one_text_uses_send_bulk(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendBulk/"), body=b'["1","2"]')
    client.send_many([smsbridge.Message(to="79000000001", text="same"),
                      smsbridge.Message(to="79000000002", text="same")])
    assert sms_wire[1].path == "/rest/Send/SendBulk/"


def test_later_request_refused_marks_its_recipients(client, logged_in, api):
    logged_in.add(responses.POST, api.url("Send/SendBulkPacket/"), body=b'["1","2"]')
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=api.payload("error-invalid-source-address.json"), status=400)
    result = client.send_many([
        smsbridge.Message(to="79000000001", text="a"),
        smsbridge.Message(to="79000000002", text="b"),
        smsbridge.Message(to="79000000003", text="c", sender="BAD"),
    ])
    assert [m.ok for m in result] == [True, True, False]
    assert isinstance(result.messages[2].error, InvalidSender)


def test_later_request_uncertain_keeps_what_was_accepted(client, logged_in, api, sms_wire):
    # A scheduled send to two numbers is two SendSms requests in one chunk; the second
    # times out after the first was accepted.
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=requests.exceptions.ReadTimeout("slow"))
    at = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(DeliveryUnknown) as caught:
        list(client.send_iter(["79000000001", "79000000002"], "x", send_at=at))
    assert caught.value.partial is not None
    assert caught.value.partial.ids == ["1"]
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 2


def test_first_request_refused_raises(client, logged_in, api):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=api.payload("error-not-enough-credits.json"), status=403)
    with pytest.raises(InsufficientFunds):
        client.send(NUMBER, "x")


def test_read_timeout_on_send_is_never_repeated(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "x")
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_on_send_are_never_repeated(client, logged_in, api, status, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b"", status=status)
    with pytest.raises((DeliveryUnknown, smsbridge.ProviderError)):
        client.send(NUMBER, "x")
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 1


def test_connection_refused_before_sending_is_retried(client, logged_in, api, sms_sleeps):
    from urllib3.exceptions import NewConnectionError

    refused = requests.exceptions.ConnectionError(NewConnectionError(None, "refused"))
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=refused)
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    assert client.send(NUMBER, "x").ids == ["1"]
    assert len(sms_sleeps) == 1


def test_connection_error_after_sending_is_delivery_unknown(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "x")
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 1
    assert issubclass(DeliveryUnknown, TransportError)


def test_send_refused_for_expired_session_is_repeated_once(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=api.payload("error-session-expired.json"), status=401)
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["7"]')
    assert client.send(NUMBER, "x").ids == ["7"]
    assert sms_wire.paths == ["POST /rest/Session/session.php", "POST /rest/Send/SendSms/",
                              "POST /rest/Session/session.php", "POST /rest/Send/SendSms/"]


def test_send_still_refused_after_relogin_raises(client, logged_in, api, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=api.payload("error-session-expired.json"), status=401)
    with pytest.raises(AuthError):
        client.send(NUMBER, "x")
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 2


# -- validation: nothing goes on the wire -------------------------------------------------


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"sender": "TWELVECHARSX"}, "sender"),  # more than 11 latin characters
    ({"sender": "1234567890123456"}, "sender"),  # more than 15 digits
    ({"sender": "Отправитель"}, "sender"),  # not latin
    ({"validity": 90}, "validity"),  # not whole minutes
    ({"validity": 30}, "validity"),  # under a minute
    ({"local_time": True}, "send_at"),  # SendByTime needs a time
    ({"local_time": "yes", "send_at": datetime(2030, 1, 1, tzinfo=timezone.utc)},
     "local_time"),
    ({"viber_button": "x"}, "viber_button"),  # unknown option
])
def test_invalid_input_is_refused_before_any_request(client, mock, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        client.send(NUMBER, "x", **kwargs)
    assert caught.value.field == field
    assert len(mock.calls) == 0


def test_missing_sender_is_refused(connect, mock):
    client = connect(sender=None)
    with pytest.raises(ValidationError, match="sender"):
        client.send(NUMBER, "x")
    assert len(mock.calls) == 0


@pytest.mark.parametrize("sender", ["SMS Info", "ACME", "A", "123456789012345", "Shop-24.kg"])
def test_documented_senders_are_accepted(client, logged_in, api, sender, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=b'["1"]')
    client.send(NUMBER, "x", sender=sender)
    assert sms_wire[1].form["sourceAddress"] == sender


def test_a_bad_later_chunk_fails_before_the_first_is_sent(connect, mock):
    client = connect(bulk_size=1)
    with pytest.raises(ValidationError):
        client.send_many([smsbridge.Message(to=NUMBER, text="ok"),
                          smsbridge.Message(to=NUMBER, text="bad", sender="WAY-TOO-LONG-NAME")])
    assert len(mock.calls) == 0


def test_viber_is_not_supported(client, mock):
    with pytest.raises(smsbridge.NotSupported):
        client.send(NUMBER, "x", channel="viber")


def test_bulk_size_setting_is_checked():
    with pytest.raises(smsbridge.ConfigError, match="bulk_size"):
        smsbridge.connect("stream", login="a", password="b", bulk_size=0)
    client = smsbridge.connect("stream://acme:pw@/?bulk_size=7")
    assert client.driver.batch_size == 7
    assert client.driver.settings.login == "acme"
    assert client.driver.settings.base_url == "https://gateway.api.sc/rest"


@pytest.mark.parametrize("body", [b'"10"', b"10", b'"371324579"'])
def test_a_bare_scalar_answer_to_a_send_is_no_message_id(client, logged_in, api, body, sms_wire):
    # The document answers a send with ["371324579"]; a bare "10" may be the code 10
    # ("Flood SMS") as well as an id, so it proves nothing: the outcome is unknown.
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=body)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBER, "x")
    assert caught.value.partial is not None and caught.value.partial.ids == []
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 1


@pytest.mark.parametrize("body", [b'"10"', b"10", b' "10"\r\n'])
def test_a_bare_flood_code_is_rate_limited(client, logged_in, api, body, sms_wire):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=body, status=400)
    with pytest.raises(smsbridge.RateLimited) as caught:
        client.send(NUMBER, "x")
    assert (caught.value.code, caught.value.http_status) == ("10", 400)
    assert len(sms_wire.to("/rest/Send/SendSms/")) == 1


def test_a_bare_code_answering_a_query_keeps_its_code(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Balance/"), body=b'"5"', status=402)
    with pytest.raises(InsufficientFunds) as caught:
        client.balance()
    assert (caught.value.code, caught.value.http_status) == ("5", 402)
