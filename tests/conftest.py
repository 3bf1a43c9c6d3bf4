"""Fixtures shared by the drivers' push tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs
import pytest

from smsbridge.testing import serve_wsgi


@attrs.frozen(kw_only=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    content_type: str
    authorization: str | None
    body: bytes


class Receiver:
    """A WSGI endpoint that records pushes and answers the statuses of ``script`` in turn
    (then 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, statuses: Iterable[int]) -> None:
        with self._lock:
            self.script = list(statuses)

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        with self._lock:
            self.received.append(Received(
                method=environ["REQUEST_METHOD"], path=environ.get("PATH_INFO", ""),
                content_type=environ.get("CONTENT_TYPE", ""),
                authorization=environ.get("HTTP_AUTHORIZATION"), body=body))
            status = self.script.pop(0) if self.script else 200
        start_response(f"{status} Scripted", [("Content-Type", "text/plain")])
        return [b"scripted"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An application endpoint on 127.0.0.1 recording what providers push to it."""
    endpoint = Receiver()
    with serve_wsgi(endpoint) as url:
        endpoint.url = url + "/dlr"
        yield endpoint


# The Django test project runs under its own test runners (tests/integrations).
collect_ignore = ["django_project"]
