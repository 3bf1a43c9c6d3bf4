"""Account and number information: /api/info (balance, prices) and /api/def (lookup)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
import responses

import smsbridge
from smsbridge.errors import (
    AuthError,
    InvalidRecipient,
    InvalidResponse,
    NotFound,
    ProviderError,
    ValidationError,
)
from smsbridge.testing.fixtures import Wire
from smsbridge_nikita.errors import INFO_ERRORS, LOOKUP_ERRORS

INFO = "https://nikita.test/api/info"
DEF = "https://nikita.test/api/def"
Payload = Callable[..., bytes]


# -- info -------------------------------------------------------------------------------


def test_balance_request_and_doc_answer(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(INFO, body=payload("info-doc.xml"))

    balance = client.balance()

    request = sms_wire[0]
    assert request.method == "POST" and request.url == INFO
    assert b'<info xmlns="http://Giper.mobi/schema/Info">' in request.body
    assert request.xml() == {"info": {"login": "acme", "pwd": "s3cret-pw"}}
    assert balance.amount == Decimal("20123.12")
    assert balance.currency is None and balance.credit_limit is None
    assert balance.raw == {"status": "0", "state": "0", "account": "20123.12",
                           "smsprice": "0.50"}


def test_inactive_account_still_reports_its_money_and_warns(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mocked.post(INFO, body=payload("info-inactive-no-namespace.xml"))
    mocked.post(INFO, body=payload("info-inactive-no-namespace.xml"))
    caplog.set_level(logging.WARNING, logger="smsbridge")

    balance = client.balance()

    assert balance.amount == Decimal("15.00") and balance.raw["state"] == "1"
    assert "inactive or blocked" in caplog.text
    assert client.driver.account_active() is False  # type: ignore[attr-defined]


def test_account_active_extra(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(INFO, body=payload("info-doc.xml"))

    assert client.driver.account_active() is True  # type: ignore[attr-defined]


def test_prices_are_the_per_sms_price(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(INFO, body=payload("info-doc.xml"))
    mocked.post(INFO, body=payload("info-doc.xml"))

    prices = client.prices()
    sms_only = client.prices(channel="sms")

    assert len(prices) == 1
    assert prices[0].channel == "sms" and prices[0].price == Decimal("0.50")
    assert prices[0].currency is None and prices[0].country is None
    assert sms_only == prices


def test_prices_for_other_channels_are_empty_without_a_request(
    client: smsbridge.Client,
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        assert client.prices(channel="viber") == []
        with pytest.raises(ValidationError):
            client.prices(country="KG")
        assert len(mock.calls) == 0


@pytest.mark.parametrize(("code", "error"), sorted(INFO_ERRORS.items()))
def test_every_info_status_maps_to_its_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    code: int, error: type[ProviderError],
) -> None:
    mocked.post(INFO, body=payload("info-status.xml", status=code))

    with pytest.raises(error) as caught:
        client.balance()

    assert type(caught.value) is error and caught.value.code == str(code)


def test_wrong_password_is_an_auth_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(INFO, body=payload("info-status.xml", status=2))

    with pytest.raises(AuthError) as caught:
        client.prices()

    assert caught.value.description == "wrong login or password"
    assert caught.value.operation == "prices"


@pytest.mark.parametrize(
    "body",
    [b"<response><status>0</status><state>0</state></response>",
     b"<response><status>0</status><account>12,5,0</account><smsprice>1</smsprice></response>",
     b"{\"status\": 0}"],
)
def test_unreadable_info_answers_raise_invalid_response(
    client: smsbridge.Client, mocked: responses.RequestsMock, body: bytes,
) -> None:
    mocked.post(INFO, body=body)

    with pytest.raises(InvalidResponse):
        client.balance()


def test_numbers_given_as_numbers_with_spaces_are_read(
    client: smsbridge.Client, mocked: responses.RequestsMock,
) -> None:
    mocked.post(INFO, body=b"<response><status> 0 </status><state>0</state>"
                         b"<account>1 500,25</account><smsprice>1</smsprice></response>")

    assert client.balance().amount == Decimal("1500.25")


# -- def --------------------------------------------------------------------------------


def test_lookup_request_and_doc_answer(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(DEF, body=payload("def-doc.xml"))

    found = client.lookup("+996 550 123 456")

    request = sms_wire[0]
    assert request.method == "POST" and request.url == DEF
    assert b'<def xmlns="http://Giper.mobi/schema/PhoneDEF">' in request.body
    assert request.xml("phone") == {"def": {"login": "acme", "pwd": "s3cret-pw",
                                            "phone": ["996550123456"]}}
    assert found.msisdn == "996550123456"
    assert found.region == "Бишкек , Бишкек"
    assert found.operator == "MegaCom"
    assert found.utc_offset == 6
    assert found.raw["timezone"] == "6"


def test_unknown_timezone_is_none(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(DEF, body=payload("def-unknown-timezone.xml"))

    found = client.lookup("996510123456")

    assert found.utc_offset is None and found.region is None and found.operator == "Katel"


@pytest.mark.parametrize(("code", "error"), sorted(LOOKUP_ERRORS.items()))
def test_every_def_status_maps_to_its_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    code: int, error: type[ProviderError],
) -> None:
    mocked.post(DEF, body=payload("def-status.xml", status=code))

    with pytest.raises(error) as caught:
        client.lookup("996550123456")

    assert type(caught.value) is error and caught.value.operation == "lookup"


def test_concrete_def_errors(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    for code in (2, 3, 4):
        mocked.post(DEF, body=payload("def-status.xml", status=code))
    for error in (AuthError, InvalidRecipient, NotFound):
        with pytest.raises(error):
            client.lookup("996550123456")


def test_lookup_garbage_timezone_is_invalid_response(
    client: smsbridge.Client, mocked: responses.RequestsMock,
) -> None:
    mocked.post(DEF, body=b"<response><status>0</status><timezone>GMT+6</timezone></response>")

    with pytest.raises(InvalidResponse):
        client.lookup("996550123456")


def test_unsupported_operations(client: smsbridge.Client) -> None:
    for operation in ("hlr", "hlr_result", "report", "inbox"):
        assert not client.supports(operation)
    with pytest.raises(smsbridge.NotSupported):
        client.hlr("996550123456")
