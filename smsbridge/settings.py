"""Driver settings: frozen attrs classes, secrets masked, structured strictly.

A driver declares its settings by subclassing :class:`BaseSettings`::

    @attrs.frozen(kw_only=True)
    class NikitaSettings(BaseSettings):
        login: str
        password: str = secret()
        base_url: str = "https://smspro.nikita.kg/api"
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

from smsbridge.errors import ConfigError, ValidationError

__all__ = [
    "MAX_RETRIES",
    "MAX_TIMEOUT",
    "BaseSettings",
    "check_base_url",
    "normalize_secret",
    "retry_count",
    "secret",
    "secret_values",
    "setting_names",
    "structure_settings",
]

S = TypeVar("S", bound="BaseSettings")
MASK = "***"


def _mask(value: object) -> str:
    return repr(MASK) if value else repr(value)


def normalize_secret(value: Any) -> Any:
    """A secret as it should be used: surrounding whitespace dropped (a key read from a
    file keeps its newline), and no control character left inside.

    A control character inside a secret cannot go into a header or a URL: HTTP libraries
    refuse it and quote the value in their error. It is refused here, unquoted.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise ConfigError("a secret setting contains a control character (a line break, a "
                          "tab...); check where it was read from")
    # Tested without encoding: an encoding error would hold the secret as context.
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise ConfigError("a secret setting contains a lone surrogate (a broken character); "
                          "check where it was read from")
    return text


def secret(**kwargs: Any) -> Any:
    """Declare a settings field holding a secret: masked in repr, redacted in logs,
    normalized with :func:`normalize_secret`."""
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["secret"] = True
    return attrs.field(repr=_mask, metadata=metadata, converter=normalize_secret, **kwargs)


#: Longest timeout accepted, in seconds: anything longer is a mistake (or "inf").
MAX_TIMEOUT = 24 * 3600.0


def _timeout(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 < value <= MAX_TIMEOUT:  # False for NaN too
        raise ConfigError(f"setting {attribute.name!r} must be a number of seconds above 0 "
                          f"and at most {MAX_TIMEOUT:g}, got {value!r}", key=attribute.name)


#: Most repeats of one request: beyond that a failing provider just keeps a caller waiting.
MAX_RETRIES = 10


def retry_count(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """Validate a number of retries: 0 to :data:`MAX_RETRIES`."""
    if not 0 <= value <= MAX_RETRIES:
        raise ConfigError(f"setting {attribute.name!r} must be 0 to {MAX_RETRIES}, got "
                          f"{value!r}", key=attribute.name)


@attrs.frozen(kw_only=True)
class BaseSettings:
    """Settings every driver accepts.

    :ivar base_url: the provider's API root; override it for a simulator or proxy.
    :ivar timeout: read timeout in seconds.
    :ivar connect_timeout: connect timeout in seconds.
    :ivar deadline: the most one request may take in seconds, connecting and reading the
        whole answer included (a server trickling its answer cannot hold a call longer).
    :ivar sender: the default sender used when ``send()`` gets none.
    :ivar retries: how many times a safe request is repeated after a transient failure.
    """

    base_url: str = ""
    timeout: float = attrs.field(default=30.0, validator=_timeout)
    connect_timeout: float = attrs.field(default=10.0, validator=_timeout)
    deadline: float = attrs.field(default=60.0, validator=_timeout)
    sender: str | None = None
    retries: int = attrs.field(default=2, validator=retry_count)


_URL_PASSWORD = re.compile(r"(//[^/@:]*:)[^@/]*@")


def check_base_url(value: str, *, driver: str) -> None:
    """A base URL a request can be made to: http(s), a host, a valid port, no spaces.

    Checked when the driver is made: a malformed one would fail every request later, and
    a send failing that way looks like one whose outcome is unknown.
    """
    try:
        parts = urlsplit(value)
        usable = (parts.scheme in ("http", "https") and bool(parts.hostname)
                  and (parts.port is None or parts.port > 0)
                  and not any(char.isspace() or ord(char) < 32 for char in value))
    except ValueError:
        usable = False
    if not usable:
        # Show what was given (a password in it masked): the mistake is often visible there.
        shown = _URL_PASSWORD.sub(rf"\1{MASK}@", value)
        raise ConfigError(f"setting 'base_url' for driver {driver!r} must be an http(s) URL "
                          f"with a host (https://host/path), got {shown!r}", key="base_url")


def setting_names(cls: type[BaseSettings]) -> list[str]:
    """Names of a settings class's fields, sorted."""
    return sorted(a.name for a in attrs.fields(cls))


def secret_values(settings: BaseSettings) -> list[str]:
    """Every non-empty secret value of a settings object, for redaction."""
    found = []
    for attribute in attrs.fields(type(settings)):
        if attribute.metadata.get("secret"):
            value = getattr(settings, attribute.name)
            if value:
                found.append(str(value))
    return found


def _describe(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def structure_settings(cls: type[S], values: Mapping[str, Any], *, driver: str) -> S:
    """Build a settings object from loose values (strings from URLs and the environment).

    Unknown and missing keys raise :class:`ConfigError` naming the key and the valid ones.
    """
    names = setting_names(cls)
    for key in values:
        if key not in names:
            raise ConfigError(
                f"unknown setting {key!r} for driver {driver!r}; valid settings: "
                f"{', '.join(names)}",
                key=key,
            )
    hints = typing.get_type_hints(cls)
    converted: dict[str, Any] = {}
    for attribute in attrs.fields(cls):
        if attribute.name not in values:
            if attribute.default is attrs.NOTHING:
                raise ConfigError(
                    f"missing setting {attribute.name!r} for driver {driver!r}; valid settings: "
                    f"{', '.join(names)}",
                    key=attribute.name,
                )
            continue
        value = values[attribute.name]
        try:
            converted[attribute.name] = _convert(value, hints[attribute.name])
        except (ValueError, TypeError, OverflowError) as exc:
            shown = MASK if attribute.metadata.get("secret") else repr(value)
            raise ConfigError(
                f"setting {attribute.name!r} for driver {driver!r} must be "
                f"{_describe(hints[attribute.name])}, got {shown}",
                key=attribute.name,
            ) from None if attribute.metadata.get("secret") else exc
    try:
        return cls(**converted)
    except ValidationError as exc:
        raise ConfigError(str(exc), key=exc.field) from exc


def _convert(value: Any, tp: Any) -> Any:
    """Convert one setting value with the shared converter, None-aware."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return _convert(value, rest[0])
    if tp is str:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise TypeError(f"expected a string, got {type(value).__name__}")
        return str(value)
    if tp in (int, float) and (isinstance(value, str) or (
            isinstance(value, (int, float)) and not isinstance(value, bool))):
        number = tp(value.strip() if isinstance(value, str) else value)
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {value!r}")
        return number
    from smsbridge.converter import shared_converter

    return shared_converter().structure(value, tp)
