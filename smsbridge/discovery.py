"""Finding drivers and plugins through entry points, importing only the one asked for."""

from __future__ import annotations

import logging
import re
from importlib import metadata
from typing import Any

import attrs

from smsbridge.errors import ConfigError, DriverError, DriverNotFound

__all__ = ["DRIVER_GROUP", "PLUGIN_GROUP", "DriverInfo", "available_drivers", "load_driver",
           "load_plugin"]

logger = logging.getLogger(__name__)

DRIVER_GROUP = "smsbridge.drivers"
PLUGIN_GROUP = "smsbridge.plugins"
#: What a conventional driver or plugin name looks like (``nikita``, ``my_sms``).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
#: Schemes of plain web addresses, given where a smsbridge URL belongs.
_WEB_SCHEMES = frozenset({"http", "https"})


@attrs.frozen(kw_only=True)
class DriverInfo:
    """An installed driver, described without importing it."""

    name: str
    value: str
    distribution: str | None
    version: str | None


def _entry_points(group: str) -> dict[str, metadata.EntryPoint]:
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=group):
        if ep.name in found:
            if ep.value != found[ep.name].value:
                logger.warning("two %s entry points named %r; using %s", group, ep.name,
                               found[ep.name].value)
            continue
        found[ep.name] = ep
    return found


def available_drivers() -> dict[str, DriverInfo]:
    """Installed drivers by name, with their distribution and version; imports none."""
    drivers = {}
    for name, ep in sorted(_entry_points(DRIVER_GROUP).items()):
        dist = ep.dist
        drivers[name] = DriverInfo(
            name=name,
            value=ep.value,
            distribution=dist.metadata["Name"] if dist is not None else None,
            version=dist.version if dist is not None else None,
        )
    return drivers


def _conventional(group: str, name: str) -> metadata.EntryPoint | None:
    """Entry point ``name`` of ``group`` as its conventional distribution declares it:
    ``smsbridge-<name>`` for a driver (``smsbridge`` itself for the built-in ones).

    Reading one distribution's metadata instead of every installed one's is what keeps
    ``connect()`` quick; a driver from any other distribution is found by the scan.
    """
    if not _NAME.match(name):
        return None
    for owner in (f"smsbridge-{name}", "smsbridge"):
        try:
            points = metadata.distribution(owner).entry_points
        except metadata.PackageNotFoundError:
            continue
        for ep in points.select(group=group, name=name):
            return ep
    return None


def _load(group: str, name: str) -> Any:
    ep = _conventional(group, name) or _entry_points(group).get(name)
    if ep is None:
        return None
    try:
        return ep.load()
    except Exception as exc:
        where = ep.dist.metadata["Name"] if ep.dist is not None else ep.value
        raise DriverError(
            f"{group} entry point {name!r} ({where}) failed to import: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def load_driver(name: str) -> type[Any]:
    """Import and return the driver class registered under ``name``."""
    if name.lower() in _WEB_SCHEMES and name not in _entry_points(DRIVER_GROUP):
        installed = ", ".join(sorted(_entry_points(DRIVER_GROUP))) or "none"
        raise ConfigError(
            f"{name!r} is not a driver: a smsbridge URL names its driver in the scheme, "
            f"as in nikita://login:password@/ or, for a simulator or proxy, "
            f"nikita+{name.lower()}://login:password@127.0.0.1:8000/api "
            f"(installed drivers: {installed})", key="url")
    driver = _load(DRIVER_GROUP, name)
    if driver is None:
        raise DriverNotFound(name, list(_entry_points(DRIVER_GROUP)))
    if not isinstance(driver, type):
        raise DriverError(f"driver entry point {name!r} is not a class: {driver!r}")
    return driver


def load_plugin(name: str) -> Any:
    """Import and return the plugin factory registered under ``name``."""
    plugin = _load(PLUGIN_GROUP, name)
    if plugin is None:
        installed = ", ".join(sorted(_entry_points(PLUGIN_GROUP))) or "none"
        raise ConfigError(f"no smsbridge plugin named {name!r} is installed "
                          f"(installed: {installed})", key="plugins")
    return plugin
