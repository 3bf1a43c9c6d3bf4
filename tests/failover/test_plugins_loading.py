"""Extension plugins are found by name through the installed entry points."""

from __future__ import annotations

from importlib import metadata

import pytest

import smsbridge
from smsbridge.errors import ConfigError
from smsbridge.memory import MemoryDriver
from smsbridge.plugins import AuditPlugin, DryRunPlugin, find_plugin


def test_the_entry_points_are_installed() -> None:
    points = {ep.name: ep.value for ep in metadata.entry_points(group="smsbridge.plugins")}
    assert points["audit"] == "smsbridge.plugins.audit:AuditPlugin"
    assert points["dryrun"] == "smsbridge.plugins.dryrun:DryRunPlugin"
    drivers = {ep.name: ep.value for ep in metadata.entry_points(group="smsbridge.drivers")}
    assert drivers["failover"] == "smsbridge.failover:FailoverDriver"


def test_connect_loads_plugins_by_name_and_gives_them_the_driver() -> None:
    with smsbridge.connect("memory", plugins=["audit", "dryrun"]) as client:
        audit = find_plugin(client, AuditPlugin)
        dryrun = find_plugin(client, DryRunPlugin)
        assert audit.driver is client.driver and dryrun.driver is client.driver
        client.send("996550123456", "hello")
        assert isinstance(client.driver, MemoryDriver)
        assert client.driver.outbox == []
        assert dryrun.outbox.texts == ["hello"]


def test_a_comma_separated_string_names_plugins_too() -> None:
    with smsbridge.connect("memory", plugins="audit, dryrun") as client:
        find_plugin(client, AuditPlugin)
        find_plugin(client, DryRunPlugin)


def test_from_env_and_from_config_load_plugins() -> None:
    env = {"SMSBRIDGE_URL": "memory://", "SMSBRIDGE_PLUGINS": "dryrun"}
    with smsbridge.from_env(env) as client:
        assert client.send("996550123456", "hi").ids == ["dryrun-1"]
    with smsbridge.from_config({"driver": "memory", "plugins": ["dryrun"]}) as client:
        assert client.send("996550123456", "hi").ids == ["dryrun-1"]


def test_plugin_options_reach_the_factory() -> None:
    with smsbridge.connect("memory", plugins=["audit"],
                           plugin_options={"audit": {"include_text": "yes"}}) as client:
        assert find_plugin(client, AuditPlugin).include_text is True


def test_plugin_objects_can_be_passed_directly() -> None:
    dryrun = DryRunPlugin()
    with smsbridge.connect("memory", plugins=[dryrun]) as client:
        client.send("996550123456", "hi")
    assert dryrun.outbox.texts == ["hi"]


def test_unknown_plugin_names_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match=r"no smsbridge plugin named 'audti'.*audit, dryrun"):
        smsbridge.connect("memory", plugins=["audti"])


@pytest.mark.parametrize(("name", "options", "message"), [
    ("audit", {"pth": "x"}, "unknown audit option.*'pth'.*valid options"),
    ("audit", {"include_text": "maybe"}, "'include_text' must be a boolean"),
    ("audit", {"path": "x", "stream": None}, None),
    ("dryrun", {"verbose": True}, "unknown dryrun option.*'verbose'"),
])
def test_bad_plugin_options_are_config_errors(name: str, options: dict[str, object],
                                              message: str | None) -> None:
    if message is None:
        smsbridge.connect("memory", plugins=[name], plugin_options={name: options}).close()
        return
    with pytest.raises(ConfigError, match=message):
        smsbridge.connect("memory", plugins=[name], plugin_options={name: options})


def test_plugins_do_not_change_the_capabilities() -> None:
    with smsbridge.connect("memory") as plain, \
            smsbridge.connect("memory", plugins=["audit", "dryrun"]) as wrapped:
        assert plain.capabilities == wrapped.capabilities
        assert not wrapped.supports("hlr")


def test_find_plugin_without_one_is_a_lookup_error() -> None:
    with smsbridge.connect("memory") as client, pytest.raises(LookupError):
        find_plugin(client, DryRunPlugin)
