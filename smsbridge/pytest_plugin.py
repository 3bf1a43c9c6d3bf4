"""The smsbridge pytest plugin: ``sms_outbox`` for applications' tests, and
``sms_connect``/``sms_sleeps`` for drivers' tests.

While a test using ``sms_outbox`` runs, nothing leaves the process: every client, made
before the test (at import time) or during it, by name, URL, environment or config,
answers ``send``, ``status``, ``balance`` and ``parse_callback`` as a memory client
recording into the fixture's outbox (after the client's own provider checks); any other
operation, or any request a driver tries to make on its own, fails the test naming the
client and the operation.
``SMSBRIDGE_URL`` is ``memory://`` meanwhile (the developer's own ``SMSBRIDGE_*``
variables are hidden)::

    def test_signup_sends_code(sms_outbox):
        signup("+996 550 123 456")
        assert "code" in sms_outbox.last.text

For Django projects the plugin also empties ``smsbridge.integrations.django.outbox``
before each test (pytest-django).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smsbridge.client import Client
from smsbridge.config import connect
from smsbridge.memory import MemoryDriver, Outbox
from smsbridge.memory import stand_in as memory_stand_in
from smsbridge.transport import RetryPolicy, Transport


@pytest.fixture
def sms_outbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    """An outbox that every client records into during the test; nothing is sent."""
    import os

    outbox = Outbox()
    # The developer's own SMSBRIDGE_* settings must not reach the memory driver.
    for key in list(os.environ):
        if key.startswith("SMSBRIDGE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")
    monkeypatch.setattr(MemoryDriver, "outbox_factory", lambda: outbox)

    stand_ins: weakref.WeakKeyDictionary[Client, Client] = weakref.WeakKeyDictionary()
    call = Client._call

    def isolated_call(client: Client, operation: str, expected: type | tuple[type, ...],
                      **kwargs: Any) -> Any:
        driver = client.driver
        if isinstance(driver, MemoryDriver):
            return call(client, operation, expected, **kwargs)
        stand_in = stand_ins.get(client)
        if stand_in is None:
            stand_in = stand_ins[client] = memory_stand_in(driver, outbox)
        if not stand_in.supports(operation) and operation != "validate":
            pytest.fail(f"sms_outbox: {driver.name} client {client!r} was asked for "
                        f"{operation}(), which would reach the provider; the outbox answers "
                        f"only {', '.join(sorted(stand_in.capabilities))}", pytrace=False)
        return call(stand_in, operation, expected, **kwargs)

    def no_request(transport: Transport, method: str, path: str, **kwargs: Any) -> Any:
        pytest.fail(f"sms_outbox: a {transport.provider} request ({method} "
                    f"{path.split('?')[0]}, operation {kwargs.get('operation')!r}) tried to "
                    "leave the test; call the client's operations, not driver extras",
                    pytrace=False)

    monkeypatch.setattr(Client, "_call", isolated_call)
    monkeypatch.setattr(Transport, "request", no_request)
    yield outbox


@pytest.fixture(autouse=True)
def _smsbridge_django_outbox() -> None:
    """Empty the Django integration's outbox before each test (pytest-django keeps
    Django's mail outbox list and only empties it)."""
    clients = sys.modules.get("smsbridge.integrations.django.clients")
    if clients is not None:
        clients.outbox.clear()


@pytest.fixture
def sms_sleeps() -> list[float]:
    """The waits clients made by ``sms_connect`` asked for; nothing really sleeps."""
    return []


@pytest.fixture
def sms_connect(sms_sleeps: list[float]) -> Iterator[Callable[..., Client]]:
    """Make clients whose retries record their waits in ``sms_sleeps`` instead of sleeping.

    ``sms_connect("nikita", retries=0, login=..., ...)``: ``retries`` (default 2) sets the
    retry policy, with a fixed jitter so the waits are predictable; every other keyword is
    a setting. The clients are closed when the test ends. Drivers' test suites wrap it::

        @pytest.fixture
        def connect(sms_connect):
            return functools.partial(sms_connect, "nikita", **SETTINGS)
    """
    made: list[Client] = []

    def make(target: str, /, *, retries: int = 2, **settings: Any) -> Client:
        retry = RetryPolicy(retries=retries, sleep=sms_sleeps.append, jitter=lambda: 0.5)
        client = connect(target, retry=retry, **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
