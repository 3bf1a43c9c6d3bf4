"""The shop under pytest-django: ``pytest`` in tests/django_project."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.integrations import django as sms
from smsbridge.integrations.django.signals import delivery_report
from smsbridge.models import DeliveryState
from smsbridge_nikita.simulator import NikitaSimulator

AUTH = "Basic " + base64.b64encode(b"dlr:hook-pw").decode()


@pytest.fixture
def sim() -> Iterator[NikitaSimulator]:
    sim = NikitaSimulator()
    sim.push_delays = (0.1, 0.1, 0.1)
    with sim.serve() as url:
        sim.base_url = url  # type: ignore[attr-defined]
        yield sim


@pytest.fixture
def reports() -> Iterator[list[Any]]:
    seen: list[Any] = []

    def receive(report: Any, using: str, **kwargs: Any) -> None:
        seen.append((using, report.message_id, report.state))

    delivery_report.connect(receive)
    yield seen
    delivery_report.disconnect(receive)


def test_a_view_that_sends_lands_in_the_outbox(client: Any) -> None:
    answer = client.post("/signup/", {"phone": "+996 550 123 456"})
    assert answer.status_code == 200
    assert [(m.to, m.text) for m in sms.outbox] == [("996550123456", "Your code is 1234")]


def test_the_outbox_is_emptied_between_tests() -> None:
    assert len(sms.outbox) == 0


def test_a_client_pointed_at_a_live_simulator_sends_nothing(
        client: Any, settings: Any, sim: NikitaSimulator) -> None:
    base = sim.base_url  # type: ignore[attr-defined]
    settings.SMSBRIDGE = {**settings.SMSBRIDGE,
                          "backup": {"driver": "nikita", **sim.client_settings(base)}}
    before = sim.account.balance
    # shop.views took get_client("backup") when pytest imported it, before the tests.
    assert client.post("/notify/", {"phone": "996550123456"}).status_code == 200
    assert client.post("/signup/", {"phone": "996550123457"}).status_code == 200
    assert sms.outbox.texts == ["Your order has shipped", "Your code is 1234"]
    assert sim.ledger() == []
    assert sim.account.balance == before == Decimal("100.00")
    assert sim.requests == []


def test_wrong_auth_is_401_and_an_oversized_body_413(client: Any) -> None:
    wrong = "Basic " + base64.b64encode(b"dlr:guess").decode()
    url = "/sms/default/callback/"
    assert client.post(url, b"<report/>", content_type="text/xml",
                       headers={"Authorization": wrong}).status_code == 401
    assert client.post(url, b"x" * 5000, content_type="text/xml",
                       headers={"Authorization": AUTH}).status_code == 413


def test_the_simulator_pushes_to_the_live_server(live_server: Any, sim: NikitaSimulator,
                                                 reports: list[Any]) -> None:
    nikita = smsbridge.connect("nikita", **sim.client_settings(sim.base_url))  # type: ignore[attr-defined]
    message_id = nikita.send("996550120000", "hello").ids[0]  # ends undelivered
    nikita.close()
    sim.callback_url = live_server.url.replace("http://", "http://dlr:hook-pw@") + \
        "/sms/default/callback/"
    sim.advance()
    assert sim.wait_pushes(10)
    sim.advance()
    assert sim.wait_pushes(10)
    assert [p.status for p in sim.pushes] == [200, 200]
    assert reports == [("default", message_id, DeliveryState.SENT),
                       ("default", message_id, DeliveryState.UNDELIVERED)]


def test_a_raising_receiver_gets_500_and_the_simulator_retries(
        live_server: Any, sim: NikitaSimulator, reports: list[Any]) -> None:
    failures = [RuntimeError("the database is down")]

    def flaky(**kwargs: Any) -> None:
        if failures:
            raise failures.pop()

    delivery_report.connect(flaky)
    try:
        nikita = smsbridge.connect("nikita", **sim.client_settings(sim.base_url))  # type: ignore[attr-defined]
        message_id = nikita.send("996550123456", "hello").ids[0]
        nikita.close()
        sim.callback_url = live_server.url.replace("http://", "http://dlr:hook-pw@") + \
            "/sms/default/callback/"
        sim.advance()
        assert sim.wait_pushes(10)
    finally:
        delivery_report.disconnect(flaky)
    assert [p.status for p in sim.pushes] == [500, 200]
    assert reports[-1] == ("default", message_id, DeliveryState.SENT)
