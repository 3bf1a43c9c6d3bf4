"""The simulator kit: a real HTTP server on 127.0.0.1 and injectable faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from smsbridge.errors import DeliveryUnknown
from smsbridge.testing import Simulator, serve_wsgi
from smsbridge.transport import RetryPolicy, Transport


class Counter(Simulator):
    """Counts accepted POSTs; answers their number."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = 0

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.accepted += 1
            return Response(str(self.accepted), content_type="text/plain")

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url}


@pytest.fixture
def sim() -> Iterator[tuple[Counter, str]]:
    counter = Counter()
    with counter.serve() as url:
        yield counter, url


def test_serve_wsgi_serves_on_loopback() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    with serve_wsgi(app) as url:
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/hello", timeout=5).text == "/hello"


def test_status_and_body_faults(sim: tuple[Counter, str]) -> None:
    counter, url = sim
    counter.inject("status", status=503, body="busy", times=2)
    assert [requests.post(url, timeout=5).status_code for _ in range(3)] == [503, 503, 200]
    counter.inject("body", body="<garbage", path="/op")
    assert requests.post(url + "/other", timeout=5).text == "2"
    assert requests.post(url + "/op", timeout=5).text == "<garbage"
    assert counter.accepted == 2
    assert [r.path for r in counter.requests][-2:] == ["/other", "/op"]


def test_a_fault_after_some_requests_lets_them_through_first(
    sim: tuple[Counter, str],
) -> None:
    counter, url = sim
    counter.inject("status", status=503, skip=2, path="/send")
    codes = [requests.post(url + "/send", timeout=5).status_code for _ in range(4)]
    assert codes == [200, 200, 503, 200]
    assert counter.accepted == 3


def test_a_dropped_connection_reaches_the_client_as_a_connection_error(
        sim: tuple[Counter, str]) -> None:
    counter, url = sim
    counter.inject("drop")
    with pytest.raises(requests.ConnectionError):
        requests.post(url, timeout=5)
    assert counter.accepted == 0


def test_an_answer_lost_after_acceptance_is_delivery_unknown_and_not_resent(
        sim: tuple[Counter, str]) -> None:
    counter, url = sim
    counter.inject("drop_after_accept")
    transport = Transport(provider="sim", base_url=url, retry=RetryPolicy(retries=3))
    with pytest.raises(DeliveryUnknown):
        transport.request("POST", "/send", operation="send", send=True, idempotent=False)
    assert counter.accepted == 1
    transport.close()


def test_a_slow_answer_times_out(sim: tuple[Counter, str]) -> None:
    counter, url = sim
    counter.inject("delay", seconds=0.5)
    transport = Transport(provider="sim", base_url=url, timeout=0.1,
                          retry=RetryPolicy(retries=0))
    with pytest.raises(DeliveryUnknown):
        transport.request("POST", "/send", operation="send", send=True, idempotent=False)
    transport.close()
