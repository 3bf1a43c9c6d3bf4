"""The api module on its own: the requests it builds and the answers it reads, no I/O."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from smsbridge.answers import Answer
from smsbridge.errors import NotFound, ProviderError, RateLimited, ValidationError
from smsbridge.models import Message
from smsbridge.transport import Request
from smsbridge_phoenix import PhoenixSettings, api

SETTINGS = PhoenixSettings(token="tok-1", base_url="https://gw.test")


def answer(status: int, content: bytes, operation: str = "status") -> Answer:
    return Answer(status_code=status, headers={}, content=content,
                  url="https://gw.test/sms-api/x", provider="phoenix", operation=operation)


def test_send_request() -> None:
    messages = [Message(to="380711234567", text="Привет",
                        send_at=datetime(2099, 11, 2, 8, 12, 33, tzinfo=timezone.utc)),
                Message(to="0711234568", text="Привет")]

    assert api.send_request(SETTINGS, messages) == Request(
        method="POST", path="sms-api/dispatches", params={"token": "tok-1"},
        json={"message": "Привет", "phonesList": ["380711234567", "380711234568"],
              "dateSend": "02.11.2099 11:12:33"})


def test_read_requests_carry_the_token_and_the_api_root_once() -> None:
    rooted = PhoenixSettings(token="tok-1", base_url="https://gw.test/sms-api/")

    assert api.status_request(SETTINGS, 17) == Request(
        method="GET", path="sms-api/dispatches/17", params={"token": "tok-1"})
    assert api.balance_request(rooted) == Request(
        method="GET", path="finance/balance", params={"token": "tok-1"})
    assert api.address_books_request(SETTINGS).path == "sms-api/addressbooks"
    assert api.contacts_request(SETTINGS, 3).path == "sms-api/addressbooks/3/contacts"
    assert api.cancel_request(SETTINGS, 5) == Request(
        method="POST", path="sms-api/dispatches/cancel", params={"token": "tok-1"},
        json={"idDispatch": 5})
    assert api.run_request(SETTINGS, 5).json == {"idDispatch": 5}


@pytest.mark.parametrize("book", [0, -1, True, "1", 1.0])
def test_contacts_request_refuses_a_bad_book_id(book: object) -> None:
    with pytest.raises(ValidationError):
        api.contacts_request(SETTINGS, book)  # type: ignore[arg-type]


def test_parse_send_gives_every_recipient_the_dispatch_id() -> None:
    messages = [Message(to="380711234567", text="hi"), Message(to="0711234568", text="hi")]

    sent = api.parse_send(answer(200, b"42", "send"), messages)

    assert [m.message_id for m in sent] == ["42:380711234567", "42:380711234568"]
    assert [m.recipient for m in sent] == ["380711234567", "0711234568"]
    assert sent[0].raw == {"idDispatch": "42"}


def test_an_error_code_the_document_lists_wins_over_the_status() -> None:
    with pytest.raises(NotFound) as caught:
        api.parse_status(answer(400, b'{"code": "DISPATCH_NOT_FOUND", "message": "nope"}'),
                         "1", None, SETTINGS.zone)
    assert caught.value.code == "DISPATCH_NOT_FOUND"
    assert caught.value.http_status == 400


def test_an_unlisted_code_falls_back_on_the_status() -> None:
    with pytest.raises(RateLimited) as caught:
        api.parse_balance(answer(429, b'{"code": "SLOW_DOWN", "message": "later"}'))
    assert caught.value.code == "SLOW_DOWN"
    with pytest.raises(ProviderError) as generic:
        api.parse_balance(answer(400, b'{"code": "SOMETHING_NEW"}'))
    assert type(generic.value) is ProviderError
