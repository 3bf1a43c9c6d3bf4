"""The KetchUp api modules on their own: requests they build, answers they read."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

import smsbridge
from smsbridge.answers import Answer
from smsbridge.errors import (
    DeliveryUnknown,
    DuplicateMessage,
    InvalidRecipient,
    ProviderError,
    ValidationError,
)
from smsbridge.models import DeliveryState, Message
from smsbridge.transport import Request
from smsbridge_ketchup import KetchupDriver, KetchupSettings, api, hlr, sending
from smsbridge_ketchup.errors import module_error, refusal

SETTINGS = KetchupSettings(api_key="live_s3cret-key-42", base_url="https://ketchup.test/rest",
                           sender="ACME")
KEY = {"X-API-KEY": "live_s3cret-key-42"}


def _answer(body: bytes, *, status: int = 200, send: bool = False,
            maybe_accepted: bool = False) -> Answer:
    return Answer(status_code=status, headers={}, content=body,
                  url="https://ketchup.test/rest/sms/create", provider="ketchup",
                  operation="send" if send else "status", is_send=send,
                  maybe_accepted=maybe_accepted)


def test_status_requests_name_the_channel_and_reference() -> None:
    assert api.status_request("22125", SETTINGS) == Request(
        method="GET", path="sms/22125", headers=KEY)
    assert api.status_request("viber:ref:order42", SETTINGS) == Request(
        method="GET", path="viber/reference/order42", headers=KEY)


def test_a_single_sms_request() -> None:
    message = Message(to="380972000000", text="hello", sender="ACME",
                      validity=timedelta(hours=2))
    assert sending.create_request("sms", [message], ["ref1"], SETTINGS) == Request(
        method="POST", path="sms/create", headers=KEY,
        json={"destination": "phone", "originator": "ACME", "body": "hello",
              "msisdn": "380972000000", "reference": "ref1", "validity": 2})


def test_one_hlr_number_goes_as_form_fields() -> None:
    [chunk] = hlr.hlr_chunks(["380972000000"], {"reference": "check1"}, SETTINGS)
    assert chunk.request == Request(
        method="POST", path="hlr/create", headers=KEY,
        files={"msisdn": (None, "380972000000"), "reference": (None, "check1")})


def test_parse_status_reads_the_wrapped_object() -> None:
    answer = _answer(b'{"result": {"id": "211", "msisdn": "380972000000", '
                     b'"status": "Delivered", "price": "0.02", "currency": "UAH", '
                     b'"time_dr": "2026-03-01 10:00:00"}}')
    report = api.parse_status(answer, "211")
    assert (report.message_id, report.recipient, report.state, report.price) == (
        "211", "380972000000", DeliveryState.DELIVERED, Decimal("0.02"))


def test_parse_create_keeps_an_item_refusal_on_its_recipient() -> None:
    messages = [Message(to="380972000000", text="x", sender="ACME"),
                Message(to="380972000001", text="x", sender="ACME")]
    answer = _answer(b'{"result": [{"id": 12345, "reference": "a"}, {"reference": "b", '
                     b'"error": "21", "errorDescription": "Incorrect msisdn"}]}', send=True)
    sent, whole = sending.parse_create(answer, "sms", messages, ["a", "b"])
    assert whole is None
    assert [m.message_id for m in sent] == ["12345", None]
    assert isinstance(sent[1].error, InvalidRecipient) and sent[1].error.code == "21"


def test_a_code_reads_within_its_module() -> None:
    hlr_answer = _answer(b'{"error": "11", "errorDescription": "Incorrect msisdn"}')
    assert type(module_error(hlr_answer, "hlr", 11, "Incorrect msisdn")) is InvalidRecipient
    assert type(module_error(hlr_answer, "sms", 26, "Text is empty")) is ProviderError
    assert type(module_error(hlr_answer, "hlr", 13, "HLR already exists")) is DuplicateMessage


def test_an_exists_refusal_is_kept_after_a_lost_answer() -> None:
    # After a lost answer, a whole send's error proves nothing, but "this reference
    # exists" is what lets the driver find the message the first attempt created.
    answer = _answer(b'{"error": "23", "errorDescription": "exists"}', send=True,
                     maybe_accepted=True)
    assert isinstance(module_error(answer, "sms", 23, "exists"), DeliveryUnknown)
    assert type(refusal(answer, "sms", 23, "exists")) is DuplicateMessage


def test_check_message_takes_each_channels_options() -> None:
    driver = KetchupDriver(SETTINGS)
    driver.check_message(Message(to="380972000000", text="x", sender="ACME",
                                 channel="viber", options={"caption": "Go"}))
    with pytest.raises(ValidationError, match="unknown KetchUp sms option"):
        driver.check_message(Message(to="380972000000", text="x", sender="ACME",
                                     options={"caption": "Go"}))
    with pytest.raises(ValidationError, match="sender"):
        driver.check_message(Message(to="380972000000", text="x", sender="   "))
    with pytest.raises(ValidationError, match="at most 14"):
        driver.check_message(Message(to="380972000000", text="x", sender="A" * 15))
    with pytest.raises(smsbridge.ValidationError, match="unknown send option"):
        driver.check_message(Message(to="380972000000", text="x", sender="ACME",
                                     options={"local_time": True}))
