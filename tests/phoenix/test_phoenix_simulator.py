"""End to end: the real driver against the Phoenix simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    NotFound,
    ProviderError,
)
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import FakeClock, until_final
from smsbridge.transport import RetryPolicy
from smsbridge_phoenix import PhoenixDriver
from smsbridge_phoenix.simulator import PhoenixSimulator

PHONES = ["380711111111", "380712222222", "380713333333"]


def connect(sim: PhoenixSimulator, url: str, **overrides: Any) -> smsbridge.Client:
    retry = RetryPolicy(retries=2, sleep=lambda _: None)
    return smsbridge.connect("phoenix", retry=retry, **{**sim.client_settings(url), **overrides})


def extras(client: smsbridge.Client) -> PhoenixDriver:
    assert isinstance(client.driver, PhoenixDriver)
    return client.driver


@pytest.fixture
def sim() -> PhoenixSimulator:
    return PhoenixSimulator(balance=Decimal("100"), price=Decimal("1.5"))


@pytest.fixture
def served(sim: PhoenixSimulator) -> Iterator[tuple[PhoenixSimulator, smsbridge.Client]]:
    with sim.serve() as url:
        client = connect(sim, url)
        yield sim, client
        client.close()


def test_send_then_status_until_delivered(served: tuple[PhoenixSimulator, smsbridge.Client]
                                          ) -> None:
    sim, client = served
    before = client.balance().amount

    result = client.send(PHONES, "Привет из smsbridge")

    assert result.ids == [f"1:{p}" for p in PHONES]
    assert until_final(client, result.ids[1]).provider_states == ["IN_QUEUE", "ACTIVE", "CLOSED"]
    report = client.status(result.ids[1])
    assert report.state is DeliveryState.DELIVERED
    assert report.recipient == PHONES[1]
    assert report.raw["messagesCount"] == 3
    assert report.raw["messagesDelivered"] == 3
    assert report.sent_at is not None
    assert client.balance().amount == before - Decimal("4.5")
    assert len(sim.dispatches) == 1


def test_price_counts_parts(served: tuple[PhoenixSimulator, smsbridge.Client]) -> None:
    _, client = served

    client.send(PHONES[0], "Ж" * 71)  # two UCS-2 parts

    balance = client.balance()
    assert balance.amount == Decimal("97")
    assert balance.raw["currentFees"] == 3.0


def test_undeliverable_number_shows_in_the_counts() -> None:
    sim = PhoenixSimulator(undeliverable={PHONES[2]})
    with sim.serve() as url:
        client = connect(sim, url)
        message_id = client.send(PHONES, "hello").ids[0]
        until_final(client, message_id)
        report = client.status(message_id)
    assert report.provider_state == "CLOSED"
    assert report.raw["messagesSent"] == 3
    assert report.raw["messagesDelivered"] == 2


def test_large_send_makes_several_dispatches(sim: PhoenixSimulator) -> None:
    with sim.serve() as url:
        client = connect(sim, url, dispatch_size=2)
        result = client.send(PHONES, "hello")
    assert result.ids == [f"1:{PHONES[0]}", f"1:{PHONES[1]}", f"2:{PHONES[2]}"]
    assert [d.phones for d in sim.dispatches] == [PHONES[:2], PHONES[2:]]


def test_scheduled_dispatch_waits_for_its_date() -> None:
    clock = FakeClock()
    sim = PhoenixSimulator(clock=clock)
    send_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
    with sim.serve() as url:
        client = connect(sim, url)
        message_id = client.send(PHONES[0], "later", send_at=send_at).ids[0]
        assert sim.dispatches[0].date_send == send_at
        assert client.status(message_id).state is DeliveryState.QUEUED
        assert client.status(message_id).state is DeliveryState.QUEUED
        clock.now += 2 * 3600
        assert client.status(message_id).state is DeliveryState.QUEUED
        assert client.status(message_id).state is DeliveryState.SENT


def test_bad_token_is_an_auth_error(sim: PhoenixSimulator) -> None:
    with sim.serve() as url:
        client = connect(sim, url, token="wrong-token")
        with pytest.raises(AuthError):
            client.balance()
        with pytest.raises(AuthError):
            client.send(PHONES[0], "hello")
        with pytest.raises(AuthError):
            extras(client).address_books()
    assert sim.dispatches == []


def test_blocked_account_is_an_auth_error(sim: PhoenixSimulator) -> None:
    sim.add_account("blocked-token", balance=10, blocked=True)
    with sim.serve() as url:
        client = connect(sim, url, token="blocked-token")
        with pytest.raises(AuthError) as caught:
            client.status("1")
    assert caught.value.http_status == 403


def test_insufficient_funds_then_top_up_and_run() -> None:
    sim = PhoenixSimulator(balance=Decimal("2"), price=Decimal("1.5"))
    with sim.serve() as url:
        client = connect(sim, url)
        message_id = client.send(PHONES[:2], "hello").ids[0]

        report = client.status(message_id)
        assert report.state is DeliveryState.REJECTED
        assert report.provider_state == "NOT_ENOUGH_MONEY"
        assert client.balance().amount == Decimal("2")

        sim.top_up(10)
        extras(client).run_dispatch(message_id)
        assert until_final(client, message_id).provider_states == ["IN_QUEUE", "ACTIVE", "CLOSED"]
        balance = client.balance()
    assert balance.amount == Decimal("9")
    assert (balance.raw["currentPayments"], balance.raw["currentFees"]) == (10.0, 3.0)
    assert balance.raw["beginningPeriodBalance"] == 2.0


def test_credit_limit_pays_and_is_reported() -> None:
    sim = PhoenixSimulator(balance=Decimal("1"), price=Decimal("1.5"), credit_limit=Decimal("5"))
    with sim.serve() as url:
        client = connect(sim, url)
        message_id = client.send(PHONES[0], "hello").ids[0]
        balance = client.balance()
        assert client.status(message_id).state is DeliveryState.QUEUED
    assert balance.amount == Decimal("-0.5")
    assert balance.credit_limit == Decimal("5")


def test_cancel_and_run_again(served: tuple[PhoenixSimulator, smsbridge.Client]) -> None:
    _, client = served
    message_id = client.send(PHONES[0], "hello").ids[0]
    driver = extras(client)

    driver.cancel_dispatch(message_id)
    assert client.status(message_id).state is DeliveryState.CANCELED
    balance = client.balance()
    assert (balance.amount, balance.raw["currentFees"]) == (Decimal("100"), 0.0)
    with pytest.raises(ProviderError) as caught:
        driver.cancel_dispatch(message_id)
    assert caught.value.code == "DISPATCH_CAN_NOT_BE_CANCELED"

    driver.run_dispatch(message_id)
    assert until_final(client, message_id).provider_states[-1] == "CLOSED"
    with pytest.raises(ProviderError) as caught:
        driver.run_dispatch(message_id)
    assert caught.value.code == "DISPATCH_CAN_NOT_BE_RUN"


def test_unknown_dispatches_are_not_found(served: tuple[PhoenixSimulator, smsbridge.Client]
                                          ) -> None:
    _, client = served
    driver = extras(client)
    with pytest.raises(NotFound) as caught:
        client.status("99:380711111111")
    assert caught.value.code == "DISPATCH_NOT_FOUND"
    with pytest.raises(NotFound) as caught:
        driver.cancel_dispatch(99)
    assert caught.value.code == "DISPATCH_CANCEL_NOT_FOUND"
    with pytest.raises(NotFound) as caught:
        driver.run_dispatch(99)
    assert caught.value.code == "DISPATCH_NOT_FOUND"


def test_address_books_and_contacts(served: tuple[PhoenixSimulator, smsbridge.Client]) -> None:
    _, client = served
    driver = extras(client)

    assert driver.address_books() == [{"id": 1, "name": "name1"}, {"id": 2, "name": "name2"}]
    assert driver.contacts(1) == [{"phone": "380710000000", "comment": "Контакт 1"},
                                  {"phone": "380719999999", "comment": "Контакт 2"}]
    assert driver.contacts(2) == []
    with pytest.raises(NotFound) as caught:
        driver.contacts(3)
    assert caught.value.code == "ADDRESS_BOOK_NOT_FOUND"


def test_server_error_on_a_read_is_retried(served: tuple[PhoenixSimulator, smsbridge.Client]
                                           ) -> None:
    sim, client = served
    sim.inject("status", status=503, path="/finance/balance")

    assert client.balance().amount == Decimal("100")
    assert [r.path for r in sim.requests] == ["/sms-api/finance/balance"] * 2


def test_lost_answer_to_a_send_is_never_doubled(served: tuple[PhoenixSimulator,
                                                               smsbridge.Client]) -> None:
    sim, client = served
    sim.inject("drop_after_accept", path="/sms-api/dispatches")

    with pytest.raises(DeliveryUnknown):
        client.send(PHONES, "hello")

    assert len(sim.dispatches) == 1
    assert len([r for r in sim.requests if r.method == "POST"]) == 1


def test_dropped_send_is_reported_not_repeated(served: tuple[PhoenixSimulator,
                                                              smsbridge.Client]) -> None:
    sim, client = served
    sim.inject("drop", path="/sms-api/dispatches")

    with pytest.raises(DeliveryUnknown):
        client.send(PHONES[0], "hello")

    assert sim.dispatches == []
    assert len(sim.requests) == 1


def test_slow_status_still_answers(served: tuple[PhoenixSimulator, smsbridge.Client]) -> None:
    sim, client = served
    message_id = client.send(PHONES[0], "hello").ids[0]
    sim.inject("delay", seconds=0.05)

    assert client.status(message_id).state is DeliveryState.QUEUED


# -- the simulator follows the document, whatever the driver checks first ---------------


def post(url: str, path: str, body: Any, token: str = "demo-token") -> requests.Response:
    return requests.post(f"{url}/sms-api/{path}", params={"token": token},
                         data=json.dumps(body), headers={"Content-Type": "application/json"},
                         timeout=5)


@pytest.mark.parametrize("body, code", [
    ({"message": "test", "phonesList": ["1234567"]}, "INVALID_FORMAT"),
    ({"message": "test", "phonesList": ["380710000000"], "dateSend": "01.01.2020 00:00:00"},
     "INVALID_DISPATCH_DATE"),
    ({"message": "", "phonesList": ["380710000000"]}, "ARGUMENT_NOT_VALID"),
    ({"message": "x" * 5001, "phonesList": ["380710000000"]}, "ARGUMENT_NOT_VALID"),
    ({"message": "test", "phonesList": []}, "ARGUMENT_NOT_VALID"),
])
def test_simulator_refuses_what_the_document_refuses(sim: PhoenixSimulator, body: Any,
                                                     code: str) -> None:
    with sim.serve() as url:
        answer = post(url, "dispatches", body)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert sim.dispatches == []


def test_simulator_answers_like_the_document(sim: PhoenixSimulator) -> None:
    with sim.serve() as url:
        created = post(url, "dispatches", {"message": "test", "dateSend": "02.11.2099 11:12:33",
                                           "phonesList": ["380710000000", "710000001"]})
        info = requests.get(f"{url}/sms-api/dispatches/1", params={"token": "demo-token"},
                            timeout=5)
        missing = requests.get(f"{url}/sms-api/dispatches/2", params={"token": "demo-token"},
                               timeout=5)
        no_token = requests.get(f"{url}/sms-api/finance/balance", timeout=5)
    assert created.status_code == 200
    assert created.text == "1"
    assert info.headers["X-Frame-Options"] == "DENY"
    assert set(info.json()) == {"idDispatch", "dateSend", "dateToClose", "status",
                                "messagesCount", "messagesSent", "messagesDelivered",
                                "comment", "text", "dispatchSource"}
    assert info.json()["dateSend"] == "02.11.2099 11:12:33"
    assert info.json()["status"] == "IN_QUEUE"
    assert missing.status_code == 404
    assert missing.json() == {"code": "DISPATCH_NOT_FOUND", "message": "Рассылка 2 не найдена"}
    assert no_token.status_code == 401


# The document's own request example ("Пример запроса" of POST /sms-api/dispatches),
# byte for byte: its numbers break the document's format rule, yet the platform took them.
DOC_CREATE_EXAMPLE = """{
  "message" : "test",
  "dateSend" : "02.11.2099 11:12:33",
  "phonesList" : [ "0710000000", "8071999999" ]
}"""


def test_the_documents_own_request_example_is_accepted(sim: PhoenixSimulator) -> None:
    with sim.serve() as url:
        created = requests.post(f"{url}/sms-api/dispatches", params={"token": "demo-token"},
                                data=DOC_CREATE_EXAMPLE.encode("utf-8"),
                                headers={"Content-Type": "application/json"}, timeout=5)

    # "Пример ответа": HTTP 200 and the new dispatch's id, 1.
    assert created.status_code == 200
    assert created.text == "1"
    assert [d.phones for d in sim.dispatches] == [["0710000000", "8071999999"]]
    assert [m.recipient for m in sim.ledger()] == ["0710000000", "8071999999"]


@pytest.mark.parametrize("phone", ["0710000000", "8071999999", "380710000000", "710000000",
                                   "80710000000"])
def test_numbers_in_the_documents_forms_are_accepted(sim: PhoenixSimulator, phone: str) -> None:
    with sim.serve() as url:
        assert post(url, "dispatches", {"message": "test", "phonesList": [phone]}).text == "1"


@pytest.mark.parametrize("phone", ["1234567", "0720000000", "38071000", "071000000000",
                                   "+380710000000"])
def test_other_numbers_are_invalid_format(sim: PhoenixSimulator, phone: str) -> None:
    with sim.serve() as url:
        answer = post(url, "dispatches", {"message": "test", "phonesList": [phone]})
    assert (answer.status_code, answer.json()["code"]) == (400, "INVALID_FORMAT")


def test_simulator_is_found_through_the_driver() -> None:
    module, _, name = PhoenixDriver.simulator.partition(":")  # type: ignore[union-attr]
    imported = __import__(module, fromlist=[name])
    assert getattr(imported, name) is PhoenixSimulator
