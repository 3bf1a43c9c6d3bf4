"""The base class drivers build on."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from smsbridge.redaction import Redactor
from smsbridge.settings import BaseSettings, check_base_url, secret_values
from smsbridge.transport import RetryPolicy, Transport, make_user_agent

if TYPE_CHECKING:
    import requests

    from smsbridge.errors import ProviderError

__all__ = ["Driver", "distribution_version"]


@functools.cache
def distribution_version(module: str) -> str | None:
    """The version of the installed distribution that provides ``module``, if any.

    Drivers declare their version once, in their packaging metadata.
    """
    from importlib import metadata

    names = metadata.packages_distributions().get(module.split(".")[0])
    if not names:
        return None
    try:
        return metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return None


class Driver:
    """A provider driver: settings in, hook implementations out.

    Subclasses set the class attributes and mark their operation methods with
    :data:`smsbridge.hookimpl`; the client registers those methods and offers exactly
    those operations. The HTTP transport is built on first use, so a client that never
    talks to the network never imports requests.

    When what a driver offers depends on its settings, it decides in ``__init__``:

    * ``batch_size``, ``mixed_batches`` and ``features`` are plain attributes; the class
      values are the defaults, and an instance may set its own
      (``self.batch_size = settings.bulk_size``) before a client is made from it.
    * :meth:`offers` says which of its hook methods the client registers; override it
      to withhold an operation the instance cannot perform (the failover driver offers
      ``status`` only when one of its providers does). The client then reports the
      operation as unsupported and raises :class:`~smsbridge.errors.NotSupported`.
    """

    #: The entry-point name (``nikita``).
    name: ClassVar[str] = ""
    #: The frozen settings class.
    settings_class: ClassVar[type[BaseSettings]] = BaseSettings
    #: Most recipients one send request may carry; an instance may set its own from a
    #: setting (``self.batch_size = settings.bulk_size``).
    batch_size: int = 1
    #: True when one request may carry different texts (``send_many`` natively); an
    #: instance may set its own.
    mixed_batches: bool = False
    #: Capabilities beyond the implemented hooks (``viber``, ``send_at``, ...); an
    #: instance may set its own.
    features: frozenset[str] = frozenset()
    #: Settings named by the user and password parts of a URL.
    url_credentials: ClassVar[tuple[str | None, str | None]] = (None, None)
    #: Provider error code -> smsbridge error class.
    error_table: ClassVar[Mapping[Any, type[ProviderError]]] = {}
    #: ``"module:Class"`` of the provider's simulator (a :class:`smsbridge.testing.Simulator`).
    simulator: ClassVar[str | None] = None

    def __init__(
        self,
        settings: BaseSettings,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if settings.base_url:
            check_base_url(settings.base_url, driver=self.name)
        self.settings = settings
        self.redactor = Redactor(secret_values(settings))
        self.retry = retry or RetryPolicy(retries=settings.retries)
        self._session = session
        self._transport: Transport | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings!r}>"

    @property
    def transport(self) -> Transport:
        """The driver's HTTP transport, made on first use."""
        if self._transport is None:
            self._transport = Transport(
                provider=self.name,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout,
                connect_timeout=self.settings.connect_timeout,
                deadline=self.settings.deadline,
                retry=self.retry,
                redactor=self.redactor,
                session=self._session,
                user_agent=make_user_agent(self.name,
                                           distribution_version(type(self).__module__)),
            )
        return self._transport

    def offers(self, operation: str) -> bool:
        """True when the client should register this driver's hook method ``operation``.

        Asked once per marked method when a client is made; every one by default.
        """
        return True

    def close(self) -> None:
        """Release the HTTP session."""
        if self._transport is not None:
            self._transport.close()
