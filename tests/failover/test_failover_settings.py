"""Configuring the failover driver: the forms ``providers`` takes, and their errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import ConfigError, DriverNotFound, NotSupported
from smsbridge.failover import FailoverDriver, FailoverSettings
from smsbridge.memory import MemoryDriver, MemorySettings


def memory_drivers(client: smsbridge.Client) -> list[MemoryDriver]:
    assert isinstance(client.driver, FailoverDriver)
    drivers = [c.driver for c in client.driver.clients]
    assert all(isinstance(d, MemoryDriver) for d in drivers)
    return drivers  # type: ignore[return-value]


def balances(client: smsbridge.Client) -> list[str]:
    assert isinstance(client.driver, FailoverDriver)
    return [str(b.amount) for b in client.driver.balances().values()  # type: ignore[union-attr]
            ]


@pytest.mark.parametrize("providers", [
    ["memory://?balance=1", "memory://?balance=2"],
    ["memory://?balance=1", {"driver": "memory", "balance": "2"}],
    [{"url": "memory://?balance=1"}, {"driver": "memory", "balance": 2}],
    json.dumps(["memory://?balance=1", {"driver": "memory", "balance": 2}]),
    "memory://?balance=1 memory://?balance=2",
    "\n  memory://?balance=1\n  memory://?balance=2\n",
], ids=["urls", "url-and-mapping", "mappings", "json-string", "spaces", "newlines"])
def test_providers_in_every_accepted_form(providers: Any) -> None:
    with smsbridge.connect("failover", providers=providers) as client:
        assert balances(client) == ["1", "2"]
        assert client.driver.labels == ["0:memory", "1:memory"]  # type: ignore[attr-defined]


def test_from_env_takes_providers_and_cooldown() -> None:
    env = {"SMSBRIDGE_DRIVER": "failover",
           "SMSBRIDGE_PROVIDERS": "memory://?balance=3\nmemory://?balance=4",
           "SMSBRIDGE_COOLDOWN": "15"}
    with smsbridge.from_env(env) as client:
        assert balances(client) == ["3", "4"]
        assert client.driver.settings.cooldown == 15.0  # type: ignore[attr-defined]


def test_from_config_and_url_query_forms() -> None:
    config = {"driver": "failover", "providers": ["memory://", "memory://"], "cooldown": 5}
    with smsbridge.from_config(config) as client:
        assert len(memory_drivers(client)) == 2
    with smsbridge.connect("failover://?providers=memory://&providers=memory://") as client:
        assert len(memory_drivers(client)) == 2


def test_one_provider_is_enough_and_the_memory_outbox_gets_the_message() -> None:
    with smsbridge.connect("failover", providers=["memory://"]) as client:
        result = client.send("+996 550 123 456", "hello")
        (memory,) = memory_drivers(client)
        assert memory.outbox.texts == ["hello"]
        assert result.ids == ["0:mem-1"]
        assert result.messages[0].provider == "memory"
        assert client.status("0:mem-1").recipient == "996550123456"
        # The memory driver has no HLR, so neither has this failover client.
        assert not client.supports("hlr")
        with pytest.raises(NotSupported):
            client.lookup("996550123456")


@pytest.mark.parametrize(("providers", "message"), [
    ([], "needs at least one provider"),
    ("", "needs at least one provider"),
    ("[not json", "not a valid JSON list"),
    ({"driver": "memory"}, "must be a list"),
    ([42], "providers[0] must be a URL string, a mapping"),
    (["memory://", "nosuchdriver://x"], "failover provider 1 (nosuchdriver): no smsbridge driver"),
    (["memory://", {"driver": "memory", "pasword": "x"}],
     "failover provider 1 (memory): unknown setting 'pasword'"),
    ([{"balance": 1}], "names no 'driver'"),
])
def test_bad_providers_are_config_errors(providers: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")) as caught:
        smsbridge.connect("failover", providers=providers)
    assert caught.value.key == "providers"


def test_missing_providers_and_negative_cooldown() -> None:
    with pytest.raises(ConfigError, match="missing setting 'providers'"):
        smsbridge.connect("failover")
    with pytest.raises(ConfigError, match="'cooldown' must not be negative"):
        smsbridge.connect("failover", providers=["memory://"], cooldown=-1)


def test_unknown_child_driver_chains_driver_not_found() -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("failover", providers=["nosuchdriver://"])
    assert isinstance(caught.value.__cause__, DriverNotFound)


def test_settings_repr_shows_driver_names_only() -> None:
    settings = FailoverSettings(providers=[
        "nikita://acme:pa55-w0rd@/?sender=ACME",
        {"driver": "devino", "login": "acme", "password": "s3cr3t-pw"},
    ])
    text = repr(settings)
    assert "providers=['nikita', 'devino']" in text
    assert "pa55-w0rd" not in text and "s3cr3t-pw" not in text and "acme" not in text


def test_bad_json_error_does_not_quote_the_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("failover", providers='["nikita://acme:pa55-w0rd@", ')
    assert "pa55-w0rd" not in str(caught.value)


class ClosingMemoryDriver(MemoryDriver):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def test_a_failing_provider_closes_the_ones_already_built() -> None:
    built = ClosingMemoryDriver(MemorySettings())
    with pytest.raises(ConfigError):
        smsbridge.connect("failover", providers=[smsbridge.Client(built), "nosuchdriver://"])
    assert built.closed
