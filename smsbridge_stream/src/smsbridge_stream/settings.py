"""Settings of the Stream Telecom driver."""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge.errors import ConfigError
from smsbridge.settings import BaseSettings, secret

__all__ = ["DEFAULT_BASE_URL", "StreamSettings"]

DEFAULT_BASE_URL = "https://gateway.api.sc/rest"


def _positive(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ConfigError(f"setting {attribute.name!r} must be at least 1, got {value!r}",
                          key=attribute.name)


@attrs.frozen(kw_only=True)
class StreamSettings(BaseSettings):
    """Settings of the Stream Telecom driver.

    :ivar login: the account login (``login`` of ``Session/``).
    :ivar password: the account password; only ever sent to the login endpoint.
    :ivar base_url: the REST root, ``https://gateway.api.sc/rest`` by default.
    :ivar bulk_size: most recipients per ``Send/SendBulk/`` or ``Send/SendBulkPacket/``
        request (the provider documents no limit).
    """

    login: str
    password: str = secret()
    base_url: str = DEFAULT_BASE_URL
    bulk_size: int = attrs.field(default=100, validator=_positive)
