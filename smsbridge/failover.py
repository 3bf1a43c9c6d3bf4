"""The ``failover`` driver: send through the first healthy provider of an ordered list.

::

    sms = smsbridge.connect("failover", providers=[
        "nikita://acme:s3cret@/?sender=ACME",
        {"driver": "devino", "login": "acme", "password": "pw", "sender": "ACME"},
    ], cooldown=60)
    result = sms.send("+996 550 123 456", "Your code is 1234")
    result.messages[0].provider      # 'nikita' (or 'devino' when Nikita was down)
    sms.status(result.ids[0])        # asks the provider that took the message

A chunk moves on to the next provider only when the failure proves the message was
not accepted; a send whose fate is unknown is never repeated anywhere. The rules are
in ``docs/failover.md``.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from smsbridge.client import Client
from smsbridge.config import connect, driver_name, from_config
from smsbridge.driver import Driver
from smsbridge.errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidResponse,
    InvalidSender,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    TransportError,
    ValidationError,
)
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    Balance,
    HlrResult,
    IncomingMessage,
    Lookup,
    Message,
    Price,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.settings import BaseSettings, secret_values

__all__ = ["AllProvidersFailed", "FailoverDriver", "FailoverSettings", "failover_decision"]

logger = logging.getLogger(__name__)

#: Operations the failover driver offers when at least one provider offers them.
_OPTIONAL_OPERATIONS = ("status", "balance", "prices", "hlr", "hlr_result", "lookup",
                        "report", "inbox", "parse_callback")
_STATISTICS_FIELDS = ("sent", "delivered", "undelivered", "in_progress", "expired",
                      "rejected", "total")


def _provider_name(config: object) -> str:
    """A provider's driver name, for reprs: never a setting value."""
    if isinstance(config, Client):
        return config.driver.name
    if isinstance(config, Mapping):
        target = config.get("url") or config.get("driver") or "?"
        return driver_name(str(target))
    return driver_name(str(config))


def _parse_providers(value: Any) -> tuple[Any, ...]:
    """Accept a list of URLs/mappings/clients, a JSON list, or whitespace-separated URLs."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                # The text may hold passwords: do not quote it.
                raise ConfigError("setting 'providers' is not a valid JSON list",
                                  key="providers") from None
        else:
            value = text.split()
    if isinstance(value, (Mapping, Client)) or not isinstance(value, Iterable):
        raise ConfigError("setting 'providers' must be a list of provider URLs or mappings",
                          key="providers")
    providers = tuple(value)
    if not providers:
        raise ConfigError("the failover driver needs at least one provider in 'providers'",
                          key="providers")
    for index, config in enumerate(providers):
        if not isinstance(config, (str, Mapping, Client)) or not config:
            raise ConfigError(
                f"providers[{index}] must be a URL string, a mapping of settings or a "
                f"smsbridge.Client, got {type(config).__name__}", key="providers")
    return providers


def _providers_repr(value: tuple[Any, ...]) -> str:
    return repr([_provider_name(config) for config in value])


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value >= 0:
        raise ConfigError(f"setting {attribute.name!r} must not be negative, got {value!r}",
                          key=attribute.name)


@attrs.frozen(kw_only=True)
class FailoverSettings(BaseSettings):
    """Settings of the failover driver.

    :ivar providers: the providers in order of preference: URL strings
        (``"nikita://acme:pw@/?sender=ACME"``), mappings as :func:`smsbridge.from_config`
        takes them, or :class:`smsbridge.Client` objects (the failover client then owns
        and closes them). From a URL or the environment: a JSON list, or URLs separated
        by whitespace or newlines.
    :ivar cooldown: seconds a provider that just failed is tried only after the others.
    :ivar sender: leave unset to use each provider's own default sender (sender names
        are registered per provider); when set it overrides them all.

    ``base_url``, ``timeout``, ``connect_timeout`` and ``retries`` are the providers'
    own settings; the failover driver makes no requests itself.
    """

    # Typed Any so the settings loader hands strings from URLs and the environment to
    # the converter untouched; the converter returns a tuple.
    providers: Any = attrs.field(converter=_parse_providers, repr=_providers_repr)
    cooldown: float = attrs.field(default=60.0, validator=_non_negative)


class AllProvidersFailed(SmsBridgeError):
    """No provider accepted the message; each failure proved it was not accepted.

    Sending again later is safe: nothing was accepted anywhere.

    :ivar failures: ``(provider label, error)`` pairs in the order they were tried; a
        label is ``"<index>:<driver name>"``.
    """

    def __init__(self, failures: Sequence[tuple[str, SmsBridgeError]]) -> None:
        self.failures = list(failures)
        listed = "; ".join(f"{label}: {type(error).__name__}: {error}"
                           for label, error in self.failures)
        super().__init__(f"no provider accepted the message ({listed})")

    @property
    def errors(self) -> dict[str, SmsBridgeError]:
        """Each provider's failure by label."""
        return dict(self.failures)


