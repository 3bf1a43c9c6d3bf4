"""The smsbridge pytest plugin: ``sms_outbox`` for applications' tests, and
``sms_connect``, ``sms_sleeps``, ``sms_clock``, ``sms_until_final``, ``sms_wire`` and
``sms_simulator`` for tests that talk to a provider (drivers' own suites).

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

For drivers' (and applications') tests against a provider, simulated or mocked:

``sms_connect``
    ``sms_connect("nikita", retries=0, **settings)`` makes a client whose retries never
    really sleep (a fixed jitter, waits recorded in ``sms_sleeps``); closed at the end.
``sms_sleeps``
    The list of waits those clients asked for.
``sms_clock``
    A :class:`~smsbridge.testing.fixtures.FakeClock` (frozen at the real time the test
    started): pass it to simulators as ``clock=``, move it with ``advance(seconds)`` or
    by setting ``now``. The retries of ``sms_connect`` clients advance it too.
``sms_until_final``
    ``sms_until_final(client, message_id, until=None, rounds=10)`` asks ``status``
    until the state is final (or ``until``), at most ``rounds`` times, moving
    ``sms_clock`` a second between two; returns every report (``.states``,
    ``.provider_states``, ``.last``); fails the test when no final state came.
``sms_wire``
    Every HTTP request that went on the wire during the test (also those a mock such as
    ``responses`` answers), oldest first: ``sms_wire[0]``, ``sms_wire.last``,
    ``sms_wire.paths`` (``["POST /api/message"]``), ``sms_wire.to("/api/dr")`` (those
    to one path). Each is a :class:`~smsbridge.testing.fixtures.WireRequest`:
    ``method``, ``url``, ``path``, ``headers``, ``body`` (bytes); the query as
    ``params`` (a dict) or ``query_pairs`` (in order, repeats kept); the body read as
    ``form`` / ``form_pairs``, ``json()``, ``xml("phone")`` (the drivers' XML reader;
    elements named are always lists), ``multipart()`` or ``text``. A body of non-ASCII
    text (not bytes) fails the test: urllib3 versions send it differently.
    ``WireRequest.of(call.request)`` reads a request ``responses`` recorded.
``sms_simulator``
    ``served = sms_simulator("nikita")`` (a driver name, or a simulator instance to
    serve) serves the simulator on 127.0.0.1 for the test; ``served.simulator``,
    ``served.url``, ``served.client`` (made with ``sms_connect``),
    ``served.connect(**overrides)`` for more; ``sim, client = served`` unpacks. Extra
    keywords are client settings: ``sms_simulator("devino", sender="ACME")``.

A driver's own suite needs only its settings::

    @pytest.fixture
    def client(sms_connect):
        return sms_connect("nikita", login="acme", password="s3cret", base_url=BASE)

    def test_delivery(sms_simulator, sms_until_final):
        sim, client = sms_simulator("nikita")
        message_id = client.send("996550123456", "hi").ids[0]
        assert sms_until_final(client, message_id).last.state is DeliveryState.DELIVERED
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from smsbridge.client import Client
from smsbridge.config import connect
from smsbridge.memory import MemoryDriver, Outbox
from smsbridge.memory import stand_in as memory_stand_in
from smsbridge.models import DeliveryState
from smsbridge.testing.fixtures import (
    FakeClock,
    Polls,
    Served,
    Wire,
    driver_of,
    simulator_for,
    until_final,
)
from smsbridge.transport import RetryPolicy, Transport

if TYPE_CHECKING:
    from smsbridge.testing.simulator import Simulator


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
def sms_clock() -> FakeClock:
    """A fake clock, frozen at the real time the test started; it moves when told."""
    return FakeClock()


@pytest.fixture
def sms_sleeps(sms_clock: FakeClock) -> list[float]:
    """The waits clients made by ``sms_connect`` asked for; nothing really sleeps."""
    return sms_clock.sleeps


@pytest.fixture
def sms_connect(sms_clock: FakeClock) -> Iterator[Callable[..., Client]]:
    """Make clients whose retries record their waits in ``sms_sleeps`` instead of sleeping.

    ``sms_connect("nikita", retries=0, login=..., ...)``: ``retries`` (default 2) sets the
    retry policy, with a fixed ``jitter`` (default 0.5, the middle of its range) so the
    waits are predictable; every other keyword is a setting. A wait moves ``sms_clock``
    on. The clients are closed when the test ends. Drivers' test suites wrap it::

        @pytest.fixture
        def connect(sms_connect):
            return functools.partial(sms_connect, "nikita", **SETTINGS)
    """
    made: list[Client] = []

    def make(target: str, /, *, retries: int = 2, jitter: float = 0.5,
             **settings: Any) -> Client:
        retry = RetryPolicy(retries=retries, sleep=sms_clock.sleep, jitter=lambda: jitter)
        client = connect(target, retry=retry, **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def sms_until_final(sms_clock: FakeClock) -> Callable[..., Polls]:
    """Ask a client for a message's status until it is final (a bounded loop).

    ``sms_until_final(client, message_id, until=None, rounds=10)`` returns every report
    seen; ``sms_clock`` moves a second between two queries.
    """

    def poll(client: Client, message_id: str, *, until: DeliveryState | None = None,
             rounds: int = 10) -> Polls:
        return until_final(client, message_id, until=until, rounds=rounds, clock=sms_clock)

    return poll


@pytest.fixture
def sms_wire() -> Iterator[Wire]:
    """Every HTTP request that went on the wire during the test, with readers of each."""
    wire = Wire()
    with wire.recording():
        yield wire


@pytest.fixture
def sms_simulator(sms_connect: Callable[..., Client]) -> Iterator[Callable[..., Served]]:
    """Serve a simulator on 127.0.0.1 for the test: ``sms_simulator("nikita")`` or
    ``sms_simulator(instance, name="nikita")``; keywords are client settings."""
    with contextlib.ExitStack() as stack:

        def serve(simulator: str | Simulator, /, *, name: str | None = None,
                  **settings: Any) -> Served:
            if isinstance(simulator, str):
                name, simulator = simulator, simulator_for(simulator)
            elif name is None:
                name = driver_of(simulator)
            url = stack.enter_context(simulator.serve())
            return Served(name=name, simulator=simulator, url=url, connect_with=sms_connect,
                          settings=settings)

        yield serve
