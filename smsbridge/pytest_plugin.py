"""The smsbridge pytest plugin: the ``sms_outbox`` fixture for applications' tests.

While a test using ``sms_outbox`` runs, ``SMSBRIDGE_URL`` is ``memory://`` so code
that calls :func:`smsbridge.from_env` gets the memory driver, and every memory
driver made during the test records into the fixture's outbox::

    def test_signup_sends_code(sms_outbox):
        signup("+996 550 123 456")
        assert "code" in sms_outbox.last.text
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smsbridge.memory import MemoryDriver, Outbox


@pytest.fixture
def sms_outbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outbox]:
    """An outbox shared by every memory driver made during the test."""
    outbox = Outbox()
    monkeypatch.setenv("SMSBRIDGE_URL", "memory://")
    monkeypatch.delenv("SMSBRIDGE_DRIVER", raising=False)
    monkeypatch.setattr(MemoryDriver, "outbox_factory", lambda: outbox)
    yield outbox
