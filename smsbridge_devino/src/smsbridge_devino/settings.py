"""Settings of the Devino driver."""

from __future__ import annotations

from typing import Any

import attrs

from smsbridge import BaseSettings, ConfigError, secret

__all__ = ["DEFAULT_BASE_URL", "DevinoSettings"]

DEFAULT_BASE_URL = "https://integrationapi.net/rest"


def _bulk_size(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise ConfigError(f"setting {attribute.name!r} must be at least 1, got {value!r}",
                          key=attribute.name)


@attrs.frozen(kw_only=True)
class DevinoSettings(BaseSettings):
    """Settings of a Devino Telecom account.

    :ivar login: the account login.
    :ivar password: the account password (sent in a query string; redacted everywhere).
    :ivar base_url: the REST root, ``https://integrationapi.net/rest``.
    :ivar bulk_size: most recipients per ``Sms/SendBulk`` request; the provider documents
        no limit, so this keeps requests (and the damage of one lost answer) small.
    """

    login: str
    password: str = secret()
    base_url: str = DEFAULT_BASE_URL
    bulk_size: int = attrs.field(default=100, validator=_bulk_size)
