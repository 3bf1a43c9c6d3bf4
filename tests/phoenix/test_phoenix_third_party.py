"""A third-party client, written from the Phoenix document alone, against the simulator.

``PhoenixClient`` is plain ``requests`` code built from phoenix.txt (``?token=`` on every
request, ``POST /sms-api/dispatches`` with a JSON body, ``GET /sms-api/dispatches/{id}``,
``GET /sms-api/finance/balance`` and their answer examples), not from smsbridge's driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from smsbridge_phoenix.simulator import PhoenixSimulator

TOKEN = "token"
_DATE = re.compile(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d")


class PhoenixClient:
    """Dispatches and balance over the Phoenix SMS API."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url  # e.g. http://10.128.1.50:7890
        self.token = token

    def _call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(method, f"{self.base_url}/sms-api/{path}",
                                params={"token": self.token}, json=body, timeout=5)

    def create(self, message: str, phones: list[str], date_send: str | None = None) -> int:
        body: dict[str, Any] = {"message": message, "phonesList": phones}
        if date_send is not None:
            body["dateSend"] = date_send  # DD.MM.YYYY hh:mm:ss
        answer = self._call("POST", "dispatches", body)
        answer.raise_for_status()
        return int(answer.json())  # the body is the new dispatch id: 1

    def dispatch(self, dispatch_id: int) -> dict[str, Any]:
        answer = self._call("GET", f"dispatches/{dispatch_id}")
        answer.raise_for_status()
        return dict(answer.json())

    def balance(self) -> dict[str, Decimal]:
        answer = self._call("GET", "finance/balance")
        answer.raise_for_status()
        return {k: Decimal(str(v)) for k, v in answer.json().items()
                if isinstance(v, (int, float))}


@pytest.fixture
def sim() -> PhoenixSimulator:
    return PhoenixSimulator(token=TOKEN, balance=Decimal("42.0"), price=Decimal("1.5"),
                            undeliverable={"380719999999"})


@pytest.fixture
def url(sim: PhoenixSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base.rstrip("/")


@pytest.fixture
def client(url: str) -> PhoenixClient:
    return PhoenixClient(url, TOKEN)


def test_a_dispatch_is_created_and_moves_to_closed(client: PhoenixClient,
                                                   sim: PhoenixSimulator) -> None:
    dispatch_id = client.create("test", ["380710000000", "719999998"])

    assert dispatch_id == 1
    seen = [client.dispatch(dispatch_id) for _ in range(3)]
    assert [s["status"] for s in seen] == ["IN_QUEUE", "ACTIVE", "CLOSED"]
    first, last = seen[0], seen[-1]
    assert set(first) == {"idDispatch", "dateSend", "dateToClose", "status", "messagesCount",
                          "messagesSent", "messagesDelivered", "comment", "text",
                          "dispatchSource"}
    assert (first["idDispatch"], first["text"], first["dispatchSource"]) == (1, "test", "API")
    assert _DATE.fullmatch(first["dateSend"]) and _DATE.fullmatch(first["dateToClose"])
    assert (last["messagesCount"], last["messagesSent"], last["messagesDelivered"]) == (2, 2, 2)
    assert [(m.recipient, m.text, m.provider_id, m.state) for m in sim.ledger()] == [
        ("380710000000", "test", "1", "delivered"), ("719999998", "test", "1", "delivered")]


def test_an_undeliverable_phone_is_not_counted_delivered(client: PhoenixClient) -> None:
    dispatch_id = client.create("test", ["380710000000", "380719999999"])

    last = [client.dispatch(dispatch_id) for _ in range(3)][-1]

    assert (last["status"], last["messagesSent"], last["messagesDelivered"]) == ("CLOSED", 2, 1)


def test_balance_answers_the_documented_decimals(client: PhoenixClient) -> None:
    assert client.balance()["balance"] == Decimal("42.0")

    client.create("test", ["380710000000", "380710000001"])  # 2 phones x 1.5

    balance = client.balance()
    assert (balance["balance"], balance["beginningPeriodBalance"]) == (Decimal("39.0"),
                                                                       Decimal("42.0"))
    assert balance["currentFees"] == Decimal("3.0")
    assert set(balance) == {"balance", "beginningPeriodBalance", "limit", "currentPayments",
                            "currentFees"}


def test_a_missing_dispatch_is_404_dispatch_not_found(url: str) -> None:
    answer = requests.get(f"{url}/sms-api/dispatches/2", params={"token": TOKEN}, timeout=5)

    assert answer.status_code == 404
    assert answer.json() == {"code": "DISPATCH_NOT_FOUND", "message": "Рассылка 2 не найдена"}


def test_a_bad_phone_is_400_invalid_format(url: str, sim: PhoenixSimulator) -> None:
    answer = requests.post(f"{url}/sms-api/dispatches", params={"token": TOKEN},
                           json={"message": "test", "phonesList": ["1234567"]}, timeout=5)

    assert answer.status_code == 400
    assert answer.json() == {
        "code": "INVALID_FORMAT",
        "message": "Телефонный номер 1234567 должен быть в формате 38071xxxxxxx либо 71xxxxxxx"}
    assert sim.ledger() == []


def test_the_documents_own_request_example_is_accepted(client: PhoenixClient,
                                                       sim: PhoenixSimulator) -> None:
    # phoenix.txt lines 278-282, answered with the dispatch id (line 298).
    dispatch_id = client.create("test", ["0710000000", "8071999999"], "02.11.2099 11:12:33")

    assert client.dispatch(dispatch_id)["status"] == "IN_QUEUE"
    assert [(m.text, m.state) for m in sim.ledger()] == [("test", "queued")] * 2
