"""A third-party client, written from the Devino document alone, against the simulator.

``DevinoClient`` is plain ``requests`` code built from devino.txt (``user/sessionid``,
``User/Balance``, ``Sms/Send``, ``Sms/SendBulk``, ``Sms/State``: the literal example URLs,
parameter spellings, "GET or POST parameters" and answer examples), not from smsbridge's
driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from smsbridge_devino.simulator import DevinoSimulator

LOGIN = "Jonathan"
PASSWORD = "a+b==13%!"  # the document's own encoding example: a%2Bb%3D%3D13%25!


class DevinoClient:
    """Session, balance, send and state over integrationapi.net/rest."""

    def __init__(self, base_url: str, login: str, password: str) -> None:
        self.base_url = base_url  # e.g. https://integrationapi.net/rest
        self.login, self.password = login, password
        self.session_id = ""

    def _get(self, resource: str, **params: Any) -> Any:
        answer = requests.get(f"{self.base_url}/{resource}", params=params, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def _post(self, resource: str, **params: Any) -> Any:
        # The document puts POST parameters in the URL; a form body is equally "POST".
        answer = requests.post(f"{self.base_url}/{resource}", data=params, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def connect(self, use_post: bool = False) -> str:
        call = self._post if use_post else self._get
        self.session_id = call("user/sessionid", login=self.login, password=self.password)
        return self.session_id  # "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"

    def balance(self) -> Decimal:
        return Decimal(str(self._get("User/Balance", SessionID=self.session_id)))

    def send(self, source: str, destination: str, data: str, **extra: Any) -> list[str]:
        return list(self._post("Sms/Send", SessionId=self.session_id,
                               DestinationAddress=destination, SourceAddress=source,
                               Data=data, **extra))

    def send_bulk(self, source: str, destinations: list[str], data: str) -> list[str]:
        return list(self._post("Sms/SendBulk", SessionID=self.session_id,
                               SourceAddress=source, DestinationAddresses=destinations,
                               Data=data, Validity=10))

    def state(self, message_id: str, use_post: bool = False) -> dict[str, Any]:
        call = self._post if use_post else self._get
        return dict(call("Sms/State", sessionId=self.session_id, messageId=message_id))


@pytest.fixture
def sim() -> DevinoSimulator:
    return DevinoSimulator(accounts={LOGIN: PASSWORD}, balance=Decimal("100"),
                           price=Decimal("0.5"))


@pytest.fixture
def url(sim: DevinoSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base.rstrip("/") + "/rest"


@pytest.fixture
def client(url: str) -> DevinoClient:
    client = DevinoClient(url, LOGIN, PASSWORD)
    client.connect()
    return client


def test_the_session_id_is_a_quoted_36_character_string(client: DevinoClient,
                                                        sim: DevinoSimulator) -> None:
    assert re.fullmatch(r"[0-9A-Z]{36}", client.session_id)
    assert sim.logins == 1


def test_send_answers_one_id_per_segment_and_state_moves_to_delivered(
        client: DevinoClient, sim: DevinoSimulator) -> None:
    ids = client.send("DEVINO", "79161002030", "test", Validity=0)

    assert len(ids) == 1 and re.fullmatch(r"\d+", ids[0])
    states = [client.state(ids[0]) for _ in range(3)]
    assert [s["State"] for s in states] == [-2, -1, 0]
    assert set(states[-1]) == {"State", "CreationDateUtc", "SubmittedDateUtc",
                               "ReportedDateUtc", "TimeStampUtc", "StateDescription", "Price"}
    assert re.fullmatch(r"/Date\(\d+\)/", states[-1]["ReportedDateUtc"])
    assert states[-1]["Price"] == 0.5
    assert [(m.recipient, m.text, m.provider_id, m.state) for m in sim.ledger()] == [
        ("79161002030", "test", ids[0], "delivered")]


def test_the_documents_literal_send_url_with_parameters_in_the_query(
        client: DevinoClient, sim: DevinoSimulator) -> None:
    answer = requests.post(
        f"{client.base_url}/Sms/Send?SessionId={client.session_id}&DestinationAddress="
        "79161002030&SourceAddress=DEVINO&Data=test&Validity=0", timeout=5)

    assert answer.status_code == 200
    assert answer.json() == [sim.ledger()[0].provider_id]


def test_a_long_text_gets_an_id_per_segment(client: DevinoClient) -> None:
    assert len(client.send("DEVINO", "+79161002030", "x" * 161)) == 2


def test_send_bulk_takes_repeated_destination_addresses(client: DevinoClient,
                                                        sim: DevinoSimulator) -> None:
    ids = client.send_bulk("TESTSMS", ["79001234567", "79160000000"], "testdata")

    assert len(ids) == 2 and ids[0] != ids[1]
    assert [(m.recipient, m.provider_id, m.text) for m in sim.ledger()] == [
        ("79001234567", ids[0], "testdata"), ("79160000000", ids[1], "testdata")]


def test_balance_is_a_bare_number_charged_per_segment(client: DevinoClient) -> None:
    assert client.balance() == Decimal("100")

    client.send("DEVINO", "79161002030", "x" * 161)

    assert client.balance() == Decimal("99")


def test_an_unknown_message_is_state_255(client: DevinoClient) -> None:
    state = client.state("579700854169272999")

    assert (state["State"], state["Price"], state["ReportedDateUtc"]) == (255, None, None)


def test_a_wrong_password_is_code_4_with_http_401(url: str) -> None:
    answer = requests.get(f"{url}/user/sessionid",
                          params={"login": LOGIN, "password": "wrong"}, timeout=5)

    assert answer.status_code == 401
    assert answer.json() == {"Code": 4, "Desc": "Invalid user login or password"}


def test_an_invalid_source_address_is_code_6(client: DevinoClient,
                                             sim: DevinoSimulator) -> None:
    answer = requests.post(f"{client.base_url}/Sms/Send", data={
        "SessionID": client.session_id, "DestinationAddress": "79161002030",
        "SourceAddress": "TOO-LONG-SENDER-NAME", "Data": "test"}, timeout=5)

    assert answer.status_code == 400
    assert answer.json() == {"Code": 6, "Desc": "Invalid source address"}
    assert sim.ledger() == []


def test_a_session_can_be_opened_with_post_parameters(url: str) -> None:
    client = DevinoClient(url, LOGIN, PASSWORD)

    assert re.fullmatch(r"[0-9A-Z]{36}", client.connect(use_post=True))


def test_state_can_be_asked_with_post_parameters(client: DevinoClient) -> None:
    message_id = client.send("DEVINO", "79161002030", "test")[0]

    assert client.state(message_id, use_post=True)["State"] == -2


def test_a_wrong_non_ascii_password_is_code_4(url: str) -> None:
    answer = requests.get(f"{url}/user/sessionid",
                          params={"login": LOGIN, "password": "пароль"}, timeout=5)

    assert answer.status_code == 401
    assert answer.json() == {"Code": 4, "Desc": "Invalid user login or password"}
