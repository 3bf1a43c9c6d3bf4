"""The base class drivers build on: the one recipe every driver follows.

A driver declares what its provider takes (settings class, chunk size, send options,
sender rule, features), implements its operations as hook methods marked with
:data:`smsbridge.hookimpl`, builds requests and reads answers in its ``api`` module, and
makes every request through :meth:`Driver.perform`, which returns an
:class:`~smsbridge.answers.Answer` whose methods are the one error builder.
"""

from __future__ import annotations

import functools
import re
import threading
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from smsbridge.answers import Answer
from smsbridge.checks import SenderRule
from smsbridge.errors import ConfigError, ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.redaction import Redactor
from smsbridge.settings import BaseSettings, check_base_url, secret_values
from smsbridge.transport import Request, RetryPolicy, Transport

if TYPE_CHECKING:
    from importlib.metadata import Distribution

    import requests

    from smsbridge.errors import ProviderError
    from smsbridge.models import Message

__all__ = ["Driver", "distribution_version", "user_agent"]

SettingsT = TypeVar("SettingsT", bound=BaseSettings)
#: The version line of a distribution's metadata file.
_VERSION = re.compile(r"^Version:[ \t]*(\S+)[ \t]*$", re.MULTILINE)
#: Channels besides SMS a driver may list in ``features``.
KNOWN_CHANNELS = frozenset({"viber"})


@functools.cache
def distribution_version(module: str) -> str | None:
    """The version of the installed distribution that provides ``module``, if any.

    Drivers declare their version once, in their packaging metadata.
    """
    from importlib import metadata

    top = module.split(".")[0]
    try:
        # Distributions are mostly named after their package (smsbridge_nikita ->
        # smsbridge-nikita): one lookup, where scanning them all costs ~80 ms of startup.
        found = metadata.distribution(top)
        provides = found.read_text("top_level.txt")
        if provides is None or top in provides.split():
            return _version(found)
    except metadata.PackageNotFoundError:
        pass
    names = metadata.packages_distributions().get(top)
    if not names:
        return None
    try:
        return _version(metadata.distribution(names[0]))
    except metadata.PackageNotFoundError:
        return None


def _version(found: Distribution) -> str | None:
    """A distribution's version, read from its ``Version:`` header line.

    ``Distribution.version`` parses the whole metadata file with the email package,
    milliseconds of a script's first request for one line.
    """
    text = found.read_text("METADATA") or found.read_text("PKG-INFO") or ""
    match = _VERSION.search(text)
    return match.group(1) if match else found.version


def user_agent(driver: str, driver_module: str) -> str:
    """The User-Agent naming smsbridge and the driver, each with its installed version."""
    import requests

    core = distribution_version("smsbridge") or "unknown"
    agent = f"smsbridge/{core}"
    if driver:
        agent += f" smsbridge-{driver}/{distribution_version(driver_module) or core}"
    return f"{agent} python-requests/{requests.__version__}"


