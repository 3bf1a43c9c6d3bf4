"""Fixtures of the Phoenix driver tests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

import smsbridge

PAYLOADS = Path(__file__).parent / "payloads"
BASE_URL = "https://phoenix.test"
TOKEN = "tok-S3cret-phoenix"


class ProviderApi:
    """Phoenix's test URLs, token and payloads (the answers registered with ``responses``)."""

    base_url = BASE_URL
    token = TOKEN

    def url(self, path: str) -> str:
        """The full URL of an endpoint below ``/sms-api/``."""
        return f"{BASE_URL}/sms-api/{path}"

    def payload(self, name: str) -> bytes:
        """A provider answer from ``payloads/``."""
        return (PAYLOADS / name).read_bytes()


@pytest.fixture
def api() -> ProviderApi:
    """Phoenix's URLs, token and payloads (tests read requests through ``sms_wire``)."""
    return ProviderApi()


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make a Phoenix client with a fake sleep; keyword arguments override settings."""
    return functools.partial(sms_connect, "phoenix", token=TOKEN, base_url=BASE_URL)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    """A Phoenix client with the test settings (closed by ``sms_connect``)."""
    return connect()
