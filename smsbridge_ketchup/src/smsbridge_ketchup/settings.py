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


#: Longest wait for a statistics export, and the shortest pause between two looks at it
#: (a tiny interval would turn the wait into a flood of requests).
MAX_REPORT_TIMEOUT = 3600.0
MIN_POLL_INTERVAL = 0.1


def _report_timeout(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= MAX_REPORT_TIMEOUT:  # False for NaN too
        raise ConfigError(f"setting {attribute.name!r} must be 0 to {MAX_REPORT_TIMEOUT:g} "
                          f"seconds, got {value!r}", key=attribute.name)


def _poll_interval(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not MIN_POLL_INTERVAL <= value <= MAX_REPORT_TIMEOUT:
        raise ConfigError(f"setting {attribute.name!r} must be {MIN_POLL_INTERVAL:g} to "
                          f"{MAX_REPORT_TIMEOUT:g} seconds, got {value!r}", key=attribute.name)


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
    report_timeout: float = attrs.field(default=60.0, validator=_report_timeout)
    report_poll_interval: float = attrs.field(default=2.0, validator=_poll_interval)
    report_cleanup: bool = True
