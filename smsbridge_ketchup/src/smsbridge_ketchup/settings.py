"""Settings of the KetchUp Loyalty driver."""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge import BaseSettings, secret
from smsbridge.errors import ConfigError

__all__ = ["DEFAULT_BASE_URL", "KetchupSettings"]

DEFAULT_BASE_URL = "https://api.smsketchuployalty.com.ua/rest"


def _tariff(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not 0 <= value <= 9:
        raise ConfigError(f"setting 'tariff' must be 0 to 9, got {value!r}", key="tariff")


def _positive_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ConfigError(f"setting {attribute.name!r} must be at least 1, got {value!r}",
                          key=attribute.name)


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ConfigError(f"setting {attribute.name!r} must not be negative, got {value!r}",
                          key=attribute.name)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ConfigError(f"setting {attribute.name!r} must be positive, got {value!r}",
                          key=attribute.name)


def _header_value(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    # The key travels in the X-API-KEY header, which carries ASCII only.
    if not value.isascii() or not value.isprintable():
        raise ConfigError(f"setting {attribute.name!r} must be printable ASCII (it goes into "
                          "the X-API-KEY header); check where it was read from",
                          key=attribute.name)


@attrs.frozen(kw_only=True)
class KetchupSettings(BaseSettings):
    """Settings of the KetchUp Loyalty driver.

    :ivar api_key: the ``X-API-KEY`` (live or test key).
    :ivar sender: the default originator (up to 14 characters).
    :ivar tariff: tariff grid 0-9 sent with every request; None leaves the provider's
        default.
    :ivar callback_url: where the provider pushes HLR and Viber reports; None uses the
        URL set in the provider's web account.
    :ivar chunk_size: most recipients per send request.
    :ivar report_timeout: seconds ``report()`` waits for a statistics export to be ready.
    :ivar report_poll_interval: seconds between two looks at an export being prepared.
    :ivar report_cleanup: delete the export after ``report()`` read it (the provider keeps
        at most five per client).
    """

    api_key: str = secret(validator=_header_value)
    base_url: str = DEFAULT_BASE_URL
    tariff: int | None = attrs.field(default=None, validator=_tariff)
    callback_url: str | None = None
    chunk_size: int = attrs.field(default=1000, validator=_positive_int)
    report_timeout: float = attrs.field(default=60.0, validator=_non_negative)
    report_poll_interval: float = attrs.field(default=2.0, validator=_positive)
    report_cleanup: bool = True
