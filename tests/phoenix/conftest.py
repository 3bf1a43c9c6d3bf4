"""Fixtures of the Phoenix driver tests."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import smsbridge

PAYLOADS = Path(__file__).parent / "payloads"
BASE_URL = "https://phoenix.test"
TOKEN = "tok-S3cret-phoenix"


class ProviderApi:
    """Helpers to build provider URLs and read the requests the driver made."""

    base_url = BASE_URL
    token = TOKEN

    def url(self, path: str) -> str:
        """The full URL of an endpoint below ``/sms-api/``."""
        return f"{BASE_URL}/sms-api/{path}"

    def payload(self, name: str) -> bytes:
        """A provider answer from ``payloads/``."""
        return (PAYLOADS / name).read_bytes()

    @staticmethod
    def path(call: Any) -> str:
        return urlsplit(call.request.url).path

    @staticmethod
    def query(call: Any) -> dict[str, list[str]]:
        return parse_qs(urlsplit(call.request.url).query, keep_blank_values=True)

    @staticmethod
    def body(call: Any) -> Any:
        raw = call.request.body
        if raw is None:
            return None
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)


@pytest.fixture
def api() -> ProviderApi:
    """Phoenix's URLs and payloads, and readers of the requests the driver made."""
    return ProviderApi()


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make a Phoenix client with a fake sleep; keyword arguments override settings."""
    return functools.partial(sms_connect, "phoenix", token=TOKEN, base_url=BASE_URL)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    """A Phoenix client with the test settings (closed by ``sms_connect``)."""
    return connect()
