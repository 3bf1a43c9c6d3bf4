"""Error codes, HTTP statuses and unreadable answers map to typed errors."""

from __future__ import annotations

import pytest
import responses

import smsbridge_stream
from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge_stream.errors import CODE_NAMES, PROVIDER_ERRORS

# The document's HTTP status of each code (section 4.1).
DOC_STATUS = {1: 400, 2: 400, 3: 400, 4: 401, 5: 403, 6: 400, 7: 403, 8: 500, 9: 500, 10: 400}


def test_every_documented_code_is_in_the_table():
    assert set(PROVIDER_ERRORS) == set(range(1, 11)) == set(CODE_NAMES) == set(DOC_STATUS)
    assert smsbridge_stream.PROVIDER_ERRORS is PROVIDER_ERRORS


@pytest.mark.parametrize("code", sorted(PROVIDER_ERRORS))
def test_code_maps_through_the_table(client, logged_in, api, code):
    # Codes 3 and 4 renew the session once; the second answer is the same.
    body = api.json_body({"Code": code, "Desc": CODE_NAMES[code]})
    logged_in.add(responses.GET, api.url("Balance/"), body=body, status=DOC_STATUS[code])
    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert type(caught.value) is PROVIDER_ERRORS[code]
    assert caught.value.code == str(code)
    assert caught.value.description == CODE_NAMES[code]
    assert caught.value.http_status == DOC_STATUS[code]
    assert caught.value.provider == "stream"
    assert caught.value.operation == "balance"


@pytest.mark.parametrize(("code", "expected"), [
    (3, AuthError), (4, AuthError), (5, InsufficientFunds), (7, AuthError), (10, RateLimited),
    (8, ProviderError), (9, ProviderError),
])
def test_concrete_classes(client, logged_in, api, code, expected):
    logged_in.add(responses.GET, api.url("Balance/"),
                  body=api.json_body({"Code": str(code), "Desc": "x"}), status=400)
    with pytest.raises(expected):
        client.balance()


@pytest.mark.parametrize("status", [200, 402, 403])
def test_code_5_is_insufficient_funds_whatever_the_status(client, logged_in, api, status):
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=api.payload("error-direction-closed.json"), status=status)
    with pytest.raises(InsufficientFunds) as caught:
        client.send("79001234567", "x")
    assert caught.value.description == "Direction is closed"
    assert caught.value.http_status == status


def test_flood_is_rate_limited(client, logged_in, api):
    logged_in.add(responses.POST, api.url("Send/SendSms/"), body=api.payload("error-flood.json"),
                  status=400)
    with pytest.raises(RateLimited) as caught:
        client.send("79001234567", "x")
    assert caught.value.code == "10"


def test_body_code_wins_over_a_success_status(client, logged_in, api):
    logged_in.add(responses.GET, api.url("State/"),
                  body=api.payload("error-messageid-empty.json"),
                  status=200)
    with pytest.raises(ProviderError) as caught:
        client.status("371329059")
    assert caught.value.code == "1"
    assert caught.value.description == (
        "MessageID can not be null or empty\r\nParameter name: messageId")


@pytest.mark.parametrize(("desc", "expected"), [
    ("Invalid source address", InvalidSender),
    ("Invalid destination address 7900", InvalidRecipient),
    ("Message not found", NotFound),
    ("Something else", ProviderError),
])
def test_generic_codes_are_refined_by_their_description(client, logged_in, api, desc, expected):
    logged_in.add(responses.GET, api.url("State/"), body=api.json_body({"Code": 2, "Desc": desc}),
                  status=400)
    with pytest.raises(ProviderError) as caught:
        client.status("1")
    assert type(caught.value) is expected


def test_lowercase_keys_are_read(client, logged_in, api):
    logged_in.add(responses.GET, api.url("Balance/"), body=b'{"code": 5, "desc": "x"}',
                  status=403)
    with pytest.raises(InsufficientFunds):
        client.balance()


@pytest.mark.parametrize(("status", "expected"), [
    (500, ProviderError), (503, ProviderError), (404, NotFound), (429, RateLimited),
    (403, AuthError), (402, InsufficientFunds),
])
def test_http_errors_without_code(client, logged_in, api, sms_sleeps, status, expected):
    logged_in.add(responses.GET, api.url("Balance/"), body=b"<html>Server Error</html>",
                  status=status)
    with pytest.raises(expected) as caught:
        client.balance()
    assert caught.value.http_status == status


def test_5xx_on_a_read_is_retried(client, logged_in, api, sms_sleeps):
    logged_in.add(responses.GET, api.url("Balance/"), status=503)
    logged_in.add(responses.GET, api.url("Balance/"), status=500)
    logged_in.add(responses.GET, api.url("Balance/"), body=b"5")
    assert str(client.balance().amount) == "5"
    assert sms_sleeps == [0.5, 1.0]


@pytest.mark.parametrize("body", [b"", b"not json", b"{\"State\": }", b"\x00\xff"])
def test_garbage_is_invalid_response_keeping_the_body(client, logged_in, api, body):
    logged_in.add(responses.GET, api.url("State/"), body=body)
    with pytest.raises(InvalidResponse) as caught:
        client.status("1")
    assert caught.value.body is not None
