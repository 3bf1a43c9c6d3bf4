"""Driver settings: frozen attrs classes, secrets masked, structured strictly.

A driver declares its settings by subclassing :class:`BaseSettings`::

    @attrs.frozen(kw_only=True)
    class NikitaSettings(BaseSettings):
        login: str
        password: str = secret()
        base_url: str = "https://smspro.nikita.kg/api"
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

from smsbridge.errors import ConfigError, ValidationError

__all__ = [
    "BaseSettings",
    "secret",
    "secret_values",
    "setting_names",
    "structure_settings",
]

S = TypeVar("S", bound="BaseSettings")
MASK = "***"


def _mask(value: object) -> str:
    return repr(MASK) if value else repr(value)


def secret(**kwargs: Any) -> Any:
    """Declare a settings field holding a secret: masked in repr, redacted in logs."""
    metadata = dict(kwargs.pop("metadata", {}))
    metadata["secret"] = True
    return attrs.field(repr=_mask, metadata=metadata, **kwargs)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ConfigError(f"setting {attribute.name!r} must be positive, got {value!r}",
                          key=attribute.name)


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 0:
        raise ConfigError(f"setting {attribute.name!r} must not be negative, got {value!r}",
                          key=attribute.name)


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
    timeout: float = attrs.field(default=30.0, validator=_positive)
    connect_timeout: float = attrs.field(default=10.0, validator=_positive)
    deadline: float = attrs.field(default=60.0, validator=_positive)
    sender: str | None = None
    retries: int = attrs.field(default=2, validator=_non_negative)


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
        except (ValueError, TypeError) as exc:
            shown = MASK if attribute.metadata.get("secret") else repr(value)
            raise ConfigError(
                f"setting {attribute.name!r} for driver {driver!r} must be "
                f"{_describe(hints[attribute.name])}, got {shown}",
                key=attribute.name,
            ) from None if attribute.metadata.get("secret") else exc
    if converted.get("base_url"):
        _check_base_url(converted["base_url"], driver)
    try:
        return cls(**converted)
    except ValidationError as exc:
        raise ConfigError(str(exc), key=exc.field) from exc


def _check_base_url(value: str, driver: str) -> None:
    """A base URL the transport can use, or a ConfigError saying what one looks like."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname and not any(
            c.isspace() for c in value):
        return
    shown = value.replace(parts.password, MASK) if parts.password else value
    raise ConfigError(f"setting 'base_url' for driver {driver!r} must be an http:// or "
                      f"https:// URL such as https://api.example.com/rest, got {shown!r}",
                      key="base_url")


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
    if tp in (int, float) and isinstance(value, str):
        return tp(value.strip())
    if tp in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return tp(value)
    from smsbridge.converter import shared_converter

    return shared_converter().structure(value, tp)
