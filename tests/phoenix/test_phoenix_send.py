"""Sending: POST /sms-api/dispatches on the wire, ids, chunking, checks and failures."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import responses

import smsbridge
from smsbridge.errors import (
    DeliveryUnknown,
    InvalidRecipient,
    InvalidResponse,
    NotSupported,
    ProviderError,
    ValidationError,
)
from smsbridge.testing.fixtures import Wire

PHONE = "380711234567"


def test_send_one_number(client: smsbridge.Client, mocked: responses.RequestsMock,
                         api: Any, sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches"), body=api.payload("dispatch-created.json"),
                content_type="application/json")

    result = client.send("+380 71 123-45-67", "Привет")

    request = sms_wire[0]
    assert request.method == "POST"
    assert request.path == "/sms-api/dispatches"
    assert request.query_pairs == [("token", api.token)]
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"message": "Привет", "phonesList": [PHONE]}
    assert len(result) == 1
    sent = result.messages[0]
    assert sent.message_id == "1:380711234567"
    assert sent.recipient == PHONE
    assert sent.parts == 1
    assert sent.provider == "phoenix"
    assert sent.ok
    assert sent.raw == {"idDispatch": "1"}
    assert result.ids == ["1:380711234567"]


def test_numbers_are_sent_in_the_full_international_form(
        client: smsbridge.Client, mocked: responses.RequestsMock, api: Any, sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches"), body="25")

    result = client.send(["380711234567", "0711234568", "71 123 45 69", "8 071 123 45 70"],
                         "hello")

    assert sms_wire[0].json()["phonesList"] == [
        "380711234567", "380711234568", "380711234569", "380711234570"]
    assert result.ids == ["25:380711234567", "25:380711234568", "25:380711234569",
                          "25:380711234570"]
    # The recipient stays the number as the caller gave it (normalized to digits).
    assert [m.recipient for m in result] == ["380711234567", "0711234568", "711234569",
                                             "80711234570"]


def test_send_at_is_formatted_in_moscow_time(client: smsbridge.Client,
                                             mocked: responses.RequestsMock, api: Any,
                                             sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches"), body="1")

    client.send(PHONE, "test", send_at=datetime(2099, 11, 2, 8, 12, 33, tzinfo=timezone.utc))

    assert sms_wire[0].json() == {"message": "test", "dateSend": "02.11.2099 11:12:33",
                                  "phonesList": [PHONE]}


def test_send_at_follows_the_timezone_setting(connect: Any, mocked: responses.RequestsMock,
                                              api: Any, sms_wire: Wire) -> None:
    mocked.post(api.url("dispatches"), body="1")
    client = connect(timezone="Asia/Tokyo")
    kyiv = timezone(timedelta(hours=2))

    client.send(PHONE, "test", send_at=datetime(2099, 1, 31, 23, 30, 0, 999, tzinfo=kyiv))

    assert sms_wire[0].json()["dateSend"] == "01.02.2099 06:30:00"


def test_large_sends_are_split_into_dispatches(connect: Any, mocked: responses.RequestsMock,
                                               api: Any, sms_wire: Wire) -> None:
    ids = itertools.count(10)
    mocked.add_callback("POST", api.url("dispatches"),
                        callback=lambda request: (200, {}, str(next(ids))))
    client = connect(dispatch_size=2)
    phones = [f"38071000000{i}" for i in range(5)]

    result = client.send(phones, "hello")

    assert [request.json()["phonesList"] for request in sms_wire] == [
        phones[0:2], phones[2:4], phones[4:5]]
    assert result.ids == [f"10:{phones[0]}", f"10:{phones[1]}", f"11:{phones[2]}",
                          f"11:{phones[3]}", f"12:{phones[4]}"]


def test_send_iter_sends_one_dispatch_at_a_time(connect: Any, mocked: responses.RequestsMock,
                                                api: Any) -> None:
    ids = itertools.count(1)
    mocked.add_callback("POST", api.url("dispatches"),
                        callback=lambda request: (200, {}, str(next(ids))))
    client = connect(dispatch_size=3)
    pulled: list[str] = []

    def numbers() -> Any:
        for i in range(1_000_000):
            pulled.append(str(i))
            yield f"380710{i:06d}"

    stream = client.send_iter(numbers(), "hello")
    first = [next(stream) for _ in range(3)]

    assert [m.message_id for m in first] == [
        "1:380710000000", "1:380710000001", "1:380710000002"]
    assert len(mocked.calls) == 1
    assert len(pulled) <= 4  # lazily pulled: one dispatch and the next number at most
    fourth = next(stream)
    assert fourth.message_id == "2:380710000003"
    assert len(mocked.calls) == 2
    stream.close()


@pytest.mark.parametrize("body", ["1", '"1"', " 1\n", '{"idDispatch": 1}', '{"id": "1"}',
                                  '{"result": 1}'])
def test_dispatch_id_variants(client: smsbridge.Client, mocked: responses.RequestsMock,
                              api: Any, body: str) -> None:
    mocked.post(api.url("dispatches"), body=body)

    assert client.send(PHONE, "hello").ids == ["1:380711234567"]


@pytest.mark.parametrize("body", ["<html>ok</html>", "0", "1.5", '"abc"', "[1]", "null",
                                  '{"dispatch": 1}', "-3"])
def test_unreadable_dispatch_ids(client: smsbridge.Client, mocked: responses.RequestsMock,
                                 api: Any, body: str) -> None:
    mocked.post(api.url("dispatches"), body=body)

    with pytest.raises(DeliveryUnknown) as caught:
        client.send(PHONE, "hello")
    assert caught.value.body == body
    assert isinstance(caught.value.__cause__, InvalidResponse)
    assert len(mocked.calls) == 1


def test_empty_answer_says_the_dispatch_may_exist(client: smsbridge.Client,
                                                  mocked: responses.RequestsMock,
                                                  api: Any) -> None:
    mocked.post(api.url("dispatches"), body="")

    with pytest.raises(DeliveryUnknown, match="may have been created"):
        client.send(PHONE, "hello")


def test_invalid_format_is_invalid_recipient(client: smsbridge.Client,
                                             mocked: responses.RequestsMock, api: Any) -> None:
    mocked.post(api.url("dispatches"), body=api.payload("error-invalid-format.json"),
                status=400, content_type="application/json")

    with pytest.raises(InvalidRecipient) as caught:
        client.send(PHONE, "hello")
    assert caught.value.code == "INVALID_FORMAT"
    assert caught.value.http_status == 400
    assert caught.value.description is not None
    assert "38071xxxxxxx" in caught.value.description
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("name, code", [
    ("error-invalid-dispatch-date.json", "INVALID_DISPATCH_DATE"),
    ("error-argument-not-valid.json", "ARGUMENT_NOT_VALID"),
])
def test_documented_send_refusals(client: smsbridge.Client, mocked: responses.RequestsMock,
                                  api: Any, name: str, code: str) -> None:
    mocked.post(api.url("dispatches"), body=api.payload(name), status=400)

    with pytest.raises(ProviderError) as caught:
        client.send(PHONE, "hello", send_at=datetime(2099, 1, 1, tzinfo=timezone.utc))
    assert type(caught.value) is ProviderError
    assert caught.value.code == code
    assert caught.value.provider == "phoenix"
    assert caught.value.operation == "send"


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("read timed out"),
                                     requests.exceptions.ConnectionError("reset by peer")])
def test_lost_answer_is_never_repeated(client: smsbridge.Client, mocked: responses.RequestsMock,
                                       api: Any, sms_sleeps: list[float],
                                       failure: Exception) -> None:
    mocked.post(api.url("dispatches"), body=failure)

    with pytest.raises(DeliveryUnknown) as caught:
        client.send(PHONE, "hello")
    assert len(mocked.calls) == 1
    assert sms_sleeps == []
    assert api.token not in str(caught.value)


@pytest.mark.parametrize("status, error", [(502, DeliveryUnknown), (504, DeliveryUnknown),
                                           (500, DeliveryUnknown), (503, DeliveryUnknown)])
def test_server_errors_on_send_are_not_retried(client: smsbridge.Client,
                                               mocked: responses.RequestsMock, api: Any,
                                               status: int, error: type[Exception]) -> None:
    mocked.post(api.url("dispatches"), body="<html>gateway</html>", status=status)

    with pytest.raises(error):
        client.send(PHONE, "hello")
    assert len(mocked.calls) == 1


def test_a_failed_dispatch_reports_the_accepted_ones(connect: Any,
                                                     mocked: responses.RequestsMock,
                                                     api: Any) -> None:
    mocked.post(api.url("dispatches"), body="7")
    mocked.post(api.url("dispatches"), body=api.payload("error-argument-not-valid.json"),
                status=400)
    client = connect(dispatch_size=1)

    with pytest.raises(ProviderError) as caught:
        client.send(["380711111111", "380712222222"], "hello")
    assert caught.value.partial.ids == ["7:380711111111"]


# -- checks before any request --------------------------------------------------------


@pytest.mark.parametrize("number", [
    "996550123456",   # another country
    "79491234567",    # a Russian number
    "3807112345678",  # one digit too many
    "38071123456",    # one digit too few
    "380501234567",   # another Ukrainian operator
    "7112345678",
    "1234567",
])
def test_numbers_phoenix_does_not_take_are_refused(client: smsbridge.Client,
                                                   mocked: responses.RequestsMock,
                                                   number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        client.send([PHONE, number], "hello")
    assert caught.value.field == "to"
    assert len(mocked.calls) == 0


def test_text_length_counts_java_characters(client: smsbridge.Client,
                                            mocked: responses.RequestsMock, api: Any) -> None:
    mocked.post(api.url("dispatches"), body="1")
    client.send(PHONE, "a" * 5000)
    client.send(PHONE, "😀" * 2500)  # 5000 UTF-16 code units
    assert len(mocked.calls) == 2

    with pytest.raises(ValidationError, match="surrogate"):
        client.send(PHONE, "a\ud800b")
    for text in ("a" * 5001, "😀" * 2501, "Я" * 5001):
        with pytest.raises(ValidationError, match="at most 5000") as caught:
            client.send(PHONE, text)
        assert caught.value.field == "text"
    assert len(mocked.calls) == 2


@pytest.mark.parametrize("kwargs, field", [
    ({"send_at": datetime(2020, 9, 7, 14, 57, tzinfo=timezone.utc)}, "send_at"),
    ({"send_at": datetime(2099, 1, 1)}, "send_at"),   # naive
    ({"sender": "ACME"}, "sender"),
    ({"validity": 3600}, "validity"),
    ({"flash": True}, "flash"),  # the base's option check names the unknown option
])
def test_options_phoenix_lacks_are_refused(client: smsbridge.Client,
                                           mocked: responses.RequestsMock,
                                           kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        client.send(PHONE, "hello", **kwargs)
    assert caught.value.field == field
    assert len(mocked.calls) == 0


def test_send_at_just_passed_is_refused(client: smsbridge.Client,
                                        mocked: responses.RequestsMock) -> None:
    with pytest.raises(ValidationError, match="past"):
        client.send(PHONE, "hello", send_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert len(mocked.calls) == 0


def test_viber_is_not_supported(client: smsbridge.Client) -> None:
    assert not client.supports("viber")
    with pytest.raises(NotSupported):
        client.send(PHONE, "hello", channel="viber")


def test_capabilities(client: smsbridge.Client) -> None:
    assert client.capabilities == frozenset({"send", "status", "balance", "send_at"})
