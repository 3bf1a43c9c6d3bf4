"""Fixtures of the Nikita driver's tests: its settings, clients, payload files and XML
readers (the plugin gives ``sms_connect``, ``sms_sleeps``; tests/conftest.py ``mocked``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.xmlutil import parse_xml

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


def body_of(call: Any) -> dict[str, Any]:
    """The XML document a recorded request carried, parsed (namespaces dropped)."""
    body = call.request.body
    return parse_xml(body, force_list=("phone",))


@pytest.fixture
def request_xml() -> Callable[[Any], dict[str, Any]]:
    """Parse the XML body of a recorded ``responses`` call."""
    return body_of


def bytes_of(call: Any) -> bytes:
    """The raw body of a recorded ``responses`` call."""
    body = call.request.body
    assert isinstance(body, bytes), type(body)
    return body


@pytest.fixture
def request_bytes() -> Callable[[Any], bytes]:
    """The raw body of a recorded ``responses`` call, as bytes."""
    return bytes_of
