"""Settings of the Example SMS driver."""

from __future__ import annotations

import attrs

from smsbridge.settings import BaseSettings, secret

__all__ = ["DEFAULT_BASE_URL", "ExampleSettings"]

DEFAULT_BASE_URL = "https://api.example-sms.test/v1"


@attrs.frozen(kw_only=True)
class ExampleSettings(BaseSettings):
    """Settings of the Example SMS driver.

    :ivar api_key: the account's API key, sent as ``Authorization: Bearer <key>``
        (a secret: masked in reprs, logs and errors).
    :ivar base_url: the API root; ``/messages`` and ``/balance`` live under it.
    """

    api_key: str = secret()
    base_url: str = DEFAULT_BASE_URL
