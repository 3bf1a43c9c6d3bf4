"""Settings of the Phoenix driver."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from smsbridge.errors import ConfigError
from smsbridge.settings import BaseSettings, secret

__all__ = ["DEFAULT_DISPATCH_SIZE", "DEFAULT_TIMEZONE", "PhoenixSettings"]

DEFAULT_TIMEZONE = "Europe/Moscow"
#: The document gives no limit of phones per dispatch; this keeps one request small.
DEFAULT_DISPATCH_SIZE = 1000


def _check_base_url(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    parts = urlsplit(value.strip()) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"setting {attribute.name!r} must be the http(s) URL of your Phoenix API "
            f"installation (Phoenix has no public host), got {value!r}",
            key=attribute.name,
        )


def _check_timezone(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"setting {attribute.name!r} must be an IANA time zone name such as "
            f"{DEFAULT_TIMEZONE!r}, got {value!r}",
            key=attribute.name,
        ) from None


def _check_token(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise ConfigError(f"setting {attribute.name!r} must not be empty", key=attribute.name)


def _check_no_sender(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value:
        raise ConfigError(
            f"setting {attribute.name!r} is not available: Phoenix dispatches go out under "
            "the account's own sender name, which the API cannot choose",
            key=attribute.name,
        )


def _check_dispatch_size(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ConfigError(f"setting {attribute.name!r} must be at least 1, got {value!r}",
                          key=attribute.name)


@attrs.frozen(kw_only=True)
class PhoenixSettings(BaseSettings):
    """Settings of the Phoenix driver.

    :ivar token: the API token from the web interface's "Settings" page; sent as the
        ``token`` query parameter of every request.
    :ivar base_url: required: the root of your Phoenix installation (the document's
        "base URL", such as ``http://10.128.1.50:7890``); the driver appends
        ``/sms-api/...``. A URL that already ends in ``/sms-api`` works too.
    :ivar timezone: the IANA zone the provider reads and writes dates in.
    :ivar sender: must stay unset: the API has no sender field.
    :ivar dispatch_size: most phones put into one dispatch; larger sends are split
        into several dispatches.
    """

    token: str = secret(validator=_check_token)
    # Overrides the base class's default: without a public host there is nothing to
    # fall back to, so a missing base_url is a ConfigError naming it.
    base_url: str = attrs.field(validator=_check_base_url)
    sender: str | None = attrs.field(default=None, validator=_check_no_sender)
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=_check_timezone)
    dispatch_size: int = attrs.field(default=DEFAULT_DISPATCH_SIZE,
                                     validator=_check_dispatch_size)

    @property
    def zone(self) -> ZoneInfo:
        """The provider's time zone."""
        return ZoneInfo(self.timezone)
