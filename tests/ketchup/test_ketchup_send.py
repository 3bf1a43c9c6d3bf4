"""Sending SMS and Viber through KetchUp: the request on the wire and the parsed answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
import responses
from responses import matchers

import smsbridge
from smsbridge.errors import (
    DeliveryUnknown,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotSupported,
    ProviderError,
    ValidationError,
)
from smsbridge.ids import fit_reference

BASE = "https://ketchup.test/rest"
API_KEY = "live_s3cret-key-42"


def test_send_one_number_uses_destination_phone(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"),
              match=[matchers.header_matcher({"X-API-KEY": API_KEY})])
    result = client.send("+380 97 200-00-00", "test sms", reference="12erdgm9")

    body = sms_wire[0].json()
    assert body == {"destination": "phone", "originator": "ACME", "body": "test sms",
                    "msisdn": "380972000000", "reference": "12erdgm9"}
    assert sms_wire[0].headers["Content-Type"] == "application/json"
    [sent] = result.messages
    assert sent.message_id == "22125"
    assert sent.ok and sent.error is None
    assert sent.price == Decimal("0.02") and sent.currency == "EUR"
    assert sent.reference == "12erdgm9"
    assert sent.provider == "ketchup"
    assert sent.parts == 1
    assert result.ids == ["22125"]


def test_send_options_validity_tariff_and_time(connect, mocked, payload, sms_wire):
    client = connect(tariff=9)
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"))
    at = datetime(2030, 5, 1, 15, 30, tzinfo=timezone(timedelta(hours=3)))
    client.send("380972000000", "test sms", sender="test", send_at=at,
                validity=timedelta(hours=72), reference="12erdgm9")
    body = sms_wire[0].json()
    assert body["originator"] == "test"
    assert body["validity"] == 72
    assert body["tariff"] == 9
    assert body["send_time"] == "2030-05-01T12:30:00+00:00"


def test_partial_hours_of_validity_round_up(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"))
    client.send("380972000000", "x", validity=timedelta(minutes=90), tariff=3)
    body = sms_wire[0].json()
    assert body["validity"] == 2
    assert body["tariff"] == 3


def test_send_many_numbers_uses_destination_phones(client, mocked, payload, sms_wire):
    refs: list[str] = []

    def capture(request):  # the references are derived, so read them back
        import json
        refs.extend(p["reference"] for p in json.loads(request.body)["phones"])
        text = payload("sms-create-phones.json")
        return 200, {}, text.replace("12erdgm9", refs[0]).replace("12erdgn0", refs[1])

    mocked.add_callback(responses.POST, f"{BASE}/sms/create", callback=capture)
    result = client.send(["380972000001", "380972000002"], "test sms", reference="camp")

    body = sms_wire[0].json()
    assert body["destination"] == "phones"
    assert body["originator"] == "ACME" and body["body"] == "test sms"
    assert [p["msisdn"] for p in body["phones"]] == ["380972000001", "380972000002"]
    assert refs == [fit_reference("camp#380972000001", 32),
                    fit_reference("camp#380972000002", 32)]
    assert all(len(r) <= 32 and r.isalnum() for r in refs)
    assert [m.message_id for m in result] == ["12345", "12346"]
    assert [m.reference for m in result] == refs
    assert result.total_price == Decimal("0.04")
    assert result.messages[0].raw["task_id"] == "21902"


def test_phones_answer_matched_by_reference_not_position(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phones.json"))
    messages = [smsbridge.Message(to="380972000001", text="t", reference="12erdgn0"),
                smsbridge.Message(to="380972000002", text="t", reference="12erdgm9")]
    result = client.send_many(messages)
    assert [m.message_id for m in result] == ["12346", "12345"]


def status_of(msisdn: str, reference: str, id: str = "22125") -> dict[str, str]:
    """A ``sms/reference/{reference}`` answer in the document's shape."""
    return {"error": "0", "id": id, "msisdn": msisdn, "reference": reference,
            "time_in": "2016-01-01 00:00:01", "time_sent": "", "time_dr": "",
            "status": "accepted", "price": "0.02", "currency": "EUR"}


