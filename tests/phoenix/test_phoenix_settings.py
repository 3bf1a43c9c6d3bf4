"""Settings: required base_url and token, time zone, dispatch size, URL form."""

from __future__ import annotations

from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.errors import ConfigError
from smsbridge_phoenix import PhoenixDriver, PhoenixSettings


def test_base_url_is_required() -> None:
    with pytest.raises(ConfigError, match="'base_url'") as caught:
        smsbridge.connect("phoenix", token="t0ken-value")
    assert caught.value.key == "base_url"


def test_token_is_required() -> None:
    with pytest.raises(ConfigError, match="'token'") as caught:
        smsbridge.connect("phoenix", base_url="https://phoenix.test")
    assert caught.value.key == "token"


@pytest.mark.parametrize("base_url", ["", "phoenix.test", "ftp://phoenix.test", "https://"])
def test_base_url_must_be_an_http_url(base_url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("phoenix", token="t0ken-value", base_url=base_url)
    assert caught.value.key == "base_url"


def test_empty_token_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("phoenix", token=" ", base_url="https://phoenix.test")
    assert caught.value.key == "token"


def test_timezone_defaults_to_moscow() -> None:
    settings = PhoenixSettings(token="t0ken-value", base_url="http://10.128.1.50:7890")
    assert settings.timezone == "Europe/Moscow"
    assert str(settings.zone) == "Europe/Moscow"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "Europe/"])
def test_unknown_timezone_is_a_config_error(zone: str) -> None:
    with pytest.raises(ConfigError, match="time zone") as caught:
        smsbridge.connect("phoenix", token="t0ken-value", base_url="https://phoenix.test",
                          timezone=zone)
    assert caught.value.key == "timezone"


def test_sender_is_not_a_phoenix_setting() -> None:
    with pytest.raises(ConfigError, match="sender") as caught:
        smsbridge.connect("phoenix", token="t0ken-value", base_url="https://phoenix.test",
                          sender="ACME")
    assert caught.value.key == "sender"


def test_dispatch_size_sets_the_batch_size() -> None:
    client = smsbridge.connect("phoenix://t0ken-value@phoenix.test/?dispatch_size=250")
    assert client.driver.batch_size == 250
    default = smsbridge.connect("phoenix://t0ken-value@phoenix.test/")
    assert default.driver.batch_size == 1000
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("phoenix", token="t0ken-value", base_url="https://phoenix.test",
                          dispatch_size=0)
    assert caught.value.key == "dispatch_size"


def test_url_form_puts_the_token_and_base_url_in_place() -> None:
    client = smsbridge.connect("phoenix://T0KEN@sms.example.com/api?timezone=UTC")
    settings = client.driver.settings
    assert isinstance(settings, PhoenixSettings)
    assert settings.token == "T0KEN"
    assert settings.base_url == "https://sms.example.com/api"
    assert settings.timezone == "UTC"
    assert "T0KEN" not in repr(client)


def test_http_url_form_for_an_internal_host() -> None:
    client = smsbridge.connect("phoenix+http://T0KEN@10.128.1.50:7890")
    assert client.driver.settings.base_url == "http://10.128.1.50:7890"


def test_from_env() -> None:
    client = smsbridge.from_env({"SMSBRIDGE_DRIVER": "phoenix", "SMSBRIDGE_TOKEN": "T0KEN",
                                 "SMSBRIDGE_BASE_URL": "https://phoenix.test",
                                 "SMSBRIDGE_TIMEZONE": "Europe/Moscow"})
    assert isinstance(client.driver, PhoenixDriver)


@pytest.mark.parametrize("base_url", ["https://gw.test/sms-api", "https://gw.test/sms-api/"])
def test_base_url_with_the_api_root_is_not_doubled(base_url: str) -> None:
    client = smsbridge.connect("phoenix", token="t0ken-value", base_url=base_url)
    with responses.RequestsMock() as mock:
        mock.get("https://gw.test/sms-api/finance/balance", json={"balance": 1})
        client.balance()


def test_base_url_with_a_proxy_prefix(api: Any) -> None:
    client = smsbridge.connect("phoenix", token="t0ken-value", base_url="https://gw.test/phx/")
    with responses.RequestsMock() as mock:
        mock.get("https://gw.test/phx/sms-api/finance/balance", json={"balance": 1})
        client.balance()


def test_driver_needs_phoenix_settings() -> None:
    with pytest.raises(ConfigError, match="PhoenixDriver needs PhoenixSettings, got BaseSettings"):
        PhoenixDriver(smsbridge.BaseSettings())  # type: ignore[arg-type]
