"""Fixtures of the Stream driver tests: a client over `responses`, its answers (payloads).

Tests read the requests through the plugin's ``sms_wire``."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

import smsbridge

BASE = "https://stream.test/rest"
PASSWORD = "s3cret-Pass!word"
SESSION_ID = "967648e7c4bc8895182862a8f0490f5e"
PAYLOADS = Path(__file__).parent / "payloads"


class ProviderApi:
    """Stream's test URLs, credentials and answers."""

    base = BASE
    password = PASSWORD
    session_id = SESSION_ID

    @staticmethod
    def url(path: str) -> str:
        return f"{BASE}/{path}"

    @staticmethod
    def payload(name: str) -> bytes:
        return (PAYLOADS / name).read_bytes()

    @staticmethod
    def json_body(value: Any) -> bytes:
        return json.dumps(value).encode("utf-8")


@pytest.fixture
def api() -> ProviderApi:
    """Stream's URLs, credentials and answers."""
    return ProviderApi()


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make stream clients (test settings, overridable) with a fake sleep and fixed jitter."""
    return functools.partial(sms_connect, "stream", login="acme", password=PASSWORD,
                             base_url=BASE, sender="ACME")


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    return connect()


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def logged_in(mock: responses.RequestsMock, api: ProviderApi) -> responses.RequestsMock:
    """The mock with the login answered by the document's session id."""
    mock.add(responses.POST, api.url("Session/session.php"), body=api.payload("session.json"),
             content_type="application/json; charset=utf-8")
    return mock
