"""Fixtures of the Nikita driver's tests: clients, payload files, the mocked wire."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge.transport import RetryPolicy
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
def sleeps() -> list[float]:
    """Every delay the client slept, in order (nothing really waits)."""
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[Callable[..., smsbridge.Client]]:
    """Make a nikita client with fake sleeps and a fixed jitter of 0.5."""
    made: list[smsbridge.Client] = []

    def make(retries: int = 2, **overrides: Any) -> smsbridge.Client:
        retry = RetryPolicy(retries=retries, sleep=sleeps.append, jitter=lambda: 0.5)
        client = smsbridge.connect("nikita", retry=retry, **{**SETTINGS, **overrides})
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    """A nikita client pointed at https://nikita.test/api."""
    return make_client()


@pytest.fixture
def wire() -> Iterator[responses.RequestsMock]:
    """The mocked HTTP wire; every registered answer must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


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
