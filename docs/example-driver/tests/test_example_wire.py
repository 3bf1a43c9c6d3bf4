"""Example SMS on the wire: the exact requests, the parsed answers, every error code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import requests
import responses

import smsbridge
from smsbridge.answers import Answer
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
    ValidationError,
)
from smsbridge.models import DeliveryState, Message
from smsbridge.testing.fixtures import Wire
from smsbridge.transport import Request
from smsbridge_example import ExampleSettings, api

URL = "https://api.example-sms.test/v1"


# -- send -----------------------------------------------------------------------------


def test_send_makes_one_request_per_chunk(client: smsbridge.Client,
                                          mocked: responses.RequestsMock,
                                          sms_wire: Wire) -> None:
    mocked.post(f"{URL}/messages", status=201, json={"messages": [
        {"id": "msg-1", "to": "996550123456", "parts": 1},
        {"id": "msg-2", "to": "996770123456", "parts": "1"},
    ]})

    result = client.send(["+996 550 123 456", "996770123456"], "Your code is 1234",
                         sender="ACME", flash=True)

    (request,) = sms_wire
    assert (request.method, request.url) == ("POST", f"{URL}/messages")
    assert request.headers["Authorization"] == "Bearer key-S3cret-example"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"to": ["996550123456", "996770123456"],
                          "text": "Your code is 1234", "sender": "ACME", "flash": True}
    assert result.ids == ["msg-1", "msg-2"]
    assert [m.parts for m in result] == [1, 1]
    assert [m.provider for m in result] == ["example", "example"]


def test_send_without_sender_or_flash_leaves_them_out(client: smsbridge.Client,
                                                      mocked: responses.RequestsMock,
                                                      sms_wire: Wire) -> None:
    mocked.post(f"{URL}/messages", status=201,
                json={"messages": [{"id": "msg-7", "to": "996550123456", "parts": 2}]})

    result = client.send("996550123456", "x" * 200)

    assert sms_wire.last.json() == {"to": ["996550123456"], "text": "x" * 200}
    assert result.ids == ["msg-7"]
    assert result.messages[0].parts == 2


def test_a_refused_recipient_carries_its_error(client: smsbridge.Client,
                                               mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/messages", status=201, json={"messages": [
        {"id": "msg-1", "to": "996550123456", "parts": 1},
        {"to": "996770000000", "error": {"code": "invalid_number", "message": "no such number"}},
    ]})

    result = client.send(["996550123456", "996770000000"], "hello")

    ok, refused = result.messages
    assert ok.message_id == "msg-1" and ok.ok
    assert refused.message_id is None
    assert isinstance(refused.error, InvalidRecipient)
    assert refused.error.code == "invalid_number"
    assert str(refused.error.description) == "no such number"


def test_more_than_100_numbers_are_split(client: smsbridge.Client,
                                         mocked: responses.RequestsMock,
                                         sms_wire: Wire) -> None:
    numbers = [f"996550{n:06d}" for n in range(101)]
    mocked.post(f"{URL}/messages", status=201, json={"messages": [
        {"id": f"msg-{n}", "to": f"996550{n:06d}", "parts": 1} for n in range(100)]})
    mocked.post(f"{URL}/messages", status=201,
                json={"messages": [{"id": "msg-100", "to": "996550000100", "parts": 1}]})

    result = client.send(numbers, "hello")

    assert [len(request.json()["to"]) for request in sms_wire] == [100, 1]
    assert result.ids[-1] == "msg-100"


@pytest.mark.parametrize(("call", "field"), [
    (lambda c: c.send("996550123456", "hi", sender="1 bad sender name"), "sender"),
    (lambda c: c.send("996550123456", "x" * 1601), "text"),
    (lambda c: c.send("996550123456", "hi", urgent=True), "urgent"),
    (lambda c: c.send("996550123456", "hi", flash="yes"), "flash"),
    (lambda c: c.send("996550123456", "hi", validity=3600), "validity"),
])
def test_bad_input_is_refused_before_any_request(
        client: smsbridge.Client, mocked: responses.RequestsMock,
        call: Callable[[smsbridge.Client], object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call(client)
    assert caught.value.field == field
    assert len(mocked.calls) == 0


def test_a_lost_send_answer_is_never_repeated(client: smsbridge.Client,
                                              mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/messages", body=requests.ConnectionError("reset by peer"))

    with pytest.raises(DeliveryUnknown):
        client.send("996550123456", "hello")
    assert len(mocked.calls) == 1


def test_a_5xx_without_a_code_is_unknown(client: smsbridge.Client,
                                         mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/messages", status=502, body="<html>Bad Gateway</html>")

    with pytest.raises(DeliveryUnknown):
        client.send("996550123456", "hello")
    assert len(mocked.calls) == 1


def test_an_answer_with_too_few_messages_is_unknown(client: smsbridge.Client,
                                                    mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/messages", status=201, json={"messages": []})

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello")
    assert caught.value.body == '{"messages": []}'


# -- status and balance -------------------------------------------------------------


def test_status(client: smsbridge.Client, mocked: responses.RequestsMock,
                sms_wire: Wire) -> None:
    mocked.get(f"{URL}/messages/msg-1", json={
        "id": "msg-1", "to": "996550123456", "status": "delivered",
        "updated_at": "2026-03-01T12:00:05Z"})

    report = client.status("msg-1")

    (request,) = sms_wire
    assert (request.method, request.url) == ("GET", f"{URL}/messages/msg-1")
    assert request.headers["Authorization"] == "Bearer key-S3cret-example"
    assert report.message_id == "msg-1"
    assert report.recipient == "996550123456"
    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "delivered"
    assert report.delivered_at == datetime(2026, 3, 1, 12, 0, 5, tzinfo=timezone.utc)
    assert report.sent_at is None


@pytest.mark.parametrize(("status", "state"), [
    ("queued", DeliveryState.QUEUED), ("sent", DeliveryState.SENT),
    ("delivered", DeliveryState.DELIVERED), ("failed", DeliveryState.UNDELIVERED),
    ("expired", DeliveryState.EXPIRED), ("rejected", DeliveryState.REJECTED),
    ("on_the_moon", DeliveryState.UNKNOWN),
])
def test_every_documented_state(client: smsbridge.Client, mocked: responses.RequestsMock,
                                status: str, state: DeliveryState) -> None:
    mocked.get(f"{URL}/messages/msg-1", json={"id": "msg-1", "status": status})

    report = client.status("msg-1")

    assert report.state is state
    assert report.provider_state == status


def test_an_id_stays_one_path_segment(client: smsbridge.Client,
                                      mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/messages/a%2F..%3Fx%3D1", json={"id": "a/..?x=1", "status": "sent"})

    assert client.status("a/..?x=1").state is DeliveryState.SENT


def test_balance(client: smsbridge.Client, mocked: responses.RequestsMock,
                 sms_wire: Wire) -> None:
    mocked.get(f"{URL}/balance", json={"balance": "12.50", "currency": "EUR"})

    balance = client.balance()

    assert sms_wire.last.headers["Authorization"] == "Bearer key-S3cret-example"
    assert balance.amount == Decimal("12.50")
    assert balance.currency == "EUR"


def test_a_balance_without_an_amount_is_invalid(client: smsbridge.Client,
                                                mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/balance", json={"currency": "EUR"})

    with pytest.raises(InvalidResponse) as caught:
        client.balance()
    assert caught.value.body == '{"currency": "EUR"}'


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code", "error"), [
    (401, "unauthorized", AuthError),
    (402, "insufficient_funds", InsufficientFunds),
    (400, "invalid_number", InvalidRecipient),
    (400, "invalid_sender", InvalidSender),
    (404, "not_found", NotFound),
    (429, "rate_limited", RateLimited),
    (400, "invalid_request", ProviderError),
    (400, "something_new", ProviderError),
])
def test_every_error_code(connect: Callable[..., smsbridge.Client],
                          mocked: responses.RequestsMock, status: int, code: str,
                          error: type[ProviderError]) -> None:
    client = connect(retries=0)
    mocked.get(f"{URL}/balance", status=status,
               json={"error": {"code": code, "message": f"because {code}"}})

    with pytest.raises(error) as caught:
        client.balance()

    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.http_status == status
    assert caught.value.provider == "example"


def test_rate_limited_carries_the_wait_the_provider_asks_for(
        connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock) -> None:
    client = connect(retries=0)
    mocked.get(f"{URL}/balance", status=429, headers={"Retry-After": "7"},
               json={"error": {"code": "rate_limited", "message": "slow down"}})

    with pytest.raises(RateLimited) as caught:
        client.balance()
    assert caught.value.retry_after == 7.0


def test_the_code_wins_over_the_http_status(client: smsbridge.Client,
                                            mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/messages/msg-9", status=500,
               json={"error": {"code": "not_found", "message": "no message msg-9"}})

    with pytest.raises(NotFound):
        client.status("msg-9")


def test_a_refused_send_is_not_unknown(client: smsbridge.Client,
                                       mocked: responses.RequestsMock) -> None:
    mocked.post(f"{URL}/messages", status=402,
                json={"error": {"code": "insufficient_funds", "message": "top up"}})

    with pytest.raises(InsufficientFunds) as caught:
        client.send("996550123456", "hello")
    assert caught.value.partial is not None and len(caught.value.partial) == 0


def test_the_api_key_never_shows_in_an_error(client: smsbridge.Client,
                                             mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/balance", status=401, json={"error": {
        "code": "unauthorized", "message": "bad key key-S3cret-example"}})

    with pytest.raises(AuthError) as caught:
        client.balance()
    shown = f"{caught.value} {caught.value!r} {caught.value.body}"
    assert "key-S3cret-example" not in shown
    assert "bad key ***" in str(caught.value)


# -- the api module on its own: requests built, answers read --------------------------


def test_requests_are_built_without_io() -> None:
    settings = ExampleSettings(api_key="k-1")
    message = Message(to="996550123456", text="hi", sender="ACME", options={"flash": True})

    assert api.send_request(settings, [message]) == Request(
        method="POST", path="messages",
        json={"to": ["996550123456"], "text": "hi", "sender": "ACME", "flash": True},
        headers={"Authorization": "Bearer k-1"})
    assert api.status_request(settings, "msg 1/2") == Request(
        method="GET", path="messages/msg%201%2F2", headers={"Authorization": "Bearer k-1"})
    assert api.balance_request(settings) == Request(
        method="GET", path="balance", headers={"Authorization": "Bearer k-1"})


def test_answers_are_read_without_io() -> None:
    answer = Answer(status_code=200, headers={}, content=b'{"balance": 3, "currency": null}',
                    url=f"{URL}/balance", provider="example", operation="balance")

    balance = api.parse_balance(answer)

    assert balance.amount == Decimal("3")
    assert balance.currency is None
