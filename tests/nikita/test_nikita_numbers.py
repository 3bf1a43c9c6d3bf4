"""Nikita serves Kyrgyz numbers: national ones get the country code before the request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses

import smsbridge
from smsbridge.errors import ConfigError, ValidationError
from smsbridge.testing.fixtures import Wire

URL = "https://nikita.test/api/message"


def answer(payload: Callable[..., bytes], phones: int) -> bytes:
    return payload("message-status.xml", id="A1", status=0, phones=phones, smscnt=1,
                   message="")


def test_national_numbers_are_sent_with_the_country_code(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Callable[..., bytes],
    sms_wire: Wire,
) -> None:
    mocked.post(URL, body=answer(payload, phones=3))

    result = client.send(["0550 123 456", "555 123 457", "+996 550 123 458"], "hi")

    phones = sms_wire[0].xml("phone")["message"]["phones"]["phone"]
    assert phones == ["996550123456", "996555123457", "996550123458"]
    assert [m.recipient for m in result] == ["996550123456", "996555123457", "996550123458"]


def test_the_default_country_can_be_changed_or_turned_off(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Callable[..., bytes], sms_wire: Wire,
) -> None:
    mocked.post(URL, body=answer(payload, phones=1))
    mocked.post(URL, body=answer(payload, phones=1))

    connect(default_country="kz").send("8 701 123 45 67", "hi")
    connect(default_country="").send("77011234567", "hi")

    assert [request.xml("phone")["message"]["phones"]["phone"] for request in sms_wire] == [
        ["77011234567"], ["77011234567"]]


def test_an_unknown_default_country_is_a_config_error(
        connect: Callable[..., smsbridge.Client]) -> None:
    with pytest.raises(ConfigError, match="unknown country 'XX'") as caught:
        connect(default_country="XX")
    assert caught.value.key == "default_country"


def test_lookup_takes_a_national_number_too(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Callable[..., bytes],
    sms_wire: Wire,
) -> None:
    mocked.post("https://nikita.test/api/def", body=payload("def-doc.xml"))

    client.lookup("0550 123 456")

    assert sms_wire[0].xml("phone")["def"]["phone"] == ["996550123456"]


def test_a_national_number_among_many_is_refused_before_any_request(
        connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock) -> None:
    # Without a default country a national number cannot be completed: the check of
    # each recipient finds it even after equal messages to good numbers.
    numbers = ["996550123456", "996550123457", "0550123458", "996550123459"]

    with pytest.raises(ValidationError, match="'0550123458': a national number") as caught:
        connect(default_country="").send(numbers, "hi")

    assert caught.value.field == "to"
    assert len(mocked.calls) == 0
