"""Error codes: every documented code mapped, the body's code trusted over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    ProviderError,
    RateLimited,
)
from smsbridge.testing.fixtures import Wire
from smsbridge_devino import PROVIDER_ERRORS
from smsbridge_devino.simulator import HTTP_STATUS

# Codes 3 and 4 mean "log in again" on a call made with a session; the balance call is
# then repeated once with a new session and the same answer comes back.
SESSION_CODES = {3, 4}


@pytest.mark.parametrize("code", sorted(PROVIDER_ERRORS))
def test_every_documented_code_maps_through_the_table(client: smsbridge.Client, api: Any,
                                                      code: int, sms_wire: Wire) -> None:
    api.add_login()
    body = json.dumps({"Code": code, "Desc": "Some failure"}).encode()
    api.add("GET", "User/Balance", body=body, status=HTTP_STATUS[code])
    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert type(caught.value) is PROVIDER_ERRORS[code]
    assert caught.value.code == str(code)
    assert caught.value.description == "Some failure"
    assert caught.value.provider == "devino"
    assert len(sms_wire.to("/rest/user/sessionid")) == (2 if code in SESSION_CODES else 1)


def test_the_table_is_the_documented_one() -> None:
    assert set(PROVIDER_ERRORS) == set(range(1, 10))
    assert PROVIDER_ERRORS[3] is AuthError
    assert PROVIDER_ERRORS[4] is AuthError
    assert PROVIDER_ERRORS[5] is InsufficientFunds
    assert PROVIDER_ERRORS[7] is AuthError
    assert PROVIDER_ERRORS[8] is ProviderError
    assert PROVIDER_ERRORS[9] is ProviderError


@pytest.mark.parametrize("body, status, error", [
    (b'{"Code":5,"Desc":"Not enough credits"}', 200, InsufficientFunds),  # code beats 200
    (b'{"Code":"5","Desc":"Not enough credits"}', 400, InsufficientFunds),  # code as text
    (b'{"code":7,"desc":"Forbidden"}', 403, AuthError),  # lower-case keys
    (b'{"Code":6,"Desc":"Invalid source address"}', 400, InvalidSender),
    (b'{"Code":2,"Desc":"Invalid destination address"}', 400, InvalidRecipient),
    (b'{"Code":9,"Desc":"Login or Password incorrect"}', 400, AuthError),
    (b'{"Code":123,"Desc":"test error"}', 400, ProviderError),  # undocumented code
    (b'{ Code: 5, Desc: "Not enough credits" }', 403, InsufficientFunds),  # as documented
])
def test_concrete_mappings(client: smsbridge.Client, api: Any, body: bytes, status: int,
                           error: type[ProviderError]) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=body, status=status)
    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert type(caught.value) is error
    assert caught.value.http_status == status


def test_documented_statistics_error(client: smsbridge.Client, api: Any) -> None:
    from datetime import datetime, timedelta, timezone

    api.add_login()
    api.add("GET", "Sms/Statistics", payload="error-statistics-range.txt", status=400)
    end = datetime.now(timezone.utc)
    with pytest.raises(ProviderError) as caught:
        client.report(end - timedelta(days=30), end)
    assert caught.value.code == "2"
    assert caught.value.description == "Нельзя указывать диапазон дат более 90 дней."


@pytest.mark.parametrize("status, error", [
    (401, AuthError), (403, AuthError), (404, ProviderError), (429, RateLimited),
    (500, ProviderError), (503, ProviderError),
])
def test_http_errors_without_a_code(client: smsbridge.Client, api: Any, status: int,
                                    error: type[ProviderError]) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=b"<html>error</html>", status=status)
    with pytest.raises(error) as caught:
        client.balance()
    assert caught.value.http_status == status
    assert caught.value.code is None


def test_http_error_with_json_but_no_code(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=b'{"Message": "An error has occurred."}', status=500)
    with pytest.raises(ProviderError) as caught:
        client.balance()
    assert caught.value.http_status == 500


def test_reads_are_retried_after_5xx(client: smsbridge.Client, api: Any,
                                     sms_sleeps: list[float], sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=b"", status=503)
    api.add("GET", "User/Balance", body=b"", status=502)
    api.add("GET", "User/Balance", payload="balance.json")
    assert str(client.balance().amount) == "1250.75"
    assert len(sms_wire.to("/rest/User/Balance")) == 3
    assert len(sms_sleeps) == 2


def test_garbage_with_200_is_invalid_response(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "User/Balance", body=b"<html>maintenance</html>")
    with pytest.raises(InvalidResponse) as caught:
        client.balance()
    assert caught.value.body == "<html>maintenance</html>"
