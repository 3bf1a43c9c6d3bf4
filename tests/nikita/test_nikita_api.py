"""The driver's seams without HTTP: the Requests api.py builds, the answers it reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from smsbridge.answers import Answer
from smsbridge.errors import AuthError, DeliveryUnknown, NotFound, RateLimited
from smsbridge.models import DeliveryState, Message
from smsbridge.redaction import Redactor
from smsbridge.transport import Request
from smsbridge_nikita import api, parsing, sending
from smsbridge_nikita.settings import NikitaSettings

SETTINGS = NikitaSettings(login="acme", password="s3cret-pw")
XML = {"Content-Type": "application/xml; charset=utf-8"}


def answer(content: bytes, *, operation: str = "status", is_send: bool = False,
           maybe_accepted: bool = False) -> Answer:
    return Answer(status_code=200, headers={}, content=content, url="https://nikita.test/api",
                  provider="nikita", operation=operation, is_send=is_send,
                  maybe_accepted=maybe_accepted, redactor=Redactor(["s3cret-pw"]))


def test_send_request_is_the_documented_message_document() -> None:
    messages = [Message(to="996550123456", text="hi & bye", sender="My-company",
                        send_at=datetime(2030, 9, 21, 17, 59, 57, tzinfo=timezone.utc)),
                Message(to="996550123457", text="hi & bye", sender="My-company")]

    request = api.send_request(SETTINGS, "A88726", messages)

    assert request == Request(method="POST", path="message", headers=XML, data=(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<message><login>acme</login>'
        b"<pwd>s3cret-pw</pwd><id>A88726</id><sender>My-company</sender>"
        b"<text>hi &amp; bye</text><time>20300921235957</time><phones>"
        b"<phone>996550123456</phone><phone>996550123457</phone></phones></message>"))


def test_other_requests() -> None:
    assert api.dr_request(SETTINGS, "A88726", None) == Request(
        method="POST", path="dr", headers=XML,
        data=b'<?xml version="1.0" encoding="UTF-8"?>\n<dr><login>acme</login>'
             b"<pwd>s3cret-pw</pwd><id>A88726</id></dr>")
    assert api.lookup_request(SETTINGS, "996550123456").data == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<def xmlns="http://Giper.mobi/schema/'
        b'PhoneDEF"><login>acme</login><pwd>s3cret-pw</pwd><phone>996550123456</phone></def>')
    assert api.info_request(NikitaSettings(login="acme", password="s3cret-pw",
                                           test=True)).data == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<info xmlns="http://Giper.mobi/schema/'
        b'Info"><login>acme</login><pwd>s3cret-pw</pwd></info>')


def test_parse_status_reads_one_phone_of_a_dr_answer() -> None:
    report = parsing.parse_status(answer(
        b"<response><status>0</status><phone><number>996550123457</number><report>3"
        b"</report><sendTime>20100921235958</sendTime><rcvTime>20100921235959</rcvTime>"
        b"</phone></response>"), "A88726", "996550123457")

    assert report.message_id == "A88726:996550123457"
    assert report.state is DeliveryState.DELIVERED
    assert report.delivered_at == datetime(2010, 9, 21, 17, 59, 59, tzinfo=timezone.utc)


def test_a_refusal_keeps_the_providers_text_masked() -> None:
    with pytest.raises(AuthError) as caught:
        parsing.parse_balance(answer(
            b"<response><status>2</status><message>bad pwd s3cret-pw</message></response>",
            operation="balance"))

    assert caught.value.description == "bad pwd ***"
    assert caught.value.code == "2" and caught.value.operation == "balance"
    assert "s3cret-pw" not in str(caught.value.body)


def test_a_refusal_without_text_gets_the_documents_description() -> None:
    with pytest.raises(NotFound, match="no data for this phone number"):
        parsing.parse_lookup(answer(b"<response><status>4</status></response>",
                                    operation="lookup"), "996550123456")


def test_busy_send_error_is_rate_limited_with_the_longest_wait() -> None:
    sent = answer(b"<response><status>9</status></response>", operation="send", is_send=True)
    code, root = api.read_status(sent)

    error = sending.send_error(sent, root, code, SETTINGS)

    assert type(error) is RateLimited and error.retry_after == 10.0 and error.code == "9"


def test_a_send_refusal_after_a_lost_answer_is_unknown() -> None:
    sent = answer(b"<response><status>6</status></response>", operation="send",
                  is_send=True, maybe_accepted=True)
    code, root = api.read_status(sent)

    assert type(sending.send_error(sent, root, code, SETTINGS)) is DeliveryUnknown


def test_parse_held_lists_the_numbers_of_an_id() -> None:
    held = answer(b"<response><status>0</status><phone><number>+996550123456</number>"
                  b"<report>1</report></phone></response>", operation="send")

    assert sending.parse_held(held, certain=False) == ["996550123456"]
    assert sending.parse_held(answer(b"<response><status>4</status></response>",
                                     operation="send"), certain=True) == []
    with pytest.raises(NotFound):
        sending.parse_held(answer(b"<response><status>4</status></response>",
                                  operation="send"), certain=False)
