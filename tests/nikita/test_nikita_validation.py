"""Input checks against Nikita's documented limits: refused before any request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.errors import ConfigError, ValidationError

URL = "https://nikita.test/api/message"
OK = (b"<response><id>x</id><status>0</status><phones>1</phones><smscnt>1</smscnt>"
      b"<message></message></response>")


@pytest.fixture
def no_requests() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
        assert len(mock.calls) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sender": "ABCDEFGHIJKL"}, "sender"),  # 12 letters
        ({"sender": "My company"}, "sender"),  # space
        ({"sender": "Компания"}, "sender"),  # not latin
        ({"sender": "Acme_Ltd"}, "sender"),  # underscore
        ({"sender": "123456789012345"}, "sender"),  # 15 digits
        ({"validity": 3600}, "validity"),
        ({"validity": timedelta(hours=1)}, "validity"),
        ({"priority": "high"}, "priority"),  # the base's rule: the field is the option
    ],
)
def test_bad_options_are_refused_before_any_request(
    client: smsbridge.Client, no_requests: Any, kwargs: dict[str, Any], field: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        client.send("996550123456", "hello", **kwargs)

    assert caught.value.field == field


def test_an_unknown_option_is_named(client: smsbridge.Client, no_requests: Any) -> None:
    with pytest.raises(ValidationError, match=r"^unknown send option\(s\) for nikita: "
                                              r"priority; valid options: none$"):
        client.send("996550123456", "hello", priority="high")


def test_validity_error_says_the_provider_has_none(client: smsbridge.Client,
                                                   no_requests: Any) -> None:
    with pytest.raises(ValidationError, match="no validity period"):
        client.send("996550123456", "hello", validity=60)


@pytest.mark.parametrize("sender", ["ACME", "My-company", "Shop.kg", "A1-B2.C3-D4",
                                    "12345678901234", "5"])
def test_documented_sender_forms_are_accepted(
    client: smsbridge.Client, sender: str,
) -> None:
    with responses.RequestsMock() as mock:
        mock.post(URL, body=OK)
        assert client.send("996550123456", "hello", sender=sender).ok


def test_text_up_to_800_characters(client: smsbridge.Client) -> None:
    with responses.RequestsMock() as mock:
        mock.post(URL, body=OK)
        assert client.send("996550123456", "я" * 800).ok
        with pytest.raises(ValidationError, match="800"):
            client.send("996550123456", "я" * 801)
        assert len(mock.calls) == 1


def test_control_characters_cannot_travel_in_xml(client: smsbridge.Client,
                                                 no_requests: Any) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        client.send("996550123456", "bell\x07")


def test_a_sender_is_required(connect: Callable[..., smsbridge.Client],
                              no_requests: Any) -> None:
    client = connect(sender=None)

    with pytest.raises(ValidationError, match=r"a sender is needed \(up to 11 latin letters, "
                       r"digits, dots and dashes, or up to 14 digits\): pass sender=") as caught:
        client.send("996550123456", "hello")

    assert caught.value.field == "sender"


def test_numbers_and_naive_times_are_refused(client: smsbridge.Client,
                                            no_requests: Any) -> None:
    for bad in ("12345", "+996 abc", ""):
        with pytest.raises(ValidationError):
            client.send(bad, "hello")
    with pytest.raises(ValidationError, match="timezone-aware"):
        client.send("996550123456", "hello", send_at=datetime(2030, 1, 1, 12))


def test_one_bad_number_in_a_big_send_stops_everything(client: smsbridge.Client,
                                                       no_requests: Any) -> None:
    numbers = [f"99655{n:07d}" for n in range(120)] + ["oops"]

    with pytest.raises(ValidationError):
        client.send(numbers, "hello")


def test_send_at_out_of_range_is_refused(client: smsbridge.Client, no_requests: Any) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        client.send("996550123456", "hello",
                    send_at=datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12))))


def test_viber_is_not_offered(client: smsbridge.Client, no_requests: Any) -> None:
    with pytest.raises(smsbridge.NotSupported):
        client.send("996550123456", "hello", channel="viber")


@pytest.mark.parametrize(
    "settings",
    [
        {"busy_delay_min": -1},
        {"busy_delay_min": 5, "busy_delay_max": 4},
        {"busy_retries": -1},
        {"test": "maybe"},
    ],
)
def test_bad_settings_are_config_errors(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        smsbridge.connect("nikita", login="a", password="b", **settings)