def test_per_recipient_error_beside_top_level_zero(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phones-one-refused.json"))
    # "exists": the reference is looked up, and it belongs to a message to someone else.
    mocked.get(f"{BASE}/sms/reference/12erdgn0", json=status_of("380979999999", "12erdgn0"))
    messages = [smsbridge.Message(to="380972000001", text="t", reference="12erdgm9"),
                smsbridge.Message(to="380972000002", text="t", reference="12erdgn0")]
    result = client.send_many(messages)
    first, second = result.messages
    assert first.ok and first.message_id == "12345"
    assert not second.ok and second.message_id is None
    assert isinstance(second.error, DuplicateMessage)
    assert second.error.code == "23"
    assert "12erdgn0 already belongs to another message" in second.error.description
    assert result.failed == [second]


def test_send_many_individual_texts(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phones.json"))
    at = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    result = client.send_many([
        smsbridge.Message(to="380972000001", text="test sms1", sender="test1",
                          reference="12erdgm9", send_at=at),
        smsbridge.Message(to="380972000002", text="test sms2", sender="test2",
                          reference="12erdgn0", send_at=at),
    ])
    body = sms_wire[0].json()
    assert body == {
        "destination": "individual",
        "phones": [
            {"originator": "test1", "body": "test sms1", "msisdn": "380972000001",
             "reference": "12erdgm9"},
            {"originator": "test2", "body": "test sms2", "msisdn": "380972000002",
             "reference": "12erdgn0"},
        ],
        "scheduledDatetime": "2030-01-01T09:00:00+00:00",
    }
    assert result.ids == ["12345", "12346"]
    assert smsbridge.connect("ketchup", api_key="k").supports("send_many")


def test_messages_with_different_validity_go_in_separate_requests(client, mocked, sms_wire):
    mocked.post(f"{BASE}/sms/create", json={"error": "0", "id": "1", "reference": "a"})
    mocked.post(f"{BASE}/sms/create", json={"error": "0", "id": "2", "reference": "b"})
    result = client.send_many([
        smsbridge.Message(to="380972000001", text="x", reference="a", validity=3600),
        smsbridge.Message(to="380972000002", text="x", reference="b", validity=7200),
    ])
    assert [request.json()["validity"] for request in sms_wire] == [1, 2]
    assert result.ids == ["1", "2"]


def test_one_refused_group_marks_its_recipients_only(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"))
    mocked.post(f"{BASE}/viber/create", body=payload("viber-create-error-11.json"))
    result = client.send_many([
        smsbridge.Message(to="380972000000", text="x", reference="12erdgm9"),
        smsbridge.Message(to="380972000001", text="y", channel="viber"),
    ])
    sms, viber = result.messages
    assert sms.ok
    assert isinstance(viber.error, InvalidRecipient)


def test_whole_request_refused_raises(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-error-25.json"))
    with pytest.raises(InvalidSender) as caught:
        client.send("380972000000", "x")
    assert caught.value.code == "25"
    assert caught.value.description == "Invalid originator"
    assert caught.value.provider == "ketchup"


def test_incorrect_msisdn_example_maps_to_invalid_recipient(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-error-11.json"))
    with pytest.raises(InvalidRecipient):
        client.send("380972000000", "x")


def test_insufficient_funds(client, mocked):
    mocked.post(f"{BASE}/sms/create", json={"error": 8, "errorDescription": "Not enough money"})
    with pytest.raises(InsufficientFunds):
        client.send("380972000000", "x")


def test_send_retried_with_the_same_body_after_read_timeout(client, mocked, payload, sms_sleeps,
                                                            sms_wire):
    mocked.post(f"{BASE}/sms/create", body=requests.exceptions.ReadTimeout())
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"))
    result = client.send("380972000000", "x")
    assert len(mocked.calls) == 2
    assert sms_wire[0].body == sms_wire[1].body
    assert result.ids == ["22125"]
    assert len(sms_sleeps) == 1


def test_reference_exists_on_a_retry_is_the_first_attempt_succeeding(client, mocked):
    mocked.post(f"{BASE}/sms/create", body=requests.exceptions.ConnectionError("reset"))
    mocked.post(f"{BASE}/sms/create",
              json={"error": "23", "errorDescription": "SMS already exists"})
    mocked.get(f"{BASE}/sms/reference/order42", json=status_of("380972000000", "order42"))
    result = client.send("380972000000", "x", reference="order42")
    [sent] = result.messages
    assert sent.ok and sent.error is None
    assert sent.message_id == "22125" and sent.price == Decimal("0.02")


def test_batch_duplicate_on_a_retry_keeps_the_provider_id(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=requests.exceptions.ReadTimeout())
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phones-one-refused.json"))
    mocked.get(f"{BASE}/sms/reference/12erdgn0",
             json=status_of("380972000002", "12erdgn0", id="12346"))
    result = client.send_many([
        smsbridge.Message(to="380972000001", text="t", reference="12erdgm9"),
        smsbridge.Message(to="380972000002", text="t", reference="12erdgn0"),
    ])
    assert result.ok
    assert result.ids == ["12345", "12346"]


def test_reference_exists_in_a_fresh_client_returns_the_earlier_acceptance(client, mocked,
                                                                           sms_wire):
    # A redelivered task: this process's first attempt is answered "exists".
    mocked.post(f"{BASE}/sms/create",
              json={"error": "23", "errorDescription": "SMS already exists"})
    mocked.get(f"{BASE}/sms/reference/order42", json=status_of("380972000000", "order42"))
    [sent] = client.send("380972000000", "x", reference="order42").messages
    assert len(mocked.calls) == 2
    assert sms_wire[1].method == "GET"
    assert sms_wire[1].headers["X-API-KEY"] == API_KEY
    assert sent.ok and sent.message_id == "22125" and sent.reference == "order42"


def test_reference_exists_and_the_lookup_names_no_number_is_delivery_unknown(client, mocked):
    mocked.post(f"{BASE}/sms/create",
              json={"error": "23", "errorDescription": "SMS already exists"})
    found = status_of("380972000000", "order42")
    del found["msisdn"]
    mocked.get(f"{BASE}/sms/reference/order42", json=found)
    with pytest.raises(DeliveryUnknown) as caught:
        client.send("380972000000", "x", reference="order42")
    assert "does not say to which number" in str(caught.value)
    assert caught.value.retry_safe is True


def test_reference_exists_but_the_lookup_fails_is_delivery_unknown_keeping_the_rest(
        client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phones-one-refused.json"))
    for _ in range(3):
        mocked.get(f"{BASE}/sms/reference/12erdgn0", status=503, body="busy")
    with pytest.raises(DeliveryUnknown) as caught:
        client.send_many([
            smsbridge.Message(to="380972000001", text="t", reference="12erdgm9"),
            smsbridge.Message(to="380972000002", text="t", reference="12erdgn0"),
        ])
    assert caught.value.partial.ids == ["12345"]


def test_reference_exists_on_first_attempt_is_an_error(client, mocked):
    mocked.post(f"{BASE}/sms/create",
              json={"error": "23", "errorDescription": "SMS already exists"})
    mocked.get(f"{BASE}/sms/reference/order42", json=status_of("380970000001", "order42"))
    with pytest.raises(DuplicateMessage) as caught:
        client.send("380972000000", "x", reference="order42")
    assert caught.value.code == "23"
    assert "order42 already belongs to another message" in str(caught.value)


def test_send_gives_up_as_delivery_unknown_after_retries(client, mocked):
    for _ in range(3):
        mocked.post(f"{BASE}/sms/create", body=requests.exceptions.ReadTimeout())
    with pytest.raises(DeliveryUnknown):
        client.send("380972000000", "x")
    assert len(mocked.calls) == 3


def test_send_http_502_without_body_is_retried_then_accepted(client, mocked, payload):
    mocked.post(f"{BASE}/sms/create", status=502, body="")
    mocked.post(f"{BASE}/sms/create", body=payload("sms-create-phone.json"))
    assert client.send("380972000000", "x").ids == ["22125"]


def test_answer_with_wrong_item_count_is_invalid(client, mocked):
    mocked.post(f"{BASE}/sms/create", json={"error": "0", "result": [], "task_id": "1"})
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(["380972000001", "380972000002"], "x")
    assert caught.value.body
    assert isinstance(caught.value.__cause__, InvalidResponse)


@pytest.mark.parametrize("body", [
    '{"error":"0","id":"22125","reference":"r1","price":"0.02","currency":"EUR"}',
    '{"result":{"error":0,"id":22125,"reference":"r1","price":0.02,"currency":"EUR"}}',
    '{"result":[{"error":0,"errorDescription":"No errors","reference":"r1","id":"22125",'
    '"price":0.02,"currency":"EUR"}],"total_price":0.02,"currency":"EUR"}',
    '{"id":22125,"reference":"r1","price":"0.02","currency":"EUR"}',
])
def test_single_answer_flat_or_wrapped(client, mocked, body):
    mocked.post(f"{BASE}/sms/create", body=body)
    [sent] = client.send("380972000000", "x", reference="r1").messages
    assert sent.message_id == "22125"
    assert sent.price == Decimal("0.02")


# -- Viber ----------------------------------------------------------------------------


def test_viber_send_body_and_ids(connect, mocked, payload, sms_wire):
    client = connect(callback_url="https://my-cool-webpage.com/viber-dlr", tariff=9)
    mocked.post(f"{BASE}/viber/create", body=payload("viber-create.json"))
    at = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    result = client.send_many([
        smsbridge.Message(to="380972920283", text="My Viber message", sender="My Company",
                          reference="example_12", channel="viber", send_at=at,
                          validity=timedelta(hours=24),
                          options={"is_promotional": False,
                                   "image": "http://my-cool-webpage.com/logo.png",
                                   "caption": "Join us!",
                                   "action": "http://my-cool-webpage.com"}),
        smsbridge.Message(to="380972920282", text="My Viber message", sender="My Company",
                          reference="example13", channel="viber", send_at=at,
                          validity=timedelta(hours=24),
                          options={"is_promotional": False,
                                   "image": "http://my-cool-webpage.com/logo.png",
                                   "caption": "Join us!",
                                   "action": "http://my-cool-webpage.com"}),
    ])
    body = sms_wire[0].json()
    assert body == {
        "tariff": 9,
        "validity": 86400,
        "messages": [{
            "to": [{"msisdn": "380972920283", "external_id": fit_reference("example_12", 32),
                    "reference": fit_reference("example_12", 32)},
                   {"msisdn": "380972920282", "external_id": "example13",
                    "reference": "example13"}],
            "text": "My Viber message",
            "alpha_name": "My Company",
            "is_promotional": False,
            "callback_url": "https://my-cool-webpage.com/viber-dlr",
            "options": {"viber": {"img": "http://my-cool-webpage.com/logo.png",
                                  "caption": "Join us!",
                                  "action": "http://my-cool-webpage.com"}},
            "scheduledDatetime": "2030-01-01T09:00:00+00:00",
        }],
    }
    # The first item names no known reference ("example_12" is not ours after fitting),
    # so both are matched by position.
    assert result.ids == ["viber:22125", "viber:22126"]
    assert result.messages[0].price == Decimal("0.02")


def test_viber_through_send_channel_option(client, mocked, sms_wire):
    mocked.post(f"{BASE}/viber/create",
              json={"result": [{"error": 0, "errorDescription": "No errors", "id": "174592",
                                "price": 0, "currency": "EUR"}],
                    "currency": "EUR", "total_price": 0})
    result = client.send("380972920283", "hi", channel="viber", is_promotional=True)
    body = sms_wire[0].json()
    assert body["messages"][0]["is_promotional"] is True
    assert body["messages"][0]["alpha_name"] == "ACME"
    assert "validity" not in body and "tariff" not in body
    assert result.ids == ["viber:174592"]
    assert client.supports("viber")


def test_viber_different_texts_are_separate_message_objects(client, mocked, sms_wire):
    mocked.post(f"{BASE}/viber/create", json=[{"error": "0", "messages": [
        {"id": "1", "reference": "a"}, {"id": "2", "reference": "b"}]}])
    result = client.send_many([
        smsbridge.Message(to="380972000001", text="one", reference="a", channel="viber"),
        smsbridge.Message(to="380972000002", text="two", reference="b", channel="viber"),
    ])
    body = sms_wire[0].json()
    assert [m["text"] for m in body["messages"]] == ["one", "two"]
    assert result.ids == ["viber:1", "viber:2"]


# -- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(("call", "field"), [
    (lambda c: c.send("380972000000", "x", sender="FIFTEEN-CHARS-X"), "sender"),
    (lambda c: c.send("380972000000", "x", validity=timedelta(minutes=30)), "validity"),
    (lambda c: c.send("380972000000", "x", validity=timedelta(hours=73)), "validity"),
    (lambda c: c.send("380972000000", "x", channel="viber", validity=10), "validity"),
    (lambda c: c.send("380972000000", "x", channel="viber", validity=86401), "validity"),
    (lambda c: c.send("380972000000", "x", tariff=10), "tariff"),
    (lambda c: c.send("380972000000", "x", tariff="9"), "tariff"),
    (lambda c: c.send("380972000000", "x", colour="red"), "colour"),
    (lambda c: c.send("380972000000", "x", image="http://x.test/i.png"), "image"),
    (lambda c: c.send("380972000000", "x", channel="viber", image="ftp://x"), "image"),
    (lambda c: c.send("380972000000", "x", channel="viber", is_promotional="yes"),
     "is_promotional"),
    (lambda c: c.send("380972000000", "x", channel="viber", caption=""), "caption"),
    (lambda c: c.send("12", "x"), "to"),
    (lambda c: c.send("380972000000", "   "), "text"),
])
def test_invalid_input_is_refused_before_any_request(client, mocked, call, field):
    with pytest.raises(ValidationError) as caught:
        call(client)
    assert caught.value.field == field
    assert len(mocked.calls) == 0


def test_sender_is_required(connect, mocked):
    client = connect(sender=None)
    with pytest.raises(ValidationError, match="sender"):
        client.send("380972000000", "x")
    assert len(mocked.calls) == 0


def test_one_bad_message_stops_the_whole_send_many(client, mocked):
    with pytest.raises(ValidationError):
        client.send_many([smsbridge.Message(to="380972000001", text="fine"),
                          smsbridge.Message(to="380972000002", text="x",
                                            sender="WAY-TOO-LONG-SENDER")])
    assert len(mocked.calls) == 0


def test_unknown_channel_is_not_supported(client, mocked):
    with pytest.raises(NotSupported):
        client.send("380972000000", "x", channel="whatsapp")


def test_chunks_follow_the_chunk_size_setting(connect, mocked, sms_wire):
    client = connect(chunk_size=2)
    for ids in (["1", "2"], ["3"]):
        items = [{"error": "0", "id": i} for i in ids]
        mocked.post(f"{BASE}/sms/create",
                  json={"result": items, "error": "0"} if len(ids) > 1 else items[0])
    result = client.send(["380972000001", "380972000002", "380972000003"], "x",
                         reference="bulk")
    assert [len(request.json().get("phones", [1])) for request in sms_wire] == [2, 1]
    assert result.ids == ["1", "2", "3"]
    refs = [m.reference for m in result]
    assert len(set(refs)) == 3


def test_references_stay_distinct_for_a_repeated_number():
    from smsbridge_ketchup.references import message_references

    messages = [smsbridge.Message(to="380972000001", text="x", reference="r")] * 2
    first, second = message_references(messages)
    assert first != second
    assert message_references(messages) == [first, second]


def test_provider_error_keeps_http_status(client, mocked):
    mocked.post(f"{BASE}/sms/create", status=400,
              json={"error": "24", "errorDescription": "Invalid request payload"})
    with pytest.raises(ProviderError) as caught:
        client.send("380972000000", "x")
    assert caught.value.code == "24"
    assert caught.value.http_status == 400
