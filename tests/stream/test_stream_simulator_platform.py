"""The Stream simulator answers as the platform does (issue 18), requests from the document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

import smsbridge
from smsbridge.models import DeliveryState
from smsbridge_stream.simulator import StreamSimulator

#: The document's SendBulk form (section 3.4), with the simulator's demo session and sender.
BULK = {"sourceAddress": "SMS Info", "destinationAddresses": "79001234567,79101234778,79121231267",
        "data": "testdata", "validity": "10"}
#: The document's SendSms form (section 3.2).
SINGLE = {"sourceAddress": "SMS Info", "destinationAddress": "79001234567", "data": "testdata"}
LOGIN = {"login": "demo", "password": "demo-password"}


@pytest.fixture
def sim() -> StreamSimulator:
    return StreamSimulator()


@pytest.fixture
def served(sim: StreamSimulator) -> Iterator[str]:
    with sim.serve() as url:
        yield f"{url}/rest"


def _session(served: str) -> str:
    sid = requests.get(f"{served}/Session/", params=LOGIN, timeout=5).json()
    assert isinstance(sid, str) and len(sid) == 32
    return sid


def test_an_unknown_message_id_is_state_255_like_the_platform(served: str) -> None:
    answer = requests.get(f"{served}/State/", timeout=5, params={
        "sessionId": _session(served), "messageId": "371329059"})
    assert answer.status_code == 200
    assert answer.json() == {"State": 255, "ReportedDateUtc": "/Date(-62135596800000)/",
                             "StateDescription": "Unknown", "Price": "0"}


def test_the_driver_reports_state_255_as_unknown(served: str, sim: StreamSimulator) -> None:
    with smsbridge.connect("stream", **sim.client_settings(served[:-len("/rest")])) as sms:
        report = sms.status("371329059")
    assert (report.state, report.provider_state, report.description) == (
        DeliveryState.UNKNOWN, "255", "Unknown")


def test_the_default_bulk_answer_is_a_json_list_of_ids(served: str) -> None:
    answer = requests.post(f"{served}/Send/SendBulk/", timeout=5,
                           data={"sessionId": _session(served), **BULK})
    assert answer.json() == ["371324579", "371324580", "371324581"]


def test_the_documents_bulk_typesetting_on_request(served: str, sim: StreamSimulator) -> None:
    sim.doc_bulk_format = True
    answer = requests.post(f"{served}/Send/SendBulk/", timeout=5,
                           data={"sessionId": _session(served), **BULK})
    assert answer.text == '[{"371324579"}, {"371324580"}, {"371324581"}]'


@pytest.mark.parametrize("password", ["password", "pass"])
def test_direct_login_and_password_authorise_without_a_session(
        served: str, sim: StreamSimulator, password: str) -> None:
    credentials = {"login": "demo", password: "demo-password"}
    assert requests.get(f"{served}/Balance/", params=credentials, timeout=5).text == "100"
    ids = requests.post(f"{served}/Send/SendSms/", data={**credentials, **SINGLE},
                        timeout=5).json()
    assert ids == ["371324579"]
    assert sim.logins == 0
    assert [(m.recipient, m.text) for m in sim.ledger()] == [("79001234567", "testdata")]


def test_direct_authorisation_with_a_wrong_password_is_code_4(served: str) -> None:
    answer = requests.get(f"{served}/Balance/", params={"login": "demo", "password": "x"},
                          timeout=5)
    assert (answer.status_code, answer.json()) == (
        401, {"Code": 4, "Desc": "Invalid user login or password"})


def test_price_in_a_state_answer_is_a_string(served: str) -> None:
    sid = _session(served)
    [message_id] = requests.post(f"{served}/Send/SendSms/", data={"sessionId": sid, **SINGLE},
                                 timeout=5).json()
    state = requests.get(f"{served}/State/state.php", timeout=5,
                         params={"sessionId": sid, "messageId": message_id}).json()
    assert (state["State"], state["StateDescription"], state["Price"]) == (-1, "Sent", "0.5")


@pytest.mark.parametrize("validity", ["²", "ten", "0"])
def test_a_validity_that_is_no_number_is_code_2_not_a_server_error(
        served: str, sim: StreamSimulator, validity: str) -> None:
    answer = requests.post(f"{served}/Send/SendSms/", timeout=5, data={
        **SINGLE, "sessionId": _session(served), "validity": validity})
    assert (answer.status_code, answer.json()) == (400, {"Code": 2, "Desc": "Invalid validity"})
    assert sim.ledger() == []