@attrs.frozen(kw_only=True)
class _Decision:
    move_on: bool
    cool_down: bool


def failover_decision(error: BaseException) -> tuple[bool, bool]:
    """Say what a send failure means for the chain: ``(move_on, cool_down)``.

    ``move_on`` is True only when the failure proves the provider did not accept the
    message; ``cool_down`` is True when the provider itself looks unhealthy.
    """
    decision = _decide(error)
    return decision.move_on, decision.cool_down


def _decide(error: BaseException) -> _Decision:
    if isinstance(error, DeliveryUnknown):
        # The provider may hold the message: never send it anywhere else.
        return _Decision(move_on=False, cool_down=True)
    if isinstance(error, TransportError):
        return _Decision(move_on=True, cool_down=True)
    if isinstance(error, (AuthError, InsufficientFunds, RateLimited)):
        return _Decision(move_on=True, cool_down=True)
    if isinstance(error, InvalidSender):
        # Sender names are registered per provider; the next one may know this one.
        return _Decision(move_on=True, cool_down=False)
    # InvalidRecipient (invalid everywhere), DuplicateMessage (the provider may hold it),
    # ValidationError, NotSupported, DriverError and unknown ProviderErrors stop the
    # chain. (A provider's unreadable or 5xx answer reaches us as DeliveryUnknown.)
    return _Decision(move_on=False, cool_down=False)


