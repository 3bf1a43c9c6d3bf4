"""Fixtures of the Nikita driver's tests: its settings, clients and payload files (the
plugin gives ``sms_connect``, ``sms_sleeps``, ``sms_wire``; tests/conftest.py ``mocked``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import smsbridge

PAYLOADS = Path(__file__).parent / "payloads"
BASE_URL = "https://nikita.test/api"
SETTINGS: dict[str, Any] = {
    "login": "acme",
    "password": "s3cret-pw",
    "sender": "ACME",
    "base_url": BASE_URL,
}


@pytest.fixture
def payload() -> Callable[..., bytes]:
    """Read ``payloads/<name>``; a ``.tmpl`` file is formatted with the keywords."""

    def load(name: str, **values: Any) -> bytes:
        path = PAYLOADS / name
        if not path.exists():
            path = PAYLOADS / f"{name}.tmpl"
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".tmpl":
            text = text.format(**values)
        return text.encode("utf-8")

    return load


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make nikita clients (test settings, overridable) with a fake sleep and fixed jitter."""
    return functools.partial(sms_connect, "nikita", **SETTINGS)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    """A nikita client pointed at https://nikita.test/api."""
    return connect()

