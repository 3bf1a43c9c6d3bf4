"""Failover over real HTTP on 127.0.0.1: a small test provider and its simulator.

The provider ("toy") is defined here because it exists only for these tests; it goes
through the real transport, so lost answers, 5xx and refused connections become the
errors the core makes of them.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge.errors import AuthError, DeliveryUnknown
from smsbridge.failover import AllProvidersFailed
from smsbridge.models import DeliveryState, Message, SentMessage, StatusReport
from smsbridge.testing import Simulator
from smsbridge.transport import Request, RetryPolicy

pytest.importorskip("werkzeug")

NUMBER = "996550123456"
NO_WAIT = RetryPolicy(retries=0, sleep=lambda _: None)


@attrs.frozen(kw_only=True)
class ToySettings(smsbridge.BaseSettings):
    api_key: str = smsbridge.secret()


class ToyDriver(smsbridge.Driver):
    """JSON over HTTP: POST /send {"to": [...], "text": ...} -> {"ids": [...]}."""

    name = "toy"
    settings_class = ToySettings
    batch_size = 50
    mixed_batches = False

    def _headers(self) -> dict[str, str]:
        assert isinstance(self.settings, ToySettings)
        return {"X-Api-Key": self.settings.api_key}

    @smsbridge.hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        response = self.perform(
            Request(method="POST", path="/send",
                    json={"to": [m.to for m in messages], "text": messages[0].text},
                    headers=self._headers()),
            operation="send", send=True, idempotent=False)
        if response.status_code == 401:
            raise AuthError("key refused", provider=self.name, code="auth",
                            http_status=401, operation="send")
        if not response.ok:
            raise response.http_error()
        ids = response.json()["ids"]
        return [SentMessage(recipient=m.to, message_id=str(i), provider=self.name)
                for m, i in zip(messages, ids, strict=True)]

    @smsbridge.hookimpl
    def status(self, message_id: str) -> StatusReport:
        response = self.perform(
            Request(method="GET", path="/status", params={"id": message_id},
                    headers=self._headers()),
            operation="status")
        if not response.ok:
            raise response.http_error()
        body = response.json()
        return StatusReport(message_id=message_id, recipient=body["to"],
                            state=DeliveryState(body["state"]))


class ToySimulator(Simulator):
    def __init__(self, api_key: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.accepted: dict[str, dict[str, str]] = {}

    def handle(self, request: Any) -> Any:
        from werkzeug.wrappers import Response

        def answer(body: object, status: int = 200) -> Any:
            return Response(json.dumps(body), status=status, content_type="application/json")

        if request.headers.get("X-Api-Key") != self.api_key:
            return answer({"error": "auth"}, 401)
        if request.path == "/send":
            payload = json.loads(request.get_data())
            ids = []
            with self.lock:
                for number in payload["to"]:
                    message_id = str(len(self.accepted) + 1)
                    self.accepted[message_id] = {"to": number, "text": payload["text"]}
                    ids.append(message_id)
            return answer({"ids": ids})
        if request.path == "/status":
            found = self.accepted.get(request.args["id"])
            if found is None:
                return answer({"error": "not found"}, 404)
            return answer({"to": found["to"], "state": "delivered"})
        return answer({"error": "no such path"}, 404)


def toy(base_url: str, api_key: str) -> smsbridge.Client:
    return smsbridge.Client(ToyDriver(ToySettings(base_url=base_url, api_key=api_key),
                                      retry=NO_WAIT))


@pytest.fixture
def sims() -> Iterator[tuple[ToySimulator, ToySimulator, smsbridge.Client]]:
    first, second = ToySimulator("k3y-first"), ToySimulator("k3y-second")
    with first.serve() as url1, second.serve() as url2:
        client = smsbridge.connect("failover", providers=[toy(url1, "k3y-first"),
                                                          toy(url2, "k3y-second")])
        with client:
            yield first, second, client


def test_answer_lost_after_accepting_raises_delivery_unknown_and_is_not_resent(
        sims: tuple[ToySimulator, ToySimulator, smsbridge.Client]) -> None:
    first, second, client = sims
    first.inject("drop_after_accept", path="/send")
    with pytest.raises(DeliveryUnknown):
        client.send(NUMBER, "code 1234")
    assert [m["text"] for m in first.accepted.values()] == ["code 1234"]
    assert second.requests == []
    assert second.accepted == {}


def test_429_from_the_first_provider_sends_through_the_second(
        sims: tuple[ToySimulator, ToySimulator, smsbridge.Client]) -> None:
    first, second, client = sims
    first.inject("status", status=429, path="/send", body=b"slow down", times=5)
    result = client.send([NUMBER, "996550123457"], "code 1234")
    assert first.accepted == {}
    assert [m["to"] for m in second.accepted.values()] == [NUMBER, "996550123457"]
    assert result.ids == ["1:1", "1:2"]
    assert {s.provider for s in result} == {"toy"}
    # status() goes back to the second simulator over HTTP.
    assert client.status("1:2").recipient == "996550123457"
    assert [r.path for r in second.requests] == ["/send", "/status"]
    assert {r.path for r in first.requests} == {"/send"}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_may_mean_accepted_so_nothing_is_resent(
        sims: tuple[ToySimulator, ToySimulator, smsbridge.Client], status: int) -> None:
    first, second, client = sims
    first.inject("status", status=status, path="/send", body=b"maintenance")
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBER, "code 1234")
    assert caught.value.http_status == status
    assert second.requests == []


def test_refused_connection_moves_on(
        sims: tuple[ToySimulator, ToySimulator, smsbridge.Client]) -> None:
    _, second, _ = sims
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with second.serve() as url:
        client = smsbridge.connect("failover", providers=[
            toy(f"http://127.0.0.1:{closed_port}", "k3y-first"), toy(url, "k3y-second")])
        with client:
            assert client.send(NUMBER, "hello").ids == ["1:1"]


def test_all_providers_failing_is_one_error_without_secrets(
        sims: tuple[ToySimulator, ToySimulator, smsbridge.Client]) -> None:
    first, second, client = sims
    first.api_key = "rotated"
    second.inject("status", status=429, path="/send", body=b'{"api_key": "k3y-second"}',
                  content_type="application/json", times=5)
    with pytest.raises(AllProvidersFailed) as caught:
        client.send(NUMBER, "hello")
    assert [type(e) for _, e in caught.value.failures] == [AuthError, smsbridge.RateLimited]
    text = f"{caught.value} {caught.value!r}"
    assert "0:toy: AuthError" in text and "1:toy: RateLimited" in text
    assert "k3y-first" not in text and "k3y-second" not in text
    assert first.accepted == {} and second.accepted == {}

