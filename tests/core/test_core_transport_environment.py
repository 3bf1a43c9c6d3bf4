"""The proxy and CA-bundle environment is read once, when a client is made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from smsbridge.transport import RetryPolicy, Transport


class _Recorder(BaseHTTPRequestHandler):
    """Answers every GET with 200 "ok" and records its request line."""

    lines: list[str]

    def do_GET(self) -> None:
        self.lines.append(self.requestline)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (a proxy or a provider): its address and what it saw."""
    lines: list[str] = []
    handler = type("Handler", (_Recorder,), {"lines": lines})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", lines
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _transport(base_url: str) -> Transport:
    return Transport(provider="prov", base_url=base_url, retry=RetryPolicy(retries=0),
                     timeout=5, connect_timeout=5)


def _clear_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_the_proxy_of_the_environment_at_connect_is_used(
        monkeypatch: pytest.MonkeyPatch, server: tuple[str, list[str]]) -> None:
    proxy, seen = server
    _clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    transport = _transport("http://provider.invalid/api")
    # A later change of the environment does not move a client already made.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    answer = transport.request("GET", "op", operation="status", params={"id": "7"})
    assert answer.content == b"ok"
    assert seen == ["GET http://provider.invalid/api/op?id=7 HTTP/1.1"]


def test_no_proxy_sends_the_provider_s_host_directly(
        monkeypatch: pytest.MonkeyPatch, server: tuple[str, list[str]]) -> None:
    provider, seen = server
    _clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    transport = _transport(provider + "/api")
    assert transport.request("GET", "op", operation="status").content == b"ok"
    assert seen == ["GET /api/op HTTP/1.1"]


def test_the_ca_bundle_of_the_environment_at_connect_is_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/acme-ca.pem")
    transport = _transport("https://provider.test/api")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/elsewhere.pem")
    assert transport.session.verify == "/etc/ssl/acme-ca.pem"
