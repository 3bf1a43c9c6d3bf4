"""Driver extras: address books, contacts, cancel and run a dispatch."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

import smsbridge
from smsbridge.errors import (
    DeliveryUnknown,
    InvalidResponse,
    NotFound,
    ProviderError,
    TransportError,
    ValidationError,
)
from smsbridge.testing.fixtures import Wire
from smsbridge_phoenix import PhoenixDriver


@pytest.fixture
def driver(client: smsbridge.Client) -> PhoenixDriver:
    assert isinstance(client.driver, PhoenixDriver)
    return client.driver


def test_address_books(driver: PhoenixDriver, mocked: responses.RequestsMock,
                       api: Any, sms_wire: Wire) -> None:
    mocked.get(api.url("addressbooks"), body=api.payload("addressbooks.json"),
               content_type="application/json")

    books = driver.address_books()

    request = sms_wire[0]
    assert request.method == "GET"
    assert request.path == "/sms-api/addressbooks"
    assert request.query_pairs == [("token", api.token)]
    assert books == [{"id": 1, "name": "name1"}, {"id": 2, "name": "name2"}]


def test_address_books_tolerate_strings_and_empty_lists(driver: PhoenixDriver,
                                                        mocked: responses.RequestsMock,
                                                        api: Any) -> None:
    mocked.get(api.url("addressbooks"), body='[{"id": "7", "name": null}]')
    mocked.get(api.url("addressbooks"), body="[]")

    assert driver.address_books() == [{"id": 7, "name": ""}]
    assert driver.address_books() == []


def test_contacts(driver: PhoenixDriver, mocked: responses.RequestsMock, api: Any,
                  sms_wire: Wire) -> None:
    mocked.get(api.url("addressbooks/1/contacts"), body=api.payload("contacts.json"))

    contacts = driver.contacts(1)

    request = sms_wire[0]
    assert request.method == "GET"
    assert request.path == "/sms-api/addressbooks/1/contacts"
    assert request.query_pairs == [("token", api.token)]
    assert contacts == [{"phone": "380710000000", "comment": "Контакт 1"},
                        {"phone": "380719999999", "comment": "Контакт 2"}]


def test_contact_without_comment(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                 api: Any) -> None:
    mocked.get(api.url("addressbooks/3/contacts"), body='[{"phone": 380710000000}]')

    assert driver.contacts(3) == [{"phone": "380710000000", "comment": None}]


def test_contacts_of_a_missing_book(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                    api: Any) -> None:
    mocked.get(api.url("addressbooks/2/contacts"),
               body=api.payload("error-address-book-not-found.json"), status=404)

    with pytest.raises(NotFound) as caught:
        driver.contacts(2)
    assert caught.value.code == "ADDRESS_BOOK_NOT_FOUND"
    assert caught.value.operation == "contacts"


@pytest.mark.parametrize("book", [0, -1, "1", True, 1.0])
def test_contacts_need_a_book_id(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                 book: Any) -> None:
    with pytest.raises(ValidationError):
        driver.contacts(book)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("body", ["nope", '{"id": 1}', '[{"name": "x"}]', "[1, 2]"])
def test_unreadable_lists(driver: PhoenixDriver, mocked: responses.RequestsMock, api: Any,
                          body: str) -> None:
    mocked.get(api.url("addressbooks"), body=body)
    mocked.get(api.url("addressbooks/1/contacts"), body=body.replace("name", "comment"))

    with pytest.raises(InvalidResponse):
        driver.address_books()
    with pytest.raises(InvalidResponse):
        driver.contacts(1)


@pytest.mark.parametrize("dispatch, expected", [(1, 1), ("1", 1), ("5:380710000000", 5)])
def test_cancel_dispatch(driver: PhoenixDriver, mocked: responses.RequestsMock, api: Any,
                         dispatch: Any, expected: int, sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches/cancel"), body="")

    assert driver.cancel_dispatch(dispatch) is None

    request = sms_wire[0]
    assert request.path == "/sms-api/dispatches/cancel"
    assert request.query_pairs == [("token", api.token)]
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"idDispatch": expected}


def test_cancel_missing_dispatch(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                 api: Any) -> None:
    mocked.post(api.url("dispatches/cancel"),
                body=api.payload("error-dispatch-cancel-not-found.json"), status=404)

    with pytest.raises(NotFound) as caught:
        driver.cancel_dispatch(2)
    assert caught.value.code == "DISPATCH_CANCEL_NOT_FOUND"


@pytest.mark.parametrize("name", ["error-dispatch-can-not-be-canceled.json",
                                  "error-dispatch-can-not-be-canceled-doc-literal.txt"])
def test_cancel_refused_by_state(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                 api: Any, name: str) -> None:
    # The document prints this answer with a stray comma; its code still counts.
    mocked.post(api.url("dispatches/cancel"), body=api.payload(name), status=400)

    with pytest.raises(ProviderError) as caught:
        driver.cancel_dispatch(3)
    assert type(caught.value) is ProviderError
    assert caught.value.code == "DISPATCH_CAN_NOT_BE_CANCELED"
    assert caught.value.description == "Рассылка 3 не может быть отменена"
    assert caught.value.http_status == 400


def test_cancel_is_not_repeated_after_a_lost_answer(driver: PhoenixDriver,
                                                    mocked: responses.RequestsMock,
                                                    api: Any) -> None:
    mocked.post(api.url("dispatches/cancel"), body=requests.exceptions.ReadTimeout())

    with pytest.raises(TransportError) as caught:
        driver.cancel_dispatch(3)
    assert not isinstance(caught.value, DeliveryUnknown)
    assert len(mocked.calls) == 1


def test_cancel_with_an_unreadable_answer(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                          api: Any) -> None:
    mocked.post(api.url("dispatches/cancel"), body="<html>login page</html>")

    with pytest.raises(InvalidResponse):
        driver.cancel_dispatch(3)


def test_run_dispatch(driver: PhoenixDriver, mocked: responses.RequestsMock, api: Any,
                      sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches/run"), body="")

    assert driver.run_dispatch("9:380710000000") is None

    request = sms_wire[0]
    assert request.path == "/sms-api/dispatches/run"
    assert request.query_pairs == [("token", api.token)]
    assert request.json() == {"idDispatch": 9}


def test_run_missing_dispatch(driver: PhoenixDriver, mocked: responses.RequestsMock,
                              api: Any) -> None:
    mocked.post(api.url("dispatches/run"), body=api.payload("error-dispatch-not-found.json"),
                status=404)

    with pytest.raises(NotFound) as caught:
        driver.run_dispatch(2)
    assert caught.value.code == "DISPATCH_NOT_FOUND"


def test_run_refused_by_state(driver: PhoenixDriver, mocked: responses.RequestsMock,
                              api: Any) -> None:
    mocked.post(api.url("dispatches/run"), body=api.payload("error-dispatch-can-not-be-run.json"),
                status=400)

    with pytest.raises(ProviderError) as caught:
        driver.run_dispatch(3)
    assert type(caught.value) is ProviderError
    assert caught.value.code == "DISPATCH_CAN_NOT_BE_RUN"


def test_run_is_never_repeated_after_a_lost_answer(driver: PhoenixDriver,
                                                   mocked: responses.RequestsMock,
                                                   api: Any) -> None:
    mocked.post(api.url("dispatches/run"), body=requests.exceptions.ReadTimeout())

    with pytest.raises(DeliveryUnknown):
        driver.run_dispatch(3)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("dispatch", [0, -2, "x", "0:380710000000", None, True, 1.5])
def test_cancel_and_run_need_a_dispatch(driver: PhoenixDriver, mocked: responses.RequestsMock,
                                        dispatch: Any) -> None:
    with pytest.raises(ValidationError):
        driver.cancel_dispatch(dispatch)
    with pytest.raises(ValidationError):
        driver.run_dispatch(dispatch)
    assert len(mocked.calls) == 0


def test_dispatch_id_of_a_message_id() -> None:
    assert PhoenixDriver.dispatch_id("12:380710000000") == 12
    assert PhoenixDriver.dispatch_id(12) == 12
    with pytest.raises(ValidationError):
        PhoenixDriver.dispatch_id("mem-1")
