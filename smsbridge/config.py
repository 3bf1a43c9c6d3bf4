"""Making clients from a name and settings, a URL, a mapping or the environment."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from smsbridge.client import Client
from smsbridge.discovery import load_driver, load_plugin
from smsbridge.driver import Driver
from smsbridge.errors import ConfigError
from smsbridge.settings import setting_names, structure_settings

if TYPE_CHECKING:
    import requests

    from smsbridge.transport import RetryPolicy

__all__ = ["connect", "driver_name", "from_config", "from_env", "parse_url"]

ENV_PREFIX = "SMSBRIDGE_"
#: SMSBRIDGE_* variables that are not driver settings.
RESERVED_ENV = frozenset({"URL", "DRIVER", "PLUGINS", "CONFIG", "PROVIDER"})


def driver_name(target: str) -> str:
    """The driver a target names: ``nikita`` for ``nikita``, ``nikita://...`` and
    ``nikita+http://...``."""
    return target.split("://", 1)[0].partition("+")[0]


def parse_url(url: str, driver: type[Driver[Any]] | None = None) -> tuple[str, dict[str, Any]]:
    """Split ``driver[+http]://user:secret@host[:port]/path?setting=value`` into a driver
    name and settings.

    The user and secret go to the settings the driver names in ``url_credentials``; a
    host makes ``base_url`` (https unless the scheme says ``+http``); query parameters
    are settings.
    """
    try:
        parts = urlsplit(url)
        # Reading the port validates the authority; a "/" or "@" left unencoded in a
        # secret shows up here (the error would quote part of the secret).
        hostname, port = parts.hostname, parts.port
    except ValueError:
        malformed = True
    else:
        malformed = False
    if malformed:  # raised outside the handler: the ValueError is not kept as context
        raise ConfigError(
            "malformed smsbridge URL: check the host and port, and percent-encode any "
            "'/', '?', '#', '@' or ':' in the user and password (urllib.parse.quote)",
            key="url")
    scheme = parts.scheme
    if not scheme:
        raise ConfigError(f"not a smsbridge URL (driver://...): {_safe(url)!r}", key="url")
    name, protocol = driver_name(scheme), scheme.partition("+")[2] or "https"
    if protocol not in ("http", "https"):
        raise ConfigError(f"unknown protocol {protocol!r} in URL scheme {scheme!r}", key="url")
    if driver is None:
        driver = load_driver(name)
    settings: dict[str, Any] = {}
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        settings[key] = values[0] if len(values) == 1 else values
    user_key, secret_key = driver.url_credentials
    user: str | None = unquote(parts.username) if parts.username else None
    password: str | None = unquote(parts.password) if parts.password else None
    if user_key is None and secret_key is not None and password is None:
        password = user
        user = None
    for setting, value, part in ((user_key, user, "user"), (secret_key, password, "password")):
        if value is None:
            continue
        if setting is None:
            raise ConfigError(f"driver {name!r} takes no {part} in its URL", key="url")
        settings[setting] = value
    if hostname:
        host = f"[{hostname}]" if ":" in hostname else hostname
        shown_port = f":{port}" if port else ""
        settings.setdefault("base_url", f"{protocol}://{host}{shown_port}{parts.path}")
    return name, settings


def _safe(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url


def _plugin_objects(plugins: Iterable[Any] | str | None, driver: Driver[Any],
                    options: Mapping[str, Mapping[str, Any]]) -> list[object]:
    if plugins is None:
        return []
    if isinstance(plugins, str):
        plugins = [p.strip() for p in plugins.split(",") if p.strip()]
    loaded = []
    for plugin in plugins:
        if isinstance(plugin, str):
            factory = load_plugin(plugin)
            loaded.append(factory(driver=driver, **dict(options.get(plugin, {}))))
        else:
            loaded.append(plugin)
    return loaded


def connect(
    target: str,
    /,
    *,
    plugins: Iterable[Any] | str | None = None,
    plugin_options: Mapping[str, Mapping[str, Any]] | None = None,
    session: requests.Session | None = None,
    retry: RetryPolicy | None = None,
    **settings: Any,
) -> Client:
    """Make a client for a driver name (``"nikita"``) or a URL (``"nikita://acme:pw@"``).

    :param plugins: extension plugins: names from the ``smsbridge.plugins`` entry points
        (or a comma-separated string of them), or plugin objects.
    :param plugin_options: keyword arguments per plugin name.
    :param session: a ``requests.Session`` to use instead of a new one.
    :param retry: a :class:`~smsbridge.transport.RetryPolicy` overriding the default.
    :param settings: driver settings; they override those in the URL.
    :raises DriverNotFound: no driver of that name is installed.
    :raises ConfigError: a setting is unknown, missing or malformed.
    """
    if not isinstance(target, str) or not target:
        raise ConfigError("connect() needs a driver name or a smsbridge URL", key="driver")
    if "://" in target:
        name = driver_name(target)
        driver_class = load_driver(name)
        _, from_url = parse_url(target, driver_class)
        values = {**from_url, **settings}
    else:
        name = target
        driver_class = load_driver(name)
        values = dict(settings)
    if "plugins" in values and plugins is None:
        plugins = values.pop("plugins")
    parsed = structure_settings(driver_class.settings_class, values, driver=name)
    driver = driver_class(parsed, session=session, retry=retry)
    return Client(driver, plugins=_plugin_objects(plugins, driver, plugin_options or {}))


def from_config(config: Mapping[str, Any], **overrides: Any) -> Client:
    """Make a client from a mapping: ``{"driver": "nikita", "login": ..., ...}`` or
    ``{"url": "nikita://..."}`` plus settings."""
    if not isinstance(config, Mapping):
        raise ConfigError("from_config() needs a mapping of settings")
    values = {**config, **overrides}
    url = values.pop("url", None)
    driver = values.pop("driver", None)
    if url and driver:
        raise ConfigError("give either 'url' or 'driver', not both", key="driver")
    if not (url or driver):
        raise ConfigError("the configuration names no 'driver' (or 'url')", key="driver")
    return connect(str(url or driver), **values)


def from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Client:
    """Make a client from ``SMSBRIDGE_URL``, or ``SMSBRIDGE_DRIVER`` plus one
    ``SMSBRIDGE_<SETTING>`` variable per setting (``SMSBRIDGE_PASSWORD``, ...).

    With a URL, ``SMSBRIDGE_<SETTING>`` variables add to it (keep a password out of the
    URL that way). ``SMSBRIDGE_PLUGINS`` lists plugins, comma-separated.
    """
    env = os.environ if environ is None else environ
    url = env.get(ENV_PREFIX + "URL", "").strip()
    name = env.get(ENV_PREFIX + "DRIVER", "").strip()
    if not (url or name):
        raise ConfigError(f"set {ENV_PREFIX}URL, or {ENV_PREFIX}DRIVER and its settings",
                          key="driver")
    target = url or name
    driver_class = load_driver(driver_name(target))
    names = setting_names(driver_class.settings_class)
    values: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        setting = key[len(ENV_PREFIX):]
        if setting in RESERVED_ENV:
            continue
        if setting.lower() not in names:
            raise ConfigError(
                f"unknown setting {key} for driver {driver_class.name!r}; valid variables: "
                + ", ".join(ENV_PREFIX + n.upper() for n in names),
                key=setting.lower(),
            )
        values[setting.lower()] = value
    plugins = env.get(ENV_PREFIX + "PLUGINS") or None
    values.update(overrides)
    return connect(target, plugins=values.pop("plugins", plugins), **values)
