"""Balance: GET /sms-api/finance/balance on the wire and its parsing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.errors import AuthError, InvalidResponse
from smsbridge.testing.fixtures import Wire


def test_balance_of_the_document_example(client: smsbridge.Client,
                                         mocked: responses.RequestsMock, api: Any,
                                         sms_wire: Wire) -> None:
    mocked.get(api.url("finance/balance"), body=api.payload("balance.json"),
               content_type="application/json")

    balance = client.balance()

    request = sms_wire[0]
    assert request.method == "GET"
    assert request.path == "/sms-api/finance/balance"
    assert request.query_pairs == [("token", api.token)]
    assert balance.amount == Decimal("42.0")
    assert balance.credit_limit == Decimal("200.0")
    assert balance.currency is None
    assert balance.raw["beginningPeriodBalance"] == 66.0
    assert balance.raw["limit"] == 100.0
    assert balance.raw["currentPayments"] == 200.0
    assert balance.raw["currentFees"] == 100.0
    assert balance.raw["creditLimit"]["dateEnd"] == "01.02.2019"


def test_strings_and_an_empty_credit_limit(client: smsbridge.Client,
                                           mocked: responses.RequestsMock, api: Any) -> None:
    mocked.get(api.url("finance/balance"), body=api.payload("balance-strings-no-credit.json"))

    balance = client.balance()

    assert balance.amount == Decimal("1234.50")
    assert balance.credit_limit is None


def test_null_credit_limit(client: smsbridge.Client, mocked: responses.RequestsMock,
                           api: Any) -> None:
    mocked.get(api.url("finance/balance"),
               json={"balance": -5, "beginningPeriodBalance": 0, "limit": 0, "creditLimit": None,
                     "currentPayments": 0, "currentFees": 5})

    balance = client.balance()

    assert balance.amount == Decimal("-5")
    assert balance.credit_limit is None


@pytest.mark.parametrize("body", [
    "garbage",
    "[]",
    '{"beginningPeriodBalance": 1}',
    '{"balance": null}',
    '{"balance": "lots"}',
    '{"balance": 1, "creditLimit": 5}',
    '{"balance": 1, "currentFees": "x"}',
])
def test_unreadable_balances(client: smsbridge.Client, mocked: responses.RequestsMock,
                             api: Any, body: str) -> None:
    mocked.get(api.url("finance/balance"), body=body)

    with pytest.raises(InvalidResponse) as caught:
        client.balance()
    assert caught.value.body == body


def test_blocked_account_is_an_auth_error(client: smsbridge.Client,
                                          mocked: responses.RequestsMock, api: Any) -> None:
    mocked.get(api.url("finance/balance"), status=403, body="")

    with pytest.raises(AuthError) as caught:
        client.balance()
    assert caught.value.http_status == 403
    assert len(mocked.calls) == 1
