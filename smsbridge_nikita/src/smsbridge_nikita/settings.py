"""Settings of the Nikita driver."""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge.errors import ConfigError
from smsbridge.phones import country_setting
from smsbridge.settings import BaseSettings, retry_count, secret

__all__ = ["DEFAULT_BASE_URL", "NikitaSettings"]

DEFAULT_BASE_URL = "https://smspro.nikita.kg/api"


#: Longest wait before repeating a busy send: the provider asks for 5 to 10 seconds.
MAX_BUSY_DELAY = 600.0


def _delay(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value <= MAX_BUSY_DELAY:  # False for NaN too
        raise ConfigError(f"setting {attribute.name!r} must be 0 to {MAX_BUSY_DELAY:g} "
                          f"seconds, got {value!r}", key=attribute.name)


def _not_below_min(instance: NikitaSettings, attribute: attrs.Attribute[Any],
                   value: float) -> None:
    _delay(instance, attribute, value)
    if value < instance.busy_delay_min:
        raise ConfigError(
            f"setting 'busy_delay_max' ({value!r}) must not be below 'busy_delay_min' "
            f"({instance.busy_delay_min!r})", key=attribute.name)


@attrs.frozen(kw_only=True)
class NikitaSettings(BaseSettings):
    """Settings of the Nikita driver.

    :ivar login: the partner login issued with the account.
    :ivar password: the partner password (sent as ``pwd``; never logged).
    :ivar base_url: the API root; ``message``, ``dr``, ``def`` and ``info`` live under it.
    :ivar test: send ``<test>1</test>``: the provider checks the request but sends and
        charges nothing (it answers status 11).
    :ivar busy_delay_min: seconds to wait at least before repeating a send the provider
        answered with status 9 (too busy).
    :ivar busy_delay_max: seconds to wait at most before that repeat.
    :ivar default_country: Nikita sends to Kyrgyz numbers, so national numbers
        (``0550 123 456``) are read as Kyrgyz by default.
    :ivar busy_retries: how many times a status-9 send is repeated (with the same id)
        before :class:`~smsbridge.errors.RateLimited` is raised.
    """

    login: str
    password: str = secret()
    base_url: str = DEFAULT_BASE_URL
    test: bool = False
    default_country: str | None = country_setting("KG")
    busy_delay_min: float = attrs.field(default=5.0, validator=_delay)
    busy_delay_max: float = attrs.field(default=10.0, validator=_not_below_min)
    busy_retries: int = attrs.field(default=3, validator=retry_count)
