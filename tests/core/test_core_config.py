from __future__ import annotations

import pytest

import smsbridge
from smsbridge.config import driver_name, parse_url


def test_connect_with_settings() -> None:
    client = smsbridge.connect("testecho", login="acme", password="s3cret-pw", sender="ACME")
    settings = client.driver.settings
    assert (settings.login, settings.password, settings.sender) == ("acme", "s3cret-pw", "ACME")
    assert settings.base_url == "https://echo.test/api"


def test_url_form_fills_credentials_and_query_settings() -> None:
    client = smsbridge.connect("testecho://acme:s3cret%2Fpw@/?sender=ACME&flag=true&timeout=5")
    s = client.driver.settings
    assert (s.login, s.password, s.sender, s.flag, s.timeout) == (
        "acme", "s3cret/pw", "ACME", True, 5.0)
    assert s.base_url == "https://echo.test/api"


def test_url_host_and_path_make_the_base_url() -> None:
    assert parse_url("testecho://a:b@api.example.com/v1")[1]["base_url"] == (
        "https://api.example.com/v1")
    assert parse_url("testecho+http://a:b@127.0.0.1:8080/api")[1]["base_url"] == (
        "http://127.0.0.1:8080/api")


@pytest.mark.parametrize("target", [
    "nikita", "nikita://acme:pw@", "nikita+http://acme:pw@127.0.0.1:8080/api?x=a://b",
    "nikita+https://h/",
])
def test_the_driver_name_of_a_target(target: str) -> None:
    assert driver_name(target) == "nikita"


def test_explicit_settings_override_the_url() -> None:
    client = smsbridge.connect("testecho://acme:pw@/?sender=URL", sender="KW")
    assert client.driver.settings.sender == "KW"


def test_url_with_an_unknown_protocol_is_a_config_error() -> None:
    with pytest.raises(smsbridge.ConfigError, match="ftp"):
        smsbridge.connect("testecho+ftp://a:b@host/")


def test_from_config_mapping_and_url() -> None:
    client = smsbridge.from_config({"driver": "testecho", "login": "a", "password": "b"})
    assert client.driver.settings.login == "a"
    client = smsbridge.from_config({"url": "testecho://a:b@", "sender": "X"})
    assert client.driver.settings.sender == "X"
    with pytest.raises(smsbridge.ConfigError, match="'driver'"):
        smsbridge.from_config({"login": "a"})
    with pytest.raises(smsbridge.ConfigError, match="either"):
        smsbridge.from_config({"driver": "testecho", "url": "testecho://a:b@"})


def test_from_env_with_url_and_separate_secret() -> None:
    env = {"SMSBRIDGE_URL": "testecho://acme@/?sender=ENV", "SMSBRIDGE_PASSWORD": "pw",
           "PATH": "/bin"}
    client = smsbridge.from_env(env)
    assert (client.driver.settings.login, client.driver.settings.password) == ("acme", "pw")


def test_from_env_with_driver_and_setting_variables() -> None:
    env = {"SMSBRIDGE_DRIVER": "testecho", "SMSBRIDGE_LOGIN": "acme",
           "SMSBRIDGE_PASSWORD": "pw", "SMSBRIDGE_FLAG": "no", "SMSBRIDGE_RETRIES": "0"}
    client = smsbridge.from_env(env)
    s = client.driver.settings
    assert (s.login, s.flag, s.retries) == ("acme", False, 0)


def test_from_env_names_a_misspelt_variable() -> None:
    env = {"SMSBRIDGE_DRIVER": "testecho", "SMSBRIDGE_LOGIN": "a", "SMSBRIDGE_PASWORD": "pw"}
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.from_env(env)
    assert "SMSBRIDGE_PASWORD" in str(caught.value)
    assert "SMSBRIDGE_PASSWORD" in str(caught.value)


def test_from_env_without_configuration() -> None:
    with pytest.raises(smsbridge.ConfigError, match="SMSBRIDGE_URL"):
        smsbridge.from_env({})


def test_unknown_setting_names_the_key_and_the_valid_ones() -> None:
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.connect("testecho", login="a", password="b", pasword="c")
    assert caught.value.key == "pasword"
    assert "valid settings: base_url, connect_timeout, deadline, flag, login, password" in str(
        caught.value)


def test_missing_setting_is_named() -> None:
    with pytest.raises(smsbridge.ConfigError, match="missing setting 'password'"):
        smsbridge.connect("testecho", login="a")


@pytest.mark.parametrize(("key", "value"), [("timeout", "soon"), ("flag", "maybe"),
                                            ("retries", "-1"), ("timeout", "0")])
def test_malformed_setting_values(key: str, value: str) -> None:
    with pytest.raises(smsbridge.ConfigError, match=repr(key)):
        smsbridge.connect("testecho", login="a", password="b", **{key: value})


def test_a_malformed_secret_is_not_echoed() -> None:
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.connect("testecho", login="a", password=["s3cret-list"])
    assert "s3cret-list" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_secrets_are_masked_in_every_repr() -> None:
    client = smsbridge.connect("testecho://acme:s3cret-pw@/")
    for text in (repr(client), repr(client.driver), repr(client.driver.settings),
                 repr(client.driver.transport)):
        assert "s3cret-pw" not in text
    assert "password='***'" in repr(client.driver.settings)


def test_the_password_in_a_bad_url_is_not_echoed() -> None:
    with pytest.raises(smsbridge.ConfigError) as caught:
        smsbridge.connect("testecho+gopher://acme:s3cret-pw@host/")
    assert "s3cret-pw" not in str(caught.value)


def test_two_clients_of_one_driver_share_nothing() -> None:
    a = smsbridge.connect("memory")
    b = smsbridge.connect("memory")
    a.send("996550123456", "one")
    assert len(a.driver.outbox) == 1
    assert len(b.driver.outbox) == 0
    assert a.plugin_manager is not b.plugin_manager
