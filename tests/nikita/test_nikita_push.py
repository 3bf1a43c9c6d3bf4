"""The Nikita simulator pushes delivery reports to the application like the gateway."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge.models import DeliveryState, StatusReport
from smsbridge.testing import serve_wsgi
from smsbridge.transport import RetryPolicy
from smsbridge.webhook import CallbackApp
from smsbridge.xmlutil import parse_xml
from smsbridge_nikita.simulator import NikitaSimulator

NUMBER = "996550123456"
FAILING = "996550120000"
FAST = (0.05, 0.05, 0.05)


@pytest.fixture
def sim(receiver: Any) -> Iterator[NikitaSimulator]:
    sim = NikitaSimulator(callback_url=receiver.url)
    sim.push_delays = FAST
    yield sim
    sim.stop_pushing()


@pytest.fixture
def sms(sim: NikitaSimulator) -> Iterator[smsbridge.Client]:
    with sim.serve() as url:
        client = smsbridge.connect("nikita", retry=RetryPolicy(retries=0),
                                   **sim.client_settings(url))
        yield client
        client.close()


def test_each_report_step_is_pushed_as_the_documented_xml(
        sim: NikitaSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    result = sms.send([NUMBER, FAILING], "hello")
    assert sim.advance() == 2
    assert sim.wait_pushes(5)
    assert sim.advance() == 2
    assert sim.wait_pushes(5)
    assert sim.advance() == 0  # final: nothing moves, nothing is pushed

    assert [(r.method, r.path) for r in receiver.received] == [("POST", "/dlr")] * 2
    assert all(r.content_type.startswith("text/xml") for r in receiver.received)
    first = parse_xml(receiver.received[0].body, force_list=("dr", "phone"))["report"]
    request_id = result.ids[0].split(":")[0]
    assert [dr["id"] for dr in first["dr"]] == [request_id]
    assert [(p["number"], p["report"], p["rcvTime"]) for p in first["dr"][0]["phone"]] == [
        (NUMBER, "1", None), (FAILING, "1", None)]
    assert b'xmlns="http://Giper.mobi/schema/DeliveryReport"' in receiver.received[0].body

    states = [{r.message_id: r.state for r in sms.parse_callback(push.body)}
              for push in receiver.received]
    assert states == [
        {result.ids[0]: DeliveryState.SENT, result.ids[1]: DeliveryState.SENT},
        {result.ids[0]: DeliveryState.DELIVERED, result.ids[1]: DeliveryState.UNDELIVERED},
    ]


def test_a_polled_report_that_moves_is_pushed_too(
        sim: NikitaSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    message_id = sms.send(NUMBER, "hello").ids[0]
    assert sms.status(message_id).state is DeliveryState.SENT
    assert sim.wait_pushes(5)
    assert [r.state for r in sms.parse_callback(receiver.received[0].body)] == [
        DeliveryState.SENT]


def test_non_200_answers_are_retried_with_the_same_report(
        sim: NikitaSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    receiver.answer([500, 503])
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert [p.status for p in sim.pushes] == [500, 503, 200]
    assert [p.attempt for p in sim.pushes] == [1, 2, 3]
    assert len({r.body for r in receiver.received}) == 1


def test_gives_up_after_three_retries(sim: NikitaSimulator, sms: smsbridge.Client,
                                      receiver: Any) -> None:
    receiver.answer([500] * 10)
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert [p.status for p in sim.pushes] == [500] * 4
    assert len(receiver.received) == 4


def test_an_unreachable_application_is_retried(sms: smsbridge.Client,
                                                sim: NikitaSimulator) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sim.callback_url = f"http://127.0.0.1:{port}/dlr"
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(10)
    assert len(sim.pushes) == 4
    assert all(p.status is None and p.error for p in sim.pushes)


def test_basic_auth_in_the_url_reaches_the_application(
        sim: NikitaSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    sim.callback_url = receiver.url.replace("http://", "http://dlr:pw%40x@")
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert receiver.received[0].authorization == "Basic ZGxyOnB3QHg="  # dlr:pw@x


def test_stop_pushing_drops_pending_retries_at_once(
        sim: NikitaSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    sim.push_delays = (600.0,)
    receiver.answer([500])
    sms.send(NUMBER, "hello")
    sim.advance()
    deadline = time.monotonic() + 5
    while not sim.pushes and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    sim.stop_pushing()
    assert time.monotonic() - started < 2
    assert [p.status for p in sim.pushes] == [500]


def test_without_callback_url_nothing_is_pushed(receiver: Any) -> None:
    sim = NikitaSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("nikita", **sim.client_settings(url))
        sms.send(NUMBER, "hello")
        sms.close()
    assert sim.advance() == 1
    assert sim.wait_pushes(1)
    assert sim.pushes == []
    assert receiver.received == []


def test_callback_app_reads_the_documented_push_over_http() -> None:
    received: list[StatusReport] = []
    nikita = smsbridge.connect("nikita", login="acme", password="s3cret-pw")
    app = CallbackApp(nikita, on_report=received.append, username="dlr", password="hook-pw")
    body = (Path(__file__).parent / "payloads" / "push-doc.xml").read_bytes()
    with serve_wsgi(app) as url:
        refused = requests.post(url, data=body, auth=("dlr", "nope"), timeout=5)
        answer = requests.post(url, data=body, auth=("dlr", "hook-pw"), timeout=5,
                               headers={"Content-Type": "text/xml"})
    assert refused.status_code == 401
    assert answer.status_code == 200
    assert [(r.message_id, r.state) for r in received] == [
        ("A881726:996550123456", DeliveryState.SENT),
        ("A881726:996550123457", DeliveryState.SENT),
        ("A887236:996550123458", DeliveryState.SENT),
    ]


def test_only_200_acknowledges_a_push(sim: NikitaSimulator, sms: smsbridge.Client,
                                      receiver: Any) -> None:
    receiver.answer([204, 201])
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert [(p.status, p.ok) for p in sim.pushes] == [(204, False), (201, False), (200, True)]