class Driver(Generic[SettingsT]):
    """A provider driver: settings in, hook implementations out.

    Subclass it as ``class AcmeDriver(Driver[AcmeSettings])``: the settings class is
    taken from the type argument, and ``self.settings`` is typed as ``AcmeSettings``.
    Declare what the provider takes in class attributes; the base checks every message
    against them (:meth:`check_message`, run by the ``validate`` hook before any request)
    and the client chunks sends by ``batch_size``. Add provider limits by overriding
    :meth:`check_message` and :meth:`check_recipient` (call ``super()`` first).

    The HTTP transport is built on first use, so a client that never talks to the
    network never imports requests. :meth:`offers` says which hook methods the client
    registers; override it to withhold an operation the instance cannot perform (the
    failover driver offers ``status`` only when one of its providers does).
    """

    #: The entry-point name (``nikita``).
    name: ClassVar[str] = ""
    #: The frozen settings class (set from ``Driver[SettingsClass]``).
    settings_class: ClassVar[type[BaseSettings]] = BaseSettings
    #: Most recipients one send request may carry ...
    batch_size: int = 1
    #: ... or the name of the setting that holds it (``"bulk_size"``).
    batch_setting: ClassVar[str | None] = None
    #: True when one request may carry different texts (``send_many`` natively).
    mixed_batches: bool = False
    #: Capabilities beyond the implemented hooks (``viber``, ``send_at``,
    #: ``deduplication``, ...); a channel other than SMS must be listed here.
    features: frozenset[str] = frozenset()
    #: Keyword options ``send()`` passes to this driver (in ``Message.options``).
    send_options: ClassVar[frozenset[str]] = frozenset()
    #: What the provider takes as a sender.
    sender_rule: ClassVar[SenderRule] = SenderRule()
    #: The settings a URL's user and password parts name: ``nikita://acme:s3cret@``
    #: sets ``login`` and ``password``; ``(None, "api_key")`` takes the key from the
    #: password part (``ketchup://:KEY@``).
    url_credentials: ClassVar[tuple[str | None, str | None]] = (None, None)
    #: Provider error code -> smsbridge error class.
    error_table: ClassVar[Mapping[Any, type[ProviderError]]] = {}
    #: ``"module:Class"`` of the provider's simulator (a :class:`smsbridge.testing.Simulator`).
    simulator: ClassVar[str | None] = None
    #: Most requests one client keeps in flight (``send(concurrency=N)`` is lowered to
    #: it): what the provider takes at once from one account.
    max_concurrency: int = 8

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            args, origin = typing.get_args(base), typing.get_origin(base)
            if (isinstance(origin, type) and issubclass(origin, Driver) and args
                    and isinstance(args[0], type)):
                cls.settings_class = args[0]

    def __init__(
        self,
        settings: SettingsT,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not isinstance(settings, self.settings_class):
            raise ConfigError(f"{type(self).__name__} needs {self.settings_class.__name__}, "
                              f"got {type(settings).__name__}")
        if settings.base_url:
            check_base_url(settings.base_url, driver=self.name)
        self.settings: SettingsT = settings
        self.redactor = Redactor(secret_values(settings))
        self.retry = retry or RetryPolicy(retries=settings.retries)
        if self.batch_setting is not None:
            self.batch_size = getattr(settings, self.batch_setting)
        self._session = session
        self._transport: Transport | None = None
        self._transport_lock = threading.Lock()
        self._pool_size = 10

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings!r}>"

    @property
    def transport(self) -> Transport:
        """The driver's HTTP transport, made on first use (by one thread only)."""
        if self._transport is not None:
            return self._transport
        with self._transport_lock:
            if self._transport is None:
                self._transport = self._make_transport()
            return self._transport

    def _make_transport(self) -> Transport:
        return Transport(
            provider=self.name,
            base_url=self.settings.base_url,
            timeout=self.settings.timeout,
            connect_timeout=self.settings.connect_timeout,
            deadline=self.settings.deadline,
            retry=self.retry,
            redactor=self.redactor,
            session=self._session,
            user_agent=user_agent(self.name, type(self).__module__),
            pool_size=self._pool_size,
        )

    def reserve_connections(self, count: int) -> None:
        """Keep at least ``count`` connections to the provider open for reuse (before
        sending ``count`` requests at once)."""
        with self._transport_lock:
            if count <= self._pool_size:
                return
            self._pool_size = count
            if self._transport is not None:
                self._transport.grow_pool(count)

    def perform(self, request: Request, *, operation: str, send: bool = False,
                idempotent: bool = True) -> Answer:
        """Make a request the driver's ``api`` module built; return the answer to read.

        :param operation: the smsbridge operation, for errors and logs.
        :param send: True when the request creates messages (or HLR requests): errors
            about its answer then say what it proves (a refusal, or DeliveryUnknown).
        :param idempotent: False when repeating the request would repeat its effect
            (a send to a provider that does not deduplicate by our id).
        """
        response = self.transport.request(
            request.method, request.path, operation=operation, send=send,
            idempotent=idempotent, params=request.params, data=request.data,
            json=request.json, files=request.files, headers=request.headers)
        return Answer.of(response, provider=self.name, operation=operation, is_send=send,
                         redactor=self.redactor)

    def check_message(self, message: Message) -> None:
        """Check what one message says against what the provider takes; raise
        ValidationError.

        The base checks the channel (SMS, or one listed in ``features``), the option
        names (``send_options``) and the sender (``sender_rule``). Override it to add
        the provider's limits, calling ``super().check_message(message)`` first. The
        recipient's number is :meth:`check_recipient`'s: a campaign's messages differ
        only in it, so a send checks each distinct message once and every number.
        """
        if message.channel != "sms" and message.channel not in self.features:
            channels = ", ".join(["sms", *sorted(self.features & KNOWN_CHANNELS)])
            raise ValidationError(f"{self.name} does not send {message.channel!r}; its "
                                  f"channels: {channels}", field="channel")
        unknown = sorted(set(message.options) - self.send_options) if message.options else ()
        if unknown:
            valid = ", ".join(sorted(self.send_options)) or "none"
            raise ValidationError(
                f"unknown send option(s) for {self.name}: {', '.join(unknown)}; valid "
                f"options: {valid}", field=unknown[0])
        self.sender_rule.check(message.sender)

    def check_recipient(self, number: str) -> None:
        """Check one recipient's number (digits, normalized by the core) against what the
        provider takes; raise ValidationError. The base takes any number; override it
        for the provider's own rules."""

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check every message before any request: :meth:`check_message` once for each
        run of messages that differ only in their number, :meth:`check_recipient` for
        every number."""
        previous: Message | None = None
        for message in messages:
            if previous is None or not _same_but_recipient(message, previous):
                self.check_message(message)
            self.check_recipient(message.to)
            previous = message
        return True

    def offers(self, operation: str) -> bool:
        """True when the client should register this driver's hook method ``operation``.

        Asked once per marked method when a client is made; every one by default.
        """
        return True

    def close(self) -> None:
        """Release the HTTP session."""
        if self._transport is not None:
            self._transport.close()


def _same_but_recipient(one: Message, other: Message) -> bool:
    return (one.text == other.text and one.sender == other.sender
            and one.send_at == other.send_at and one.validity == other.validity
            and one.reference == other.reference and one.channel == other.channel
            and one.options == other.options)