class FailoverDriver(Driver[FailoverSettings]):
    """Send through the first healthy provider; route queries back by message id.

    Message ids are ``"<provider index>:<provider's id>"``. Provider-only extras:
    :attr:`clients`, :attr:`labels`, :meth:`balances`, :meth:`cooling_down`,
    :meth:`parse_callback_for`. Tests may replace :attr:`clock`.
    """

    name = "failover"
    settings_class = FailoverSettings
    batch_size = 1
    mixed_batches = False

    def __init__(self, settings: FailoverSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        #: Seconds on a monotonic scale; replace it to test cool-downs.
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()
        self._cooling_until: dict[int, float] = {}
        passed = {key: value for key, value in kwargs.items()
                  if key in ("session", "retry") and value is not None}
        #: One client per provider, in order of preference.
        self.clients: list[Client] = []
        try:
            for index, config in enumerate(settings.providers):
                self.clients.append(self._child(index, config, passed))
        except BaseException:
            self.close()
            raise
        #: ``"<index>:<driver name>"`` per provider, as errors and :meth:`balances` name them.
        self.labels: list[str] = [f"{i}:{c.driver.name}" for i, c in enumerate(self.clients)]
        for client in self.clients:
            self.redactor.add(*secret_values(client.driver.settings))
        drivers = [client.driver for client in self.clients]
        # Every chunk must fit one request of whichever provider takes it.
        self.batch_size = min(max(1, d.batch_size) for d in drivers)
        self.mixed_batches = all(d.mixed_batches for d in drivers)
        # Requests in flight may all go to one provider.
        self.max_concurrency = min(max(1, d.max_concurrency) for d in drivers)
        # A repeat may go to another provider, which knows nothing of the first id.
        self.features = (frozenset.intersection(*(frozenset(d.features) for d in drivers))
                         - {"deduplication"})

    def __repr__(self) -> str:
        return f"<FailoverDriver providers={self.labels!r}>"

    def offers(self, operation: str) -> bool:
        """Sending always; any other operation when at least one provider offers it."""
        return (operation not in _OPTIONAL_OPERATIONS
                or any(client.supports(operation) for client in self.clients))

    @staticmethod
    def _child(index: int, config: Any, passed: Mapping[str, Any]) -> Client:
        try:
            if isinstance(config, Client):
                client = config
            elif isinstance(config, str):
                client = connect(config, **passed)
            else:
                client = from_config(config, **passed)
        except ConfigError as exc:
            raise ConfigError(f"failover provider {index} ({_provider_name(config)}): "
                              f"{exc.message}", key="providers") from exc
        if not client.supports("send"):
            client.close()
            raise ConfigError(f"failover provider {index} ({client.driver.name}) cannot send",
                              key="providers")
        return client

    def reserve_connections(self, count: int) -> None:
        """Keep ``count`` connections open to every provider: any may take every chunk."""
        for client in self.clients:
            client.driver.reserve_connections(count)

    def close(self) -> None:
        """Close every provider's client."""
        for client in getattr(self, "clients", []):
            client.close()
        super().close()

    # -- health -----------------------------------------------------------------------

    def _order(self) -> list[int]:
        """Healthy providers in order, then cooling ones by the end of their cool-down."""
        now = self.clock()
        with self._lock:
            until = dict(self._cooling_until)
        indexes = range(len(self.clients))
        healthy = [i for i in indexes if until.get(i, -math.inf) <= now]
        cooling = sorted((i for i in indexes if until.get(i, -math.inf) > now),
                         key=lambda i: (until[i], i))
        return healthy + cooling

    def _cool(self, index: int, error: SmsBridgeError) -> None:
        assert isinstance(self.settings, FailoverSettings)
        seconds = self.settings.cooldown
        if isinstance(error, RateLimited) and error.retry_after:
            seconds = max(seconds, error.retry_after)
        if seconds > 0:
            with self._lock:
                self._cooling_until[index] = self.clock() + seconds

    def _recover(self, index: int) -> None:
        with self._lock:
            self._cooling_until.pop(index, None)

    def cooling_down(self) -> dict[str, float]:
        """Seconds left of each cooling provider's cool-down, by label."""
        now = self.clock()
        with self._lock:
            until = dict(self._cooling_until)
        return {self.labels[i]: end - now for i, end in sorted(until.items()) if end > now}

    def _offering(self, operation: str) -> Iterator[int]:
        return (i for i in self._order() if self.clients[i].supports(operation))

    def _first(self, operation: str) -> int:
        for index in self._offering(operation):
            return index
        raise AssertionError(f"{operation} is hidden when no provider offers it")

    # -- ids --------------------------------------------------------------------------

    def _route(self, identifier: str, field: str) -> tuple[int, str]:
        prefix, sep, rest = identifier.partition(":")
        if not (sep and prefix.isdigit() and rest and int(prefix) < len(self.clients)):
            raise ValidationError(
                f"{field} {identifier!r} was not issued by this failover client "
                f"(expected '<provider index>:<id>')", field=field)
        return int(prefix), rest

    @staticmethod
    def _prefixed(index: int, identifier: str | None) -> str | None:
        return None if identifier is None else f"{index}:{identifier}"

    def _own(self, index: int, item: Any) -> Any:
        """Give a provider's result the failover id of what it is about."""
        if isinstance(item, StatusReport):
            return attrs.evolve(item, message_id=f"{index}:{item.message_id}")
        if isinstance(item, HlrResult):
            return attrs.evolve(item, id=self._prefixed(index, item.id))
        return item

    # -- sending ----------------------------------------------------------------------

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check the messages against every provider: any of them may take them.

        These are each provider's checks of the chunk; :meth:`send` does not repeat them.
        """
        for index, client in enumerate(self.clients):
            try:
                client.check(messages)
            except ValidationError as exc:
                raise ValidationError(f"provider {self.labels[index]}: {exc.message}",
                                      field=exc.field) from exc
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send the chunk, as one request, through the first provider that accepts it."""
        chunk = list(messages)
        failures: list[tuple[str, SmsBridgeError]] = []
        for index in self._order():
            client, label = self.clients[index], self.labels[index]
            try:
                # validate() ran this provider's checks on the chunk already.
                result = client._send_checked(chunk)
            except SmsBridgeError as exc:
                decision = _decide(exc)
                if decision.cool_down:
                    self._cool(index, exc)
                if not decision.move_on:
                    raise
                logger.warning("failover: provider %s refused the send (%s%s); trying the next",
                               label, type(exc).__name__,
                               f" {exc.code}" if isinstance(exc, ProviderError) and exc.code
                               else "")
                failures.append((label, exc))
                continue
            self._recover(index)
            return [
                attrs.evolve(sent, message_id=self._prefixed(index, sent.message_id),
                             provider=sent.provider or client.driver.name)
                for sent in result.messages
            ]
        raise AllProvidersFailed(failures)

    # -- queries ----------------------------------------------------------------------

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Ask the provider that took the message."""
        index, own_id = self._route(message_id, "message_id")
        return attrs.evolve(self.clients[index].status(own_id), message_id=message_id)

    @hookimpl
    def balance(self) -> Balance:
        """The balance of the provider the next message would go to first."""
        return self.clients[self._first("balance")].balance()

    def balances(self) -> dict[str, Balance | SmsBridgeError]:
        """Every provider's balance by label, or the error asking for it raised."""
        found: dict[str, Balance | SmsBridgeError] = {}
        for label, client in zip(self.labels, self.clients, strict=True):
            try:
                found[label] = client.balance()
            except SmsBridgeError as exc:
                found[label] = exc
        return found

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """The prices of the provider the next message would go to first."""
        return self.clients[self._first("prices")].prices(channel, **filters)

    @hookimpl
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Create HLR requests at the first healthy provider offering them (no failover)."""
        index = self._first("hlr")
        return [self._own(index, r) for r in self.clients[index].hlr(msisdns, **options)]

    @hookimpl
    def hlr_result(self, hlr_id: str) -> HlrResult:
        """Ask the provider that created the HLR request."""
        index, own_id = self._route(hlr_id, "hlr_id")
        return attrs.evolve(self.clients[index].hlr_result(own_id), id=hlr_id)

    @hookimpl
    def lookup(self, msisdn: str) -> Lookup:
        """Look the number up at the first healthy provider offering lookups."""
        return self.clients[self._first("lookup")].lookup(msisdn)

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Add up the statistics of every provider offering reports."""
        reports = {self.labels[i]: self.clients[i].report(start, end, **filters)
                   for i in range(len(self.clients)) if self.clients[i].supports("report")}
        totals: dict[str, int | None] = {}
        for field in _STATISTICS_FIELDS:
            values = [getattr(r, field) for r in reports.values()]
            # A figure one provider lacks makes the total unknown, not smaller.
            totals[field] = None if any(v is None for v in values) else sum(values)
        return Statistics(**totals, raw=reports)

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """Every provider's incoming messages, oldest first."""
        found: list[IncomingMessage] = []
        for client in self.clients:
            if client.supports("inbox"):
                found.extend(client.inbox(start, end))
        return sorted(found, key=lambda m: (m.received_at is None,
                                            m.received_at.timestamp() if m.received_at else 0))

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Parse a provider's push with the first provider that understands it.

        When every provider has its own callback URL, :meth:`parse_callback_for` says
        which provider sent it and avoids guessing.
        """
        understood = False
        for index, client in enumerate(self.clients):
            if not client.supports("parse_callback"):
                continue
            try:
                items = client.parse_callback(body, content_type)
            except (InvalidResponse, ValidationError):
                continue
            if items:
                return [self._own(index, item) for item in items]
            understood = True
        if not understood:
            raise InvalidResponse("no provider of this failover client understood the callback",
                                  body=self.redactor.text(body), provider=self.name,
                                  operation="parse_callback")
        return []

    def parse_callback_for(self, provider: int, body: bytes | str,
                           content_type: str | None = None) -> list[Any]:
        """Parse a push from provider number ``provider``; ids come back prefixed."""
        if not 0 <= provider < len(self.clients):
            raise ValidationError(f"no provider number {provider}", field="provider")
        items = self.clients[provider].parse_callback(body, content_type)
        return [self._own(provider, item) for item in items]
