"""A third-party client, written from the KetchUp document alone, against the simulator.

``KetchupClient`` is plain ``requests`` code built from ketchup.txt (``X-API-KEY`` header,
JSON bodies to ``/rest/{module}/{functionName}``, the ``"destination"`` send forms, status
by id and by reference, the task and price calls, HLR create with the "JSON Body RAW"
array): their literal field names and answer examples, not smsbridge's driver. KetchUp
has no balance call; prices stand in for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from smsbridge_ketchup.simulator import KetchupSimulator

KEY = "live_qwefqw41234"


class KetchupClient:
    """SMS, prices and HLR over api.smsketchuployalty.com.ua/rest."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url  # e.g. https://api.smsketchuployalty.com.ua/rest
        self.headers = {"X-API-KEY": api_key}

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        answer = requests.request(method, f"{self.base_url}/{path}", json=body,
                                  headers=self.headers, timeout=5)
        answer.raise_for_status()
        return dict(answer.json())

    def send(self, msisdn: str, reference: str, originator: str, body: str,
             validity: int | str = 72) -> dict[str, Any]:
        answer = self._call("PUT", "sms/create", {
            "originator": originator, "body": body, "validity": validity, "tariff": 9,
            "destination": "phone", "msisdn": msisdn, "reference": reference})
        # The document shows the answer flat; vendor SDKs read it under "result".
        result = answer.get("result")
        return dict(result) if isinstance(result, dict) else answer

    def send_many(self, phones: dict[str, str], originator: str, body: str) -> dict[str, Any]:
        return self._call("PUT", "sms/create", {
            "destination": "phones", "originator": originator, "body": body,
            "phones": [{"msisdn": m, "reference": r} for m, r in phones.items()],
            "validity": 72, "tariff": 9})

    def status(self, message_id: str) -> dict[str, Any]:
        return self._call("GET", f"sms/{message_id}")

    def status_by_reference(self, reference: str) -> dict[str, Any]:
        return self._call("GET", f"sms/reference/{reference}")

    def task(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"sms/task/{task_id}")

    def prices(self, tariff: int = 0) -> dict[str, Any]:
        return self._call("GET", f"sms/prices/{tariff}")

    def price(self, msisdn: str, originator: str, body: str) -> dict[str, Any]:
        return self._call("PUT", "sms/price", {
            "originator": originator, "body": body, "destination": "phone",
            "msisdn": msisdn, "reference": "price0"})

    def hlr_create(self, requests_: list[dict[str, Any]]) -> dict[str, Any]:
        # "JSON Body RAW": the array itself is the request body.
        return self._call("PUT", "hlr/create", requests_)

    def hlr(self, hlr_id: str) -> dict[str, Any]:
        return self._call("GET", f"hlr/{hlr_id}")


@pytest.fixture
def sim() -> KetchupSimulator:
    return KetchupSimulator(keys={KEY: Decimal("10")}, undeliverable=["380972000002"])


@pytest.fixture
def url(sim: KetchupSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base.rstrip("/") + "/rest"


@pytest.fixture
def client(url: str) -> KetchupClient:
    return KetchupClient(url, KEY)


def test_a_single_sms_answers_id_reference_and_price(client: KetchupClient,
                                                     sim: KetchupSimulator) -> None:
    answer = client.send("380972000000", "12erdgm9", "test", "test sms")

    assert str(answer["error"]) == "0"
    assert re.fullmatch(r"\d+", answer["id"])
    assert (answer["reference"], Decimal(str(answer["price"])), answer["currency"]) == (
        "12erdgm9", Decimal("0.02"), "EUR")
    assert [(m.recipient, m.text, m.provider_id, m.reference, m.state)
            for m in sim.ledger()] == [
        ("380972000000", "test sms", answer["id"], "12erdgm9", "queued")]


def test_status_by_id_and_by_reference_moves_to_delivered(client: KetchupClient,
                                                          sim: KetchupSimulator) -> None:
    message_id = client.send("380972000000", "12erdgm9", "test", "test sms")["id"]

    first = client.status(message_id)
    second = client.status_by_reference("12erdgm9")

    assert (first["status"], second["status"]) == ("sent", "delivered")
    assert (second["msisdn"], second["reference"]) == ("380972000000", "12erdgm9")
    assert set(second) >= {"error", "msisdn", "reference", "time_in", "time_sent", "time_dr",
                           "status", "price", "currency"}
    assert [m.state for m in sim.ledger()] == ["delivered"]


def test_many_phones_answer_a_result_per_phone_and_a_task(client: KetchupClient,
                                                          sim: KetchupSimulator) -> None:
    answer = client.send_many({"380972000001": "12erdgm9", "380972000002": "12erdgn0"},
                              "test", "test sms")

    assert str(answer["error"]) == "0"
    assert [(r["reference"], str(r["error"])) for r in answer["result"]] == [
        ("12erdgm9", "0"), ("12erdgn0", "0")]
    assert Decimal(str(answer["totalprice"])) == Decimal("0.04")
    ids = [r["id"] for r in answer["result"]]
    for message_id in ids:
        client.status(message_id)
        client.status(message_id)
    task = client.task(answer["task_id"])
    assert {k: str(task[k]) for k in ("sent", "delivered", "undeliverable")} == {
        "sent": "2", "delivered": "1", "undeliverable": "1"}
    assert [(m.recipient, m.provider_id, m.state) for m in sim.ledger()] == [
        ("380972000001", ids[0], "delivered"), ("380972000002", ids[1], "undelivered")]


def test_prices_stand_in_for_a_balance(client: KetchupClient, sim: KetchupSimulator) -> None:
    table = client.prices(9)
    quote = client.price("380972000000", "test", "x" * 161)

    assert str(table["error"]) == "0" and table["prices"]
    assert set(table["prices"][0]) == {"type", "country", "country_name", "mcc", "price",
                                       "currency"}
    assert table["prices"][0]["type"] == "sms"
    assert (Decimal(str(quote["totalprice"])), quote["currency"]) == (Decimal("0.04"), "EUR")
    assert sim.ledger() == []
    assert sim.account.balance == Decimal("10")


def test_an_unknown_sms_is_error_20(client: KetchupClient) -> None:
    assert client.status("999999") == {"error": "20", "errorDescription": "SMS not found"}


def test_a_wrong_key_is_error_1(url: str) -> None:
    answer = KetchupClient(url, "live_wrong").prices()

    assert str(answer["error"]) == "1"


def test_hlr_create_takes_the_json_body_raw_array(client: KetchupClient) -> None:
    # Lines 60-73 show the array as "JSON Body RAW"; vendor SDKs post it as the body.
    answer = client.hlr_create([
        {"msisdn": "380972920000", "reference": "extid13423now", "tariff": 9},
        {"msisdn": "380972920001", "reference": "extid13425", "tariff": 9}])

    assert [(r["reference"], str(r["error"])) for r in answer["result"]] == [
        ("extid13423now", "0"), ("extid13425", "0")]
    assert client.hlr(answer["result"][0]["id"])["msisdn"] == "380972920000"


def test_validity_as_a_string_is_accepted(client: KetchupClient,
                                          sim: KetchupSimulator) -> None:
    # A vendor SDK always sends validity as a string; the platform takes it.
    answer = client.send("380972000000", "12erdgm9", "test", "test sms", validity="72")

    assert str(answer["error"]) == "0"
    assert [m.reference for m in sim.ledger()] == ["12erdgm9"]
