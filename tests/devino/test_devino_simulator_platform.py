"""The Devino simulator reads requests as the platform (ASP.NET MVC) does (issue 18).

Requests are the document's own examples (devino.txt), sent as other clients send them:
GET or POST parameters, a form, a JSON body, array-bound ``DestinationAddresses[0]``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from smsbridge.testing.fixtures import FakeClock
from smsbridge_devino.simulator import DevinoSimulator


@pytest.fixture
def sim() -> DevinoSimulator:
    return DevinoSimulator(clock=FakeClock(), balance="10", price="0.5",
                           accounts={"demo": "demo-password", "ivan": "пароль-Ж"})


@pytest.fixture
def url(sim: DevinoSimulator) -> Iterator[str]:
    with sim.serve() as base:
        yield base + "/rest"


def _call(url: str, *, method: str = "GET", form: dict[str, Any] | list[tuple[str, str]]
          | None = None, body: Any = None) -> tuple[int, Any]:
    data, headers = None, {}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if error.code != 405 else raw.decode()


def _session(url: str) -> str:
    status, sid = _call(url + "/User/SessionId?login=demo&password=demo-password")
    assert status == 200
    return str(sid)


def test_session_id_by_post_form_and_json(url: str, sim: DevinoSimulator) -> None:
    status, sid = _call(url + "/User/SessionId", method="POST",
                        form={"login": "demo", "password": "demo-password"})
    assert status == 200 and len(sid) == 36
    status, sid = _call(url + "/User/SessionId", method="POST",
                        body={"login": "demo", "password": "demo-password"})
    assert status == 200 and len(sid) == 36
    assert sim.logins == 2


def test_non_ascii_password_is_checked_not_a_server_error(url: str) -> None:
    status, sid = _call(url + "/User/SessionId?" + urllib.parse.urlencode(
        {"login": "ivan", "password": "пароль-Ж"}))
    assert status == 200 and len(sid) == 36
    assert _call(url + "/User/SessionId?" + urllib.parse.urlencode(
        {"login": "demo", "password": "пароль"})) == (
        401, {"Code": 4, "Desc": "Invalid user login or password"})


def test_state_by_post(url: str) -> None:
    sid = _session(url)
    status, ids = _call(url + "/Sms/Send", method="POST", form={
        "SessionID": sid, "SourceAddress": "TESTSMS", "DestinationAddress": "79001234567",
        "Data": "testdata", "Validity": "10"})
    assert (status, ids) == (200, ["579700854169272358"])
    status, state = _call(url + "/Sms/State", method="POST",
                          form={"sessionId": sid, "messageId": "579700854169272358"})
    assert status == 200
    assert (state["State"], state["StateDescription"], state["Price"]) == (
        -2, "В очереди", 0.5)
    status, state = _call(url + "/Sms/State", method="POST",
                          body={"sessionId": sid, "messageId": "579700854169272358"})
    assert (state["State"], state["StateDescription"]) == (-1, "Отправлено")


def test_send_bulk_with_a_json_body(url: str, sim: DevinoSimulator) -> None:
    sid = _session(url)
    status, ids = _call(url + "/Sms/SendBulk", method="POST", body={
        "SessionID": sid, "SourceAddress": "TESTSMS",
        "DestinationAddresses": ["79001234567", "79160000000"], "Data": "testdata",
        "Validity": 10})
    assert (status, ids) == (200, ["579700854169272358", "579700854169272359"])
    assert [(m.recipient, m.text) for m in sim.ledger()] == [
        ("79001234567", "testdata"), ("79160000000", "testdata")]
    assert [r.extra["validity"] for r in sim.messages] == [10, 10]


def test_send_bulk_with_array_bound_addresses(url: str, sim: DevinoSimulator) -> None:
    sid = _session(url)
    status, ids = _call(url + "/Sms/SendBulk", method="POST", form=[
        ("SessionID", sid), ("SourceAddress", "TESTSMS"),
        ("DestinationAddresses[0]", "79001234567"), ("DestinationAddresses[1]", "79160000000"),
        ("Data", "testdata"), ("Validity", "10")])
    assert (status, ids) == (200, ["579700854169272358", "579700854169272359"])
    assert [m.recipient for m in sim.ledger()] == ["79001234567", "79160000000"]
    assert sim.balance_of() == Decimal("9.0")


def test_send_bulk_as_the_document_writes_it(url: str, sim: DevinoSimulator) -> None:
    """The document's example: repeated names, in the query string of a POST."""
    sid = _session(url)
    query = (f"SessionID={sid}&SourceAddress=TESTSMS&DestinationAddresses=79001234567"
             "&Data=testdata&Validity=10&DestinationAddresses=79160000000&data=testdata")
    status, ids = _call(url + "/Sms/SendBulk?" + query, method="POST", form={})
    assert (status, ids) == (200, ["579700854169272358", "579700854169272359"])
    assert [m.recipient for m in sim.ledger()] == ["79001234567", "79160000000"]


def test_send_is_still_post_only(url: str) -> None:
    sid = _session(url)
    status, _ = _call(url + f"/Sms/Send?SessionID={sid}&SourceAddress=TESTSMS"
                      "&DestinationAddress=79001234567&Data=testdata")
    assert status == 405


@pytest.mark.parametrize("validity", ["²", "ten", "-5"])
def test_a_validity_that_is_no_number_is_code_2_not_a_server_error(
        url: str, sim: DevinoSimulator, validity: str) -> None:
    status, answer = _call(url + "/Sms/Send", method="POST", form={
        "SessionID": _session(url), "SourceAddress": "TESTSMS",
        "DestinationAddress": "79001234567", "Data": "testdata", "Validity": validity})
    assert (status, answer) == (400, {"Code": 2,
                                      "Desc": f"Invalid argument: Validity {validity!r}"})
    assert sim.ledger() == []
