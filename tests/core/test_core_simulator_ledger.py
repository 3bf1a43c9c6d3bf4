"""Every simulator's ledger: one entry per recipient of each accepted message."""

from __future__ import annotations

from datetime import timezone

import pytest

import smsbridge
from smsbridge.discovery import load_driver
from smsbridge.testing import SimulatedMessage

DRIVERS = ["nikita", "devino", "stream", "ketchup", "phoenix"]
NUMBERS = {
    "nikita": ["996550123456", "996550123457"],
    "devino": ["79161234567", "79161234568"],
    "stream": ["79161234567", "79161234568"],
    "ketchup": ["380501234567", "380501234568"],
    "phoenix": ["380711234567", "380711234568"],
}


def _simulator(name: str):
    import importlib

    module, _, cls = load_driver(name).simulator.partition(":")
    return getattr(importlib.import_module(module), cls)()


@pytest.mark.parametrize("name", DRIVERS)
def test_ledger_holds_one_entry_per_recipient(name):
    simulator = _simulator(name)
    # Two parts of GSM-7 text: a segmenting provider still holds one message per recipient.
    text = "x" * 200
    with simulator.serve() as url:
        settings = simulator.client_settings(url)
        if name != "phoenix":  # Phoenix sends under the account's own name
            settings.setdefault("sender", "ACME")
        with smsbridge.connect(name, **settings) as sms:
            result = sms.send(NUMBERS[name], text)
    ledger = simulator.ledger()
    assert all(isinstance(entry, SimulatedMessage) for entry in ledger)
    assert sorted(entry.recipient for entry in ledger) == NUMBERS[name]
    assert {entry.text for entry in ledger} == {text}
    assert {entry.channel for entry in ledger} == {"sms"}
    assert all(entry.accepted_at.tzinfo is timezone.utc for entry in ledger)
    assert all(entry.state in {"queued", "sent"} for entry in ledger)
    assert len(result.ids) == 2


@pytest.mark.parametrize("name", DRIVERS)
def test_ledger_is_empty_when_nothing_was_accepted(name):
    assert _simulator(name).ledger() == []
