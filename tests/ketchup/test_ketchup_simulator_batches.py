"""The KetchUp simulator's many-item sends: a refused item is an error row of the answer,
the money is checked for the whole request and charged for the accepted items."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from smsbridge_ketchup.simulator import KetchupSimulator

HEADERS = {"X-API-KEY": "demo-key"}


@pytest.fixture
def sim() -> KetchupSimulator:
    return KetchupSimulator(balance=Decimal("1"), absent={"380972000097"})


@pytest.fixture
def served(sim: KetchupSimulator) -> Iterator[str]:
    with sim.serve() as url:
        yield f"{url}/rest"


def _post(url: str, **options: Any) -> Any:
    return requests.post(url, headers=HEADERS, timeout=5, **options).json()


def _phone(msisdn: str, reference: str, body: str = "hi") -> dict[str, str]:
    return {"msisdn": msisdn, "reference": reference, "originator": "ACME", "body": body}


def test_many_numbers_answer_each_refused_one_as_a_row_and_charge_the_others(
        sim: KetchupSimulator, served: str) -> None:
    first = {"destination": "phone", **_phone("380972000001", "first1")}
    assert _post(f"{served}/sms/create", json=first)["result"]["error"] == 0
    phones = [_phone("380972000002", "a1"), _phone("3809", "a2"),
              _phone("380972000003", "bad ref"), _phone("380972000004", "first1"),
              _phone("380972000002", "a5"), _phone("380972000006", "a1"),
              _phone("380972000007", "a7", "x" * 200)]
    answer = _post(f"{served}/sms/create", json={"destination": "individual", "phones": phones})
    assert answer == {"result": [
        {"reference": "a1", "id": "22126", "error": "0", "price": "0.02", "currency": "EUR"},
        {"reference": "a2", "error": "11", "errorDescription": "Incorrect msisdn"},
        {"reference": "bad ref", "error": "27", "errorDescription": "Invalid external id"},
        {"reference": "first1", "error": "23", "errorDescription": "SMS already exists"},
        {"reference": "a5", "error": "31",
         "errorDescription": "Phone already present in the send"},
        {"reference": "a1", "error": "23", "errorDescription": "SMS already exists"},
        {"reference": "a7", "id": "22127", "error": "0", "price": "0.04", "currency": "EUR"},
    ], "error": "0", "totalprice": "0.06", "currency": "EUR", "task_id": "21902"}
    assert sim.account.balance == Decimal("0.92")
    assert [(m.recipient, m.provider_id, m.reference) for m in sim.ledger()] == [
        ("380972000001", "22125", "first1"), ("380972000002", "22126", "a1"),
        ("380972000007", "22127", "a7")]


def test_many_numbers_are_refused_when_the_new_ones_cost_more_than_the_balance(
        sim: KetchupSimulator, served: str) -> None:
    # The good number alone would be paid for: the money is checked before the numbers.
    sim.set_balance("0.02")
    phones = [_phone("380972000002", "b1"), _phone("3809", "b2")]
    answer = _post(f"{served}/sms/create", json={"destination": "individual", "phones": phones})
    assert answer == {"error": "8", "errorDescription": "Not enough money"}
    assert (sim.account.balance, sim.ledger()) == (Decimal("0.02"), [])


def test_viber_rows_carry_numeric_codes_and_a_missing_reference_is_made_up(
        sim: KetchupSimulator, served: str) -> None:
    to = [{"msisdn": "380972000010", "reference": "v1"}, {"msisdn": "38097", "reference": "v2"},
          {"msisdn": "380972000011"}, {"msisdn": "380972000012", "reference": "v1"}]
    body = {"messages": [{"to": to, "text": "viber", "alpha_name": "ACME"}]}
    assert _post(f"{served}/viber/create", json=body) == {"result": [
        {"error": 0, "errorDescription": "No errors", "id": "22125", "reference": "v1",
         "price": 0.01, "currency": "EUR"},
        {"reference": "v2", "error": 11, "errorDescription": "Incorrect msisdn"},
        {"error": 0, "errorDescription": "No errors", "id": "22127", "reference": "auto22126",
         "price": 0.01, "currency": "EUR"},
        {"reference": "v1", "error": 43, "errorDescription": "Viber message already exists"},
    ], "currency": "EUR", "total_price": 0.02}
    assert sim.account.balance == Decimal("0.98")


def test_a_viber_text_that_is_no_string_is_refused_with_46(
        sim: KetchupSimulator, served: str) -> None:
    body = {"messages": [{"to": [{"msisdn": "380972000010"}], "text": 5, "alpha_name": "ACME"}]}
    assert _post(f"{served}/viber/create", json=body) == {
        "error": "46", "errorDescription": "Empty or too long text"}
    assert sim.ledger() == []


def test_hlr_rows_name_the_existing_request_of_a_repeated_reference(
        sim: KetchupSimulator, served: str) -> None:
    body = [{"msisdn": "380972000020", "reference": "h1"}, {"msisdn": "3809", "reference": "h2"},
            {"msisdn": "380972000097", "reference": "h3"}, {"msisdn": "380972000021"},
            {"msisdn": "380972000022", "reference": "h1"}, {"msisdn": "38", "reference": "h3"}]
    accepted = {"errorDescription": "No errors", "tariff_code": "0", "callback_url": "",
                "price": 0.002, "currency": "EUR"}
    assert _post(f"{served}/hlr/create", data=json.dumps(body)) == {"result": [
        {"error": 0, "msisdn": "380972000020", "reference": "h1", "id": "22125", **accepted},
        {"reference": "h2", "error": "11", "errorDescription": "Incorrect msisdn"},
        {"error": 0, "msisdn": "380972000097", "reference": "h3", "id": "22126", **accepted},
        {"reference": None, "error": "62", "errorDescription": "HLR external id is missing"},
        {"reference": "h1", "error": "63", "errorDescription": "HLR already exists",
         "id": "22125"},
        {"reference": "h3", "error": "11", "errorDescription": "Incorrect msisdn",
         "id": "22126"},
    ], "total_price": 0.004, "currency": "EUR"}
    assert sim.account.balance == Decimal("0.996")
    answer = requests.get(f"{served}/hlr/reference/h3", headers=HEADERS, timeout=5).json()
    assert {k: answer[k] for k in ("id", "msisdn", "network", "status", "details")} == {
        "id": "22126", "msisdn": "380972000097", "network": "unknown", "status": "absent",
        "details": {"ported": "0", "roaming": "0"}}
    assert len(sim.hlrs) == 2


def test_hlr_money_is_checked_for_every_number_of_the_request(
        sim: KetchupSimulator, served: str) -> None:
    _post(f"{served}/hlr/create", data=json.dumps([{"msisdn": "380972000020", "reference": "h1"}]))
    sim.set_balance("0.002")
    # The repeat would cost nothing, but the platform counts it.
    body = [{"msisdn": "380972000021", "reference": "h2"},
            {"msisdn": "380972000020", "reference": "h1"}]
    assert _post(f"{served}/hlr/create", data=json.dumps(body)) == {
        "error": "8", "errorDescription": "Not enough money"}
    assert (sim.account.balance, len(sim.hlrs)) == (Decimal("0.002"), 1)


def test_answers_are_text_json_with_non_ascii_escaped_as_php_does(served: str) -> None:
    first = {"destination": "phone", **_phone("380972000001", "first1", "Привет")}
    _post(f"{served}/sms/create", json=first)
    key = _post(f"{served}/stat/create", json={"message_id": [22125]})["key"]
    url = f"{served}/stat/file/id/{key}/format/json"
    not_ready = requests.get(url, headers=HEADERS, timeout=5).json()
    assert not_ready == {"error": "91", "errorDescription": "File not ready"}
    answer = requests.get(url, headers=HEADERS, timeout=5)
    assert answer.headers["Content-Type"] == "text/json"
    assert b'"body": "\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442"' in answer.content


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/sms/prices/²", None, {"error": "6", "errorDescription": "Invalid tariff code"}),
    ("/sms/create", {"destination": "phone", "validity": "²", **_phone("380972000001", "r1")},
     {"error": "28", "errorDescription": "Invalid validity"}),
])
def test_digits_int_cannot_read_are_refused_not_a_server_error(
        served: str, path: str, body: Any, expected: dict[str, str]) -> None:
    method = "GET" if body is None else "POST"
    answer = requests.request(method, served + path, headers=HEADERS, json=body, timeout=5)
    assert (answer.status_code, answer.json()) == (200, expected)
