"""The KetchUp simulator answers as the platform does (issue 18), requests from the document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

import smsbridge
from smsbridge.errors import InvalidRecipient
from smsbridge_ketchup.simulator import KetchupSimulator
from tests.ketchup.conftest import BASE

HEADERS = {"X-API-KEY": "demo-key"}
#: The document's single-SMS request ("JSON Body RAW"), without its placeholder send_time.
SINGLE_SMS: dict[str, Any] = {"originator": "test", "body": "test sms", "validity": 72,
                              "tariff": 9, "destination": "phone", "msisdn": "380972000000",
                              "reference": "12erdgm9"}
#: The document's Viber request, without its placeholder scheduledDatetime.
VIBER: dict[str, Any] = {
    "tariff": 9, "validity": 24,
    "messages": [{
        "to": [{"msisdn": "380972920283", "external_id": "example_12"},
               {"msisdn": "380972920282", "external_id": "example_13"}],
        "text": "My Viber messages is shinier than your SMS messages",
        "callback_url": "https://my-cool-webpage.com/viber-dlr",
        "alpha_name": "My Company", "is_promotional": False,
        "options": {"viber": {"img": "http://my-cool-webpage.com/logo.png",
                              "caption": "Join us!", "action": "http://my-cool-webpage.com"}},
    }],
}


@pytest.fixture
def served() -> Iterator[str]:
    with KetchupSimulator().serve() as url:
        yield f"{url}/rest"


def _post(url: str, **options: Any) -> Any:
    return requests.post(url, headers=HEADERS, timeout=5, **options).json()


def test_a_single_sms_is_answered_inside_result(served: str) -> None:
    assert _post(f"{served}/sms/create", json=SINGLE_SMS) == {"result": {
        "error": 0, "errorDescription": "No errors", "id": "22125", "reference": "12erdgm9",
        "price": 0.02, "currency": "EUR"}}


def test_a_refused_single_sms_is_a_failed_message_not_a_refused_request(served: str) -> None:
    answer = _post(f"{served}/sms/create", json={**SINGLE_SMS, "msisdn": "3809720"})
    assert answer == {"result": {"error": 21, "errorDescription": "Incorrect msisdn",
                                 "reference": "12erdgm9"}}


def test_the_driver_reads_a_refused_single_sms_as_a_refusal(
        client: smsbridge.Client, mocked: responses.RequestsMock) -> None:
    # The message was not accepted: the same InvalidRecipient as the document's form.
    mocked.post(f"{BASE}/sms/create",
              json={"result": {"error": 21, "errorDescription": "Incorrect msisdn"}})
    with pytest.raises(InvalidRecipient) as caught:
        client.send("380972000000", "test sms")
    assert (caught.value.code, caught.value.description) == ("21", "Incorrect msisdn")


def test_validity_given_as_a_string_is_accepted(served: str) -> None:
    answer = _post(f"{served}/sms/create", json={**SINGLE_SMS, "validity": "72"})
    assert answer["result"]["error"] == 0
    assert _post(f"{served}/viber/create", json={**VIBER, "validity": "24"})["result"][0][
        "error"] == 0


def test_the_text_is_checked_before_the_originator(served: str) -> None:
    answer = _post(f"{served}/sms/create", json={**SINGLE_SMS, "body": "", "originator": "A" * 15})
    assert answer == {"error": "26", "errorDescription": "Empty or too long text"}


def test_a_viber_send_is_answered_in_result(served: str) -> None:
    assert _post(f"{served}/viber/create", json=VIBER) == {
        "result": [
            {"error": 0, "errorDescription": "No errors", "id": "22125",
             "reference": "example_12", "price": 0.01, "currency": "EUR"},
            {"error": 0, "errorDescription": "No errors", "id": "22126",
             "reference": "example_13", "price": 0.01, "currency": "EUR"},
        ],
        "currency": "EUR", "total_price": 0.02}


def test_an_empty_viber_list_is_refused_with_44(served: str) -> None:
    expected = {"error": "44", "errorDescription": "Invalid request payload"}
    assert _post(f"{served}/viber/create", json={**VIBER, "messages": []}) == expected
    empty_to = {**VIBER, "messages": [{**VIBER["messages"][0], "to": []}]}
    assert _post(f"{served}/viber/create", json=empty_to) == expected


def test_a_single_hlr_is_answered_as_a_list(served: str) -> None:
    files = {"msisdn": (None, "380505142320"), "reference": (None, "sendHLR0407")}
    assert _post(f"{served}/hlr/create", files=files) == {
        "result": [{"error": 0, "errorDescription": "No errors", "msisdn": "380505142320",
                    "reference": "sendHLR0407", "tariff_code": "0", "callback_url": "",
                    "price": 0.002, "currency": "EUR", "id": "22125"}],
        "total_price": 0.002, "currency": "EUR"}


def test_hlr_create_takes_the_json_body_raw_and_a_duplicate_gets_63(served: str) -> None:
    body = [{"msisdn": "380972920000", "reference": "extid13423now"},
            {"msisdn": "380972920000", "reference": "extid13425"}]
    first = _post(f"{served}/hlr/create", json=body)
    assert [(r["reference"], r["id"], r["error"]) for r in first["result"]] == [
        ("extid13423now", "22125", 0), ("extid13425", "22126", 0)]
    again = _post(f"{served}/hlr/create", json=body[:1])
    assert again["result"] == [{"reference": "extid13423now", "error": "63",
                                "errorDescription": "HLR already exists", "id": "22125"}]


def test_the_api_root_is_an_unsupported_function_not_a_server_error(served: str) -> None:
    answer = requests.get(f"{served}/", headers=HEADERS, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"error": "4", "errorDescription": "Function is not supported"}
