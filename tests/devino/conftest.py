"""Fixtures of the Devino driver tests: a client on a fake base URL, payload files."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

import smsbridge

BASE = "https://devino.test/rest"
LOGIN = "acme"
# Characters that URL encoding changes, as in the document's own example (a+b==13%!).
PASSWORD = "a+b==13%!pw"
SESSION = "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1"
PAYLOADS = Path(__file__).parent / "payloads"


class MockedApi:
    """The mocked Devino API, its answers registered (tests read requests through ``sms_wire``)."""

    base = BASE
    login = LOGIN
    password = PASSWORD
    session = SESSION

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock

    @staticmethod
    def payload(name: str) -> bytes:
        return (PAYLOADS / name).read_bytes()

    def add(self, method: str, path: str, *, payload: str | None = None,
            body: Any = None, status: int = 200) -> None:
        content = self.payload(payload) if payload is not None else body
        self.mock.add(method, f"{BASE}/{path}", body=content, status=status,
                      content_type="application/json; charset=utf-8")

    def add_login(self, *, body: Any = None, status: int = 200) -> None:
        content = self.payload("session-id.json") if body is None else body
        self.mock.add("GET", f"{BASE}/user/sessionid", body=content, status=status,
                      content_type="application/json; charset=utf-8")


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make devino clients (test settings, overridable) with a fake sleep and fixed jitter."""
    return functools.partial(sms_connect, "devino", login=LOGIN, password=PASSWORD,
                             sender="DEVINO", base_url=BASE)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    return connect()


@pytest.fixture
def api() -> Iterator[MockedApi]:
    """The mocked Devino API: register its answers."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield MockedApi(mock)
