"""The smsbridge pytest plugin: ``sms_outbox`` for applications' tests, and
``sms_connect``/``sms_sleeps`` for drivers' tests.

While a test using ``sms_outbox`` runs, ``SMSBRIDGE_URL`` is ``memory://`` so code
that calls :func:`smsbridge.from_env` gets the memory driver, and every memory
driver made during the test records into the fixture's outbox::

    def test_signup_sends_code(sms_outbox):
        signup("+996 550 123 456")
        assert "code" in sms_outbox.last.text
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from smsbridge.client import Client
from smsbridge.config import connect
from smsbridge.memory import MemoryDriver, Outbox
from smsbridge.transport import RetryPolicy


@pytest.fixture
def sms_outbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    """An outbox shared by every memory driver made during the test."""
    import os

    outbox = Outbox()
    # The developer's own SMSBRIDGE_* settings must not reach the memory driver.
    for key in list(os.environ):
        if key.startswith("SMSBRIDGE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")
    monkeypatch.setattr(MemoryDriver, "outbox_factory", lambda: outbox)
    yield outbox


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
