"""Making the client a command talks to: ``--url``, a config file, or the environment.

The order: ``--url`` (plus ``SMSBRIDGE_<SETTING>`` variables, so a password can stay
out of the command line), ``--config FILE`` (``--provider NAME`` picks its section),
``SMSBRIDGE_URL`` / ``SMSBRIDGE_DRIVER`` with ``SMSBRIDGE_<SETTING>`` variables, and
last ``SMSBRIDGE_CONFIG`` (with ``SMSBRIDGE_PROVIDER``).
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs

from smsbridge.client import Client
from smsbridge.config import ENV_PREFIX, RESERVED_ENV, driver_name, from_config, from_env
from smsbridge.discovery import load_driver
from smsbridge.errors import ConfigError, SmsBridgeError
from smsbridge.redaction import SECRET_KEYS

#: Called with secret values so output masks them.
Remember = Callable[..., None]

__all__ = ["ConnectionOptions", "open_client", "read_config_section"]

ENV_URL = ENV_PREFIX + "URL"
ENV_DRIVER = ENV_PREFIX + "DRIVER"
ENV_CONFIG = ENV_PREFIX + "CONFIG"
ENV_PROVIDER = ENV_PREFIX + "PROVIDER"

_REFERENCE = re.compile(r"\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\})")
#: Words that make a setting name look secret even when the driver cannot be imported.
_SECRET_WORDS = ("password", "secret", "token", "key", "pwd")

NO_CONFIGURATION = (
    "no provider configured: give --url URL or --config FILE, or set SMSBRIDGE_URL "
    "(or SMSBRIDGE_DRIVER and SMSBRIDGE_<SETTING> variables); to try smsbridge without "
    "an account run 'smsbridge demo' or use --url memory://"
)


@attrs.frozen(kw_only=True)
class ConnectionOptions:
    """The command line's say in where to connect."""

    url: str | None = None
    config: str | None = None
    provider: str | None = None


def _secret_names(driver_name: str) -> set[str]:
    """Setting names the driver declares secret, plus names that look secret."""
    names = set(SECRET_KEYS)
    try:
        driver = load_driver(driver_name)
        names.update(a.name for a in attrs.fields(driver.settings_class)
                     if a.metadata.get("secret"))
    except (SmsBridgeError, TypeError, attrs.exceptions.NotAnAttrsClassError):
        pass  # connecting reports the problem; masking falls back to the names
    return names


def _looks_secret(name: str, secret_names: set[str]) -> bool:
    lowered = name.lower()
    return lowered in secret_names or any(word in lowered for word in _SECRET_WORDS)


def _remember_url_secret(url: str, remember: Remember) -> None:
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        remember(unquote(password))


def _remember_settings(driver_name: str, values: Mapping[str, Any], remember: Remember,
                       *, prefix: str = "") -> None:
    """Remember the secret values among ``values`` before they reach a driver."""
    secret_names = _secret_names(driver_name)
    for key, value in values.items():
        if key.startswith(prefix) and _looks_secret(key[len(prefix):], secret_names) and value:
            remember(str(value))


def _expand(value: str, environ: Mapping[str, str], where: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "$":
            return "$"
        name = match.group(2)
        if name not in environ:
            raise ConfigError(f"{where} uses ${{{name}}}, but environment variable {name} is "
                              "not set", key=name)
        return environ[name]

    return _REFERENCE.sub(replace, value)


def read_config_section(path: str, provider: str | None,
                        environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Read one provider's section of an INI file; return its name and settings.

    ``${NAME}`` in a value is replaced by the environment variable ``NAME`` (``$$`` is a
    literal ``$``), so secrets can stay out of the file. ``[DEFAULT]`` values apply to
    every section. ``;`` or ``#`` after a space starts a comment, on any line.
    """
    # "key = value  ; note" is a comment in most INI dialects: strip it, so a note never
    # becomes part of a value (a password with a note appended fails to log in).
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle, source=path)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}",
                          key="config") from None
    except configparser.Error as exc:
        # The parser's own message quotes the offending line, which may hold a secret.
        line = getattr(exc, "lineno", None)
        at = f" at line {line}" if line else ""
        raise ConfigError(f"config file {path} is not valid INI{at} ({type(exc).__name__}); "
                          "expected [provider] sections of 'key = value' lines",
                          key="config") from None
    sections = parser.sections()
    if not sections:
        raise ConfigError(f"config file {path} has no [provider] section", key="config")
    if provider is None:
        if len(sections) > 1:
            raise ConfigError(
                f"config file {path} has several providers ({', '.join(sections)}); "
                "pick one with --provider NAME (or SMSBRIDGE_PROVIDER)", key="provider")
        provider = sections[0]
    if not parser.has_section(provider):
        raise ConfigError(f"config file {path} has no provider [{provider}]; it has: "
                          f"{', '.join(sections)}", key="provider")
    values = {key: _expand(value, environ, f"{path}: setting {key!r} of [{provider}]")
              for key, value in parser.items(provider)}
    return provider, values


def open_client(options: ConnectionOptions, environ: Mapping[str, str],
                remember: Remember) -> Client:
    """Connect as the command line and environment say; remember the secrets."""
    if options.url:
        env = {key: value for key, value in environ.items()
               if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):] not in RESERVED_ENV}
        env[ENV_URL] = options.url
        return _from_env(env, remember)
    config = options.config
    if config is None and options.provider is not None:
        config = environ.get(ENV_CONFIG) or None
        if config is None:
            raise ConfigError("--provider needs a config file: give --config FILE "
                              "(or set SMSBRIDGE_CONFIG)", key="config")
    if config is not None:
        return _from_file(config, options.provider or environ.get(ENV_PROVIDER) or None,
                          environ, remember)
    if environ.get(ENV_URL, "").strip() or environ.get(ENV_DRIVER, "").strip():
        return _from_env(environ, remember)
    if environ.get(ENV_CONFIG):
        return _from_file(environ[ENV_CONFIG], environ.get(ENV_PROVIDER) or None, environ,
                          remember)
    raise ConfigError(NO_CONFIGURATION, key="driver")


def _from_env(environ: Mapping[str, str], remember: Remember) -> Client:
    url = environ.get(ENV_URL, "").strip()
    target = url or environ.get(ENV_DRIVER, "").strip()
    _remember_url_secret(url, remember)
    _remember_settings(driver_name(target), environ, remember, prefix=ENV_PREFIX)
    return from_env(environ)


def _from_file(path: str, provider: str | None, environ: Mapping[str, str],
               remember: Remember) -> Client:
    name, values = read_config_section(path, provider, environ)
    url = values.get("url", "")
    target = url or values.get("driver", "")
    if not target:
        raise ConfigError(f"config file {path} [{name}] names no 'driver' (or 'url')",
                          key="driver")
    _remember_url_secret(url, remember)
    _remember_settings(driver_name(target), values, remember)
    return from_config(values)
