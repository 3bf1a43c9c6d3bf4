"""Status: GET /sms-api/dispatches/{id} on the wire and every dispatch state's mapping."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.errors import AuthError, InvalidResponse, NotFound, ProviderError, ValidationError
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import Wire
from smsbridge_phoenix import DISPATCH_STATES


def dispatch(**changes: Any) -> str:
    payload = {
        "idDispatch": 1, "dateSend": "01.02.2019 11:22:00",
        "dateToClose": "01.02.2019 22:44:00", "status": "IN_QUEUE", "messagesCount": 1,
        "messagesSent": 0, "messagesDelivered": 0, "comment": "Комментарий",
        "text": "Текст", "dispatchSource": "API",
    }
    payload.update(changes)
    return json.dumps(payload, ensure_ascii=False)


def test_status_of_the_document_example(client: smsbridge.Client,
                                        mocked: responses.RequestsMock, api: Any,
                                        sms_wire: Wire) -> None:
    mocked.get(api.url("dispatches/1"), body=api.payload("dispatch.json"),
               content_type="application/json")

    report = client.status("1:380710000000")

    request = sms_wire[0]
    assert request.method == "GET"
    assert request.path == "/sms-api/dispatches/1"
    assert request.query_pairs == [("token", api.token)]
    assert request.body == b""
    assert report.message_id == "1:380710000000"
    assert report.recipient == "380710000000"
    assert report.state is DeliveryState.QUEUED
    assert report.provider_state == "IN_QUEUE"
    assert report.description == "Комментарий"
    assert report.sent_at is None
    assert report.delivered_at is None
    assert report.raw["messagesCount"] == 1
    assert report.raw["messagesSent"] == 0
    assert report.raw["messagesDelivered"] == 0
    assert report.raw["dateSend"] == "01.02.2019 11:22:00"
    assert report.raw["dateToClose"] == "01.02.2019 22:44:00"


@pytest.mark.parametrize("provider_state, state", sorted(DISPATCH_STATES.items()))
def test_every_dispatch_state_maps(client: smsbridge.Client, mocked: responses.RequestsMock,
                                   api: Any, provider_state: str, state: DeliveryState) -> None:
    mocked.get(api.url("dispatches/5"), body=dispatch(idDispatch=5, status=provider_state))

    report = client.status("5:380710000000")

    assert report.state is state
    assert report.provider_state == provider_state


def test_the_spec_mapping_explicitly() -> None:
    assert DISPATCH_STATES["IN_QUEUE"] is DeliveryState.QUEUED
    assert DISPATCH_STATES["ACTIVE"] is DeliveryState.SENT
    assert DISPATCH_STATES["DELIVERING"] is DeliveryState.SENT
    assert DISPATCH_STATES["TARIFFING"] is DeliveryState.SENT
    assert DISPATCH_STATES["CLOSED"] is DeliveryState.DELIVERED
    assert DISPATCH_STATES["CANCELED"] is DeliveryState.CANCELED
    assert DISPATCH_STATES["NOT_ENOUGH_MONEY"] is DeliveryState.REJECTED
    assert set(DISPATCH_STATES) == {"IN_QUEUE", "NOT_ENOUGH_MONEY", "CANCELED", "ACTIVE",
                                    "DELIVERING", "CLOSED", "TARIFFING"}


def test_an_undocumented_state_is_unknown(client: smsbridge.Client,
                                          mocked: responses.RequestsMock, api: Any) -> None:
    mocked.get(api.url("dispatches/1"), body=dispatch(status="PAUSED"))

    report = client.status("1")

    assert report.state is DeliveryState.UNKNOWN
    assert report.provider_state == "PAUSED"


def test_send_date_becomes_sent_at_in_utc(client: smsbridge.Client,
                                          mocked: responses.RequestsMock, api: Any) -> None:
    mocked.get(api.url("dispatches/1"), body=dispatch(status="ACTIVE", messagesSent=1))

    report = client.status("1")

    assert report.state is DeliveryState.SENT
    assert report.sent_at == datetime(2019, 2, 1, 8, 22, tzinfo=timezone.utc)


def test_dates_follow_the_timezone_setting(connect: Any, mocked: responses.RequestsMock,
                                           api: Any) -> None:
    mocked.get(api.url("dispatches/1"), body=dispatch(status="CLOSED"))

    report = connect(timezone="UTC").status("1")

    assert report.sent_at == datetime(2019, 2, 1, 11, 22, tzinfo=timezone.utc)


def test_strings_lowercase_and_a_result_wrapper_are_read(client: smsbridge.Client,
                                                         mocked: responses.RequestsMock,
                                                         api: Any) -> None:
    mocked.get(api.url("dispatches/17"), body=api.payload("dispatch-strings-wrapped.json"))

    report = client.status("17")

    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "closed"
    assert report.recipient is None
    assert report.description is None
    assert report.raw["messagesDelivered"] == "2"


def test_bare_dispatch_id_is_accepted(client: smsbridge.Client, mocked: responses.RequestsMock,
                                      api: Any, sms_wire: Wire) -> None:
    mocked.get(api.url("dispatches/42"), body=dispatch(idDispatch=42))

    report = client.status(" 42 ")

    assert report.recipient is None
    assert sms_wire[0].path == "/sms-api/dispatches/42"


@pytest.mark.parametrize("message_id", ["abc", "0", "0:380710000000", "1:abc", "-1", "1:",
                                        "1:2:3", "mem-1"])
def test_foreign_ids_are_refused_before_any_request(client: smsbridge.Client,
                                                    mocked: responses.RequestsMock,
                                                    message_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        client.status(message_id)
    assert caught.value.field == "message_id"
    assert len(mocked.calls) == 0


def test_unknown_dispatch_is_not_found(client: smsbridge.Client, mocked: responses.RequestsMock,
                                       api: Any) -> None:
    mocked.get(api.url("dispatches/2"), body=api.payload("error-dispatch-not-found.json"),
               status=404, content_type="application/json")

    with pytest.raises(NotFound) as caught:
        client.status("2:380710000000")
    assert caught.value.code == "DISPATCH_NOT_FOUND"
    assert caught.value.description == "Рассылка 2 не найдена"
    assert caught.value.http_status == 404
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("body", [
    "<html>not json</html>",
    "[]",
    "42",
    dispatch(status=None),
    dispatch(dateSend="2019-02-01T11:22:00"),
    dispatch(messagesCount="many"),
    dispatch(status=["CLOSED"]),
])
def test_unreadable_dispatches_are_invalid_responses(client: smsbridge.Client,
                                                     mocked: responses.RequestsMock,
                                                     api: Any, body: str) -> None:
    mocked.get(api.url("dispatches/1"), body=body)

    with pytest.raises(InvalidResponse) as caught:
        client.status("1")
    assert caught.value.body == body


def test_server_errors_on_status_are_retried(client: smsbridge.Client,
                                             mocked: responses.RequestsMock, api: Any,
                                             sms_sleeps: list[float]) -> None:
    mocked.get(api.url("dispatches/1"), body="oops", status=503)
    mocked.get(api.url("dispatches/1"), body=dispatch(status="CLOSED"))

    assert client.status("1").state is DeliveryState.DELIVERED
    assert len(mocked.calls) == 2
    assert sms_sleeps == [0.5]  # backoff 0.5 s x (0.5 + fixed jitter 0.5)


def test_server_errors_without_a_code_end_as_provider_errors(
        client: smsbridge.Client, mocked: responses.RequestsMock, api: Any) -> None:
    mocked.get(api.url("dispatches/1"), body="oops", status=500)

    with pytest.raises(ProviderError) as caught:
        client.status("1")
    assert caught.value.http_status == 500
    assert len(mocked.calls) == 3


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_is_an_auth_error(client: smsbridge.Client, mocked: responses.RequestsMock,
                                        api: Any, status: int) -> None:
    mocked.get(api.url("dispatches/1"), body="", status=status)

    with pytest.raises(AuthError) as caught:
        client.status("1")
    assert api.token not in str(caught.value) + repr(caught.value)
