"""Fixtures of the KetchUp driver tests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import smsbridge

PAYLOADS = Path(__file__).parent / "payloads"
BASE = "https://ketchup.test/rest"
API_KEY = "live_s3cret-key-42"
SETTINGS: dict[str, Any] = {"api_key": API_KEY, "base_url": BASE, "sender": "ACME"}


@pytest.fixture
def payload() -> Callable[[str], str]:
    """Read a payload file by name."""
    def load(name: str) -> str:
        return (PAYLOADS / name).read_text(encoding="utf-8")
    return load


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make ketchup clients (test settings, overridable) with a fake sleep and fixed jitter."""
    return functools.partial(sms_connect, "ketchup", **SETTINGS)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    """A client with the default test settings."""
    return connect()

