"""Every documented error code maps to its smsbridge class; the body's code wins."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    NotFound,
    ProviderError,
    RateLimited,
)
from smsbridge_phoenix import PROVIDER_ERRORS

DOCUMENTED = {
    "ADDRESS_BOOK_NOT_FOUND": NotFound,
    "DISPATCH_NOT_FOUND": NotFound,
    "DISPATCH_CANCEL_NOT_FOUND": NotFound,
    "INVALID_FORMAT": InvalidRecipient,
    "INVALID_DISPATCH_DATE": ProviderError,
    "ARGUMENT_NOT_VALID": ProviderError,
    "DISPATCH_CAN_NOT_BE_CANCELED": ProviderError,
    "DISPATCH_CAN_NOT_BE_RUN": ProviderError,
}


def error_body(code: str, message: str = "описание") -> str:
    return json.dumps({"code": code, "message": message}, ensure_ascii=False)


def test_the_table_covers_every_documented_code() -> None:
    for code, error in DOCUMENTED.items():
        assert PROVIDER_ERRORS[code] is error, code
    assert PROVIDER_ERRORS["NOT_ENOUGH_MONEY"] is InsufficientFunds


@pytest.mark.parametrize("code, error", sorted(PROVIDER_ERRORS.items()))
@pytest.mark.parametrize("status", [400, 404])
def test_every_code_maps_through_the_table(client: smsbridge.Client,
                                           mocked: responses.RequestsMock, api: Any,
                                           code: str, error: type[ProviderError],
                                           status: int) -> None:
    mocked.get(api.url("finance/balance"), body=error_body(code), status=status)

    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.description == "описание"
    assert caught.value.http_status == status
    assert caught.value.provider == "phoenix"
    assert caught.value.operation == "balance"


def test_the_body_code_wins_over_a_200(client: smsbridge.Client, mocked: responses.RequestsMock,
                                       api: Any) -> None:
    mocked.get(api.url("dispatches/9"), body=error_body("DISPATCH_NOT_FOUND"), status=200)

    with pytest.raises(NotFound):
        client.status("9")


@pytest.mark.parametrize("status, error", [(400, ProviderError), (401, AuthError),
                                           (403, AuthError), (404, NotFound),
                                           (429, RateLimited), (500, ProviderError)])
def test_unknown_codes_fall_back_on_the_http_status(client: smsbridge.Client,
                                                    mocked: responses.RequestsMock, api: Any,
                                                    status: int,
                                                    error: type[ProviderError]) -> None:
    mocked.get(api.url("finance/balance"), body=error_body("USER_BLOCKED"), status=status)

    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert type(caught.value) is error
    assert caught.value.code == "USER_BLOCKED"


@pytest.mark.parametrize("status, error", [(401, AuthError), (403, AuthError),
                                           (404, NotFound), (402, InsufficientFunds)])
def test_http_errors_without_a_body(client: smsbridge.Client, mocked: responses.RequestsMock,
                                    api: Any, status: int, error: type[ProviderError]) -> None:
    mocked.get(api.url("finance/balance"), body="", status=status)

    with pytest.raises(error) as caught:
        client.balance()
    assert caught.value.code is None
    assert caught.value.http_status == status


def test_json_without_a_code_on_an_error_status(client: smsbridge.Client,
                                                mocked: responses.RequestsMock,
                                                api: Any) -> None:
    mocked.get(api.url("addressbooks"),
               json={"timestamp": "2020-09-07", "status": 401, "error": "Unauthorized"},
               status=401)

    with pytest.raises(AuthError):
        client.driver.address_books()  # type: ignore[attr-defined]


def test_secrets_stay_out_of_errors_and_logs(client: smsbridge.Client,
                                             mocked: responses.RequestsMock, api: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    echo = json.dumps({"code": "ARGUMENT_NOT_VALID",
                       "message": f"bad request /sms-api/dispatches?token={api.token}"})
    mocked.post(api.url("dispatches"), body=echo, status=400)

    with pytest.raises(ProviderError) as caught:
        client.send("380710000000", "hello")
    texts = [str(caught.value), repr(caught.value), str(caught.value.body), caplog.text]
    for text in texts:
        assert api.token not in text
