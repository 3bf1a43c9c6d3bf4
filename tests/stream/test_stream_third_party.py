"""A third-party client, written from the Stream Telecom document alone, against the simulator.

``StreamClient`` is plain ``requests`` code built from stream.txt (sections 3.1.1 session,
3.2.1 balance, 3.3.1/3.3.3 send, 3.3.5 state: their paths, parameter names, GET and POST
forms and answer examples), not from smsbridge's driver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from smsbridge_stream.simulator import StreamSimulator

LOGIN = "user"
PASSWORD = "userpasswd"
_DATE = re.compile(r"Date\((\d+)\)")


class StreamClient:
    """Session, balance, send and state over gateway.api.sc/rest."""

    def __init__(self, base_url: str, login: str, password: str) -> None:
        self.base_url = base_url  # e.g. https://gateway.api.sc/rest
        self.login, self.password = login, password
        self.session_id = ""

    def _call(self, method: str, path: str, **params: str) -> requests.Response:
        if method == "GET":
            answer = requests.get(f"{self.base_url}/{path}", params=params, timeout=5)
        else:
            answer = requests.post(f"{self.base_url}/{path}", data=params, timeout=5)
        return answer

    def connect(self, use_post: bool = False) -> str:
        answer = (self._call("POST", "Session/session.php", login=self.login,
                             password=self.password) if use_post else
                  self._call("GET", "Session/", login=self.login, password=self.password))
        answer.raise_for_status()
        self.session_id = answer.json()  # a JSON string: "967648e7c4bc8895182862a8f0490f5e"
        return self.session_id

    def balance(self) -> Decimal:
        answer = self._call("GET", "Balance/", sessionId=self.session_id)
        answer.raise_for_status()
        return Decimal(answer.text.strip())  # a bare number: 20015.3

    def send(self, sender: str, number: str, text: str, **extra: str) -> list[str]:
        answer = self._call("POST", "Send/SendSms/", sessionId=self.session_id,
                            sourceAddress=sender, destinationAddress=number, data=text, **extra)
        answer.raise_for_status()
        return list(answer.json())  # ["371324579"]

    def send_bulk(self, sender: str, numbers: list[str], text: str) -> list[str]:
        answer = self._call("POST", "Send/SendBulk/", sessionId=self.session_id,
                            sourceAddress=sender, destinationAddresses=",".join(numbers),
                            data=text)
        answer.raise_for_status()
        return list(answer.json())

    def state(self, message_id: str, use_post: bool = False) -> dict[str, Any]:
        answer = (self._call("POST", "State/state.php", sessionId=self.session_id,
                             messageId=message_id) if use_post else
                  self._call("GET", "State/", sessionId=self.session_id, messageId=message_id))
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        found = _DATE.search(state.get("ReportedDateUtc") or "")
        state["reported_ms"] = int(found.group(1)) if found else None
        state["price"] = Decimal(str(state["Price"]))
        return state


@pytest.fixture
def sim() -> StreamSimulator:
    return StreamSimulator(accounts={LOGIN: PASSWORD}, balance=Decimal("20015.3"),
                           failing_numbers=["79160000000"])


@pytest.fixture
def url(sim: StreamSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base.rstrip("/") + "/rest"


@pytest.fixture
def client(url: str) -> StreamClient:
    client = StreamClient(url, LOGIN, PASSWORD)
    client.connect()
    return client


def test_session_id_is_a_json_string_by_get_and_post(url: str, sim: StreamSimulator) -> None:
    client = StreamClient(url, LOGIN, PASSWORD)

    by_get, by_post = client.connect(), client.connect(use_post=True)

    assert re.fullmatch(r"[0-9a-f]{32}", by_get) and re.fullmatch(r"[0-9a-f]{32}", by_post)
    assert sim.logins == 2


def test_send_then_state_moves_from_sent_to_delivered(client: StreamClient,
                                                      sim: StreamSimulator) -> None:
    ids = client.send("SMS Info", "79001234567", "testdata", validity="10")

    assert len(ids) == 1 and ids[0].isdigit()
    first, second = client.state(ids[0]), client.state(ids[0], use_post=True)
    assert (first["State"], first["StateDescription"]) == (-1, "Sent")
    assert (second["State"], second["StateDescription"]) == (0, "Delivered")
    assert second["price"] == Decimal("0.5")
    assert second["reported_ms"] is not None and second["reported_ms"] > 1_000_000_000_000
    assert [(m.recipient, m.text, m.provider_id, m.state) for m in sim.ledger()] == [
        ("79001234567", "testdata", ids[0], "delivered")]


def test_an_undelivered_number_ends_in_state_42(client: StreamClient) -> None:
    message_id = client.send("SMS Info", "79160000000", "testdata")[0]

    states = [client.state(message_id)["State"] for _ in range(2)]

    assert states == [-1, 42]


def test_balance_is_a_bare_number_charged_per_part(client: StreamClient) -> None:
    assert client.balance() == Decimal("20015.3")

    client.send("SMS Info", "79001234567", "x" * 161)  # two parts at 0.5

    assert client.balance() == Decimal("20014.3")
    by_post = requests.post(f"{client.base_url}/Balance/balance.php",
                            data={"sessionId": client.session_id}, timeout=5)
    assert Decimal(by_post.text) == Decimal("20014.3")


def test_a_wrong_password_is_code_4_with_http_401(url: str) -> None:
    answer = requests.get(f"{url}/Session/", params={"login": LOGIN, "password": "nope"},
                          timeout=5)

    assert answer.status_code == 401
    assert answer.json()["Code"] == 4


def test_send_bulk_answers_a_json_list_of_ids(client: StreamClient,
                                              sim: StreamSimulator) -> None:
    ids = client.send_bulk("SMS Info", ["79001234567", "79101234778"], "testdata")

    assert len(ids) == 2 and all(i.isdigit() for i in ids)
    assert [(m.recipient, m.provider_id) for m in sim.ledger()] == [
        ("79001234567", ids[0]), ("79101234778", ids[1])]


def test_state_of_an_unknown_message_is_255(client: StreamClient) -> None:
    assert client.state("371000000")["State"] == 255


def test_send_with_login_and_password_instead_of_a_session(url: str,
                                                           sim: StreamSimulator) -> None:
    answer = requests.post(f"{url}/Send/SendSms/", data={
        "login": LOGIN, "password": PASSWORD, "sourceAddress": "SMS Info",
        "destinationAddress": "79001234567", "data": "testdata"}, timeout=5)

    assert answer.status_code == 200
    ids = json.loads(answer.text)
    assert [m.provider_id for m in sim.ledger()] == ids
