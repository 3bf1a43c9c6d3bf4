"""One client per configured name per process, and its stand-in during Django tests.

:func:`get_client` hands out a :class:`ManagedClient` per name. Each call on it goes to
the real client made from ``settings.SMSBRIDGE[name]``, except while Django's test
environment is set up (``manage.py test``, pytest-django: ``django.core.mail.outbox``
exists): then it goes to a memory client that records into :data:`outbox`. So a client
taken at import time, before the tests started, sends nothing during them either.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings

from smsbridge.client import Client
from smsbridge.config import connect, from_config
from smsbridge.errors import ConfigError
from smsbridge.memory import Outbox
from smsbridge.memory import stand_in as memory_stand_in
from smsbridge.webhook import DEFAULT_MAX_BODY, CallbackApp

__all__ = ["ManagedClient", "TestOutbox", "callback_app", "configured", "get_client",
           "in_tests", "make_client", "outbox"]

#: Keys ``SMSBRIDGE_WEBHOOK`` accepts.
WEBHOOK_KEYS = frozenset({"username", "password", "max_body"})


def in_tests() -> bool:
    """True while Django's test environment is set up (its mail outbox exists)."""
    from django.core import mail

    return hasattr(mail, "outbox")


class TestOutbox(Outbox):
    """The messages sent through :func:`get_client` during a Django test.

    Emptied when a new test starts: Django's test cases give ``django.core.mail.outbox``
    a new list before each test, and the smsbridge pytest plugin empties it for
    pytest-django's tests.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        super().__init__()
        self._mailbox: object = None

    def _sync(self) -> None:
        from django.core import mail

        box = getattr(mail, "outbox", None)
        if box is not self._mailbox:
            self._mailbox = box
            super().clear()

    def append(self, message: Any) -> None:
        self._sync()
        super().append(message)

    def __len__(self) -> int:
        self._sync()
        return super().__len__()

    def __iter__(self) -> Iterator[Any]:
        self._sync()
        return super().__iter__()

    def __getitem__(self, index: Any) -> Any:
        self._sync()
        return super().__getitem__(index)

    def __contains__(self, item: object) -> bool:
        self._sync()
        return super().__contains__(item)

    def __eq__(self, other: object) -> bool:
        self._sync()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._sync()
        return super().__repr__()


#: What was sent through :func:`get_client` clients during the current Django test.
outbox = TestOutbox()

_lock = threading.RLock()
_real: dict[str, Client] = {}
_stand_ins: dict[str, Client] = {}
_managed: dict[str, ManagedClient] = {}
_webhooks: dict[str, CallbackApp | None] = {}


def configured() -> Mapping[str, Any]:
    """``settings.SMSBRIDGE``: provider name -> URL or mapping of settings."""
    value = getattr(settings, "SMSBRIDGE", {})
    if not isinstance(value, Mapping):
        raise ConfigError("settings.SMSBRIDGE must be a dict of name -> URL or mapping",
                          key="SMSBRIDGE")
    return value


def make_client(config: Any) -> Client:
    """A client from one ``SMSBRIDGE`` entry: a URL (or driver name) or a mapping."""
    if isinstance(config, str):
        return connect(config)
    if isinstance(config, Mapping):
        return from_config(config)
    raise ConfigError(f"an SMSBRIDGE entry must be a URL or a mapping, not "
                      f"{type(config).__name__}", key="SMSBRIDGE")


def _entry(name: str) -> Any:
    providers = configured()
    if name not in providers:
        known = ", ".join(sorted(map(str, providers))) or "none"
        raise ConfigError(f"no provider {name!r} in settings.SMSBRIDGE (configured: {known})",
                          key="SMSBRIDGE")
    return providers[name]


def real_client(name: str) -> Client:
    """The client made from ``settings.SMSBRIDGE[name]``, made once per process."""
    with _lock:
        client = _real.get(name)
        if client is None:
            client = _real[name] = make_client(_entry(name))
        return client


def stand_in(name: str) -> Client:
    """The memory client standing in for ``name`` during tests, recording into ``outbox``.

    The real settings are still checked, and the messages against the real provider's
    limits; the configured default sender is kept.
    """
    with _lock:
        client = _stand_ins.get(name)
        if client is None:
            client = _stand_ins[name] = memory_stand_in(real_client(name).driver, outbox)
        return client


class ManagedClient(Client):
    """The client :func:`get_client` returns: a :class:`smsbridge.Client` whose calls go to
    the real client, or to the memory stand-in while Django's tests run."""

    def __init__(self, name: str) -> None:  # no super().__init__: every part is resolved
        self.name = name

    def target(self) -> Client:
        """The client calls go to now."""
        return stand_in(self.name) if in_tests() else real_client(self.name)

    @property
    def _driver(self) -> Any:  # type: ignore[override]
        return self.target()._driver

    @property
    def _pm(self) -> Any:  # type: ignore[override]
        return self.target()._pm

    @property
    def _operations(self) -> Any:  # type: ignore[override]
        return self.target()._operations

    @property
    def capabilities(self) -> frozenset[str]:  # type: ignore[override]
        return self.target().capabilities

    def __repr__(self) -> str:
        return f"<smsbridge.integrations.django client {self.name!r}: {self.target()!r}>"

    def close(self) -> None:
        """Closing is the integration's business: clients are closed at exit."""


def get_client(name: str = "default") -> Client:
    """The client of ``settings.SMSBRIDGE[name]``: one per name per process, thread-safe."""
    with _lock:
        client = _managed.get(name)
        if client is None:
            _entry(name)  # fail now, naming the configured providers
            client = _managed[name] = ManagedClient(name)
        return client


def callback_app(name: str) -> CallbackApp | None:
    """The :class:`CallbackApp` for ``name``'s pushes; None without ``SMSBRIDGE_WEBHOOK``.

    It parses with the real driver (no request is made to parse) even during tests.
    """
    with _lock:
        if name in _webhooks:
            return _webhooks[name]
        webhook = getattr(settings, "SMSBRIDGE_WEBHOOK", None)
        app = None
        if webhook is not None and not isinstance(webhook, Mapping):
            raise ConfigError("settings.SMSBRIDGE_WEBHOOK must be a dict",
                              key="SMSBRIDGE_WEBHOOK")
        if webhook:
            from smsbridge.integrations.django.signals import delivery_report

            def on_report(report: Any) -> None:
                delivery_report.send(sender=Client, using=name, report=report)

            app = CallbackApp(real_client(name), on_report=on_report,
                              username=webhook.get("username"),
                              password=webhook.get("password"),
                              max_body=webhook.get("max_body", DEFAULT_MAX_BODY))
        _webhooks[name] = app
        return app


def reset(close: Callable[[Client], None] = Client.close) -> None:
    """Forget every cached client (closing the real ones) and callback app."""
    with _lock:
        made = list(_real.values())
        _real.clear()
        _stand_ins.clear()
        _webhooks.clear()
    for client in made:
        close(client)


def settings_changed(setting: str, **kwargs: Any) -> None:
    """``setting_changed`` receiver: new SMSBRIDGE settings make new clients."""
    if setting in ("SMSBRIDGE", "SMSBRIDGE_WEBHOOK"):
        reset()


atexit.register(reset)
