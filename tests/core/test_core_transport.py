"""Retry decisions: reads are repeated, sends only when that cannot double a message."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import pytest
import requests
import responses

from smsbridge.answers import Answer
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    InvalidResponse,
    NotFound,
    ProviderError,
    RateLimited,
    TransportError,
)
from smsbridge.redaction import Redactor
from smsbridge.transport import HttpResponse, RetryPolicy, Transport

URL = "https://provider.test/api/op"


def transport(retry: RetryPolicy, **kwargs: object) -> Transport:
    return Transport(provider="prov", base_url="https://provider.test/api", retry=retry,
                     redactor=Redactor(["s3cret-pw"]), **kwargs)  # type: ignore[arg-type]


def answer(response: HttpResponse, operation: str, *, send: bool = False) -> Answer:
    """The answer a driver reads from what the transport brought back."""
    return Answer.of(response, provider="prov", operation=operation, is_send=send,
                     redactor=Redactor(["s3cret-pw"]))


def connect_refused() -> requests.ConnectionError:
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, URL, reason))  # type: ignore[arg-type]


def test_reads_are_retried_on_5xx_with_backoff(mocked: responses.RequestsMock, retry: RetryPolicy,
                                               sms_sleeps: list[float]) -> None:
    mocked.add(responses.GET, URL, status=503)
    mocked.add(responses.GET, URL, status=502)
    mocked.add(responses.GET, URL, json={"ok": 1})
    response = transport(retry).request("GET", "op", operation="balance")
    assert json.loads(response.content) == {"ok": 1}
    assert response.attempts == 3
    assert sms_sleeps == [0.5, 1.0]


def test_retry_after_is_honoured(mocked: responses.RequestsMock, retry: RetryPolicy,
                                 sms_sleeps: list[float]) -> None:
    mocked.add(responses.GET, URL, status=429, headers={"Retry-After": "7"})
    mocked.add(responses.GET, URL, body="fine")
    assert transport(retry).request("GET", "op", operation="status").content == b"fine"
    assert sms_sleeps == [7.0]


def test_reads_give_up_after_the_bound(mocked: responses.RequestsMock, retry: RetryPolicy) -> None:
    for _ in range(3):
        mocked.add(responses.GET, URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(TransportError) as caught:
        transport(retry).request("GET", "op", operation="status")
    assert not isinstance(caught.value, DeliveryUnknown)
    assert len(mocked.calls) == 3


def test_a_send_is_never_repeated_after_a_read_timeout(mocked: responses.RequestsMock,
                                                       retry: RetryPolicy) -> None:
    mocked.add(responses.POST, URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(DeliveryUnknown, match="not repeated"):
        transport(retry).request("POST", "op", operation="send", send=True, idempotent=False)
    assert len(mocked.calls) == 1


def test_a_send_is_never_repeated_after_a_dropped_connection(
        mocked: responses.RequestsMock, retry: RetryPolicy) -> None:
    mocked.add(responses.POST, URL,
               body=requests.ConnectionError("Connection aborted: RemoteDisconnected"))
    with pytest.raises(DeliveryUnknown):
        transport(retry).request("POST", "op", operation="send", send=True, idempotent=False)
    assert len(mocked.calls) == 1


def test_a_send_is_retried_when_the_connection_was_never_made(
        mocked: responses.RequestsMock, retry: RetryPolicy) -> None:
    mocked.add(responses.POST, URL, body=connect_refused())
    mocked.add(responses.POST, URL, body=requests.ConnectTimeout("no route"))
    mocked.add(responses.POST, URL, json={"id": 1})
    response = transport(retry).request("POST", "op", operation="send", send=True,
                                        idempotent=False)
    assert json.loads(response.content) == {"id": 1}
    assert len(mocked.calls) == 3


def test_a_send_that_never_connected_is_a_plain_transport_error(
        mocked: responses.RequestsMock) -> None:
    mocked.add(responses.POST, URL, body=connect_refused())
    with pytest.raises(TransportError) as caught:
        transport(RetryPolicy(retries=0)).request("POST", "op", operation="send", send=True,
                                                  idempotent=False)
    assert not isinstance(caught.value, DeliveryUnknown)


def test_a_non_idempotent_send_is_not_retried_on_5xx(mocked: responses.RequestsMock,
                                                     retry: RetryPolicy) -> None:
    mocked.add(responses.POST, URL, status=503)
    response = transport(retry).request("POST", "op", operation="send", send=True,
                                        idempotent=False)
    assert response.status_code == 503
    assert len(mocked.calls) == 1


def test_a_deduplicated_send_is_retried_with_the_same_body(mocked: responses.RequestsMock,
                                                           retry: RetryPolicy) -> None:
    mocked.add(responses.POST, URL, body=requests.ReadTimeout("slow"))
    mocked.add(responses.POST, URL, body="<ok/>")
    response = transport(retry).request("POST", "op", operation="send", data=b"<id>A1</id>",
                                        send=True, idempotent=True)
    assert response.attempts == 2
    assert [c.request.body for c in mocked.calls] == [b"<id>A1</id>", b"<id>A1</id>"]


def test_a_deduplicated_send_that_keeps_failing_is_delivery_unknown(
        mocked: responses.RequestsMock, retry: RetryPolicy) -> None:
    for _ in range(3):
        mocked.add(responses.POST, URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(DeliveryUnknown):
        transport(retry).request("POST", "op", operation="send", send=True, idempotent=True)


def test_timeouts_are_explicit(mocked: responses.RequestsMock) -> None:
    seen: list[object] = []

    class Spy(requests.Session):
        def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
            seen.append(kwargs["timeout"])
            return super().request(*args, **kwargs)  # type: ignore[arg-type]

    mocked.add(responses.GET, URL, body="x")
    Transport(provider="p", base_url="https://provider.test/api", timeout=12,
              connect_timeout=3, session=Spy()).request("GET", "op", operation="balance")
    assert seen == [(3, 12)]


def test_answers_over_the_size_cap_are_refused(mocked: responses.RequestsMock,
                                               retry: RetryPolicy) -> None:
    mocked.add(responses.GET, URL, body=b"x" * 2048)
    with pytest.raises(InvalidResponse, match="exceeds 1024 bytes"):
        transport(retry, max_response_bytes=1024).request("GET", "op", operation="status")


@pytest.mark.parametrize(("status", "error"), [
    (401, AuthError), (403, AuthError), (404, NotFound), (429, RateLimited), (500, ProviderError),
    (400, ProviderError),
])
def test_http_errors_without_a_provider_code(mocked: responses.RequestsMock, status: int,
                                             error: type[Exception]) -> None:
    mocked.add(responses.GET, URL, status=status, body="<html>oops</html>")
    response = transport(RetryPolicy(retries=0)).request("GET", "op", operation="status")
    failure = answer(response, "status").http_error()
    assert type(failure) is error
    assert failure.http_status == status  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_on_a_send_is_delivery_unknown(mocked: responses.RequestsMock,
                                                       status: int) -> None:
    mocked.add(responses.POST, URL, status=status)
    response = transport(RetryPolicy(retries=0)).request("POST", "op", operation="send",
                                                         send=True, idempotent=False)
    assert isinstance(answer(response, "send", send=True).http_error(), DeliveryUnknown)


def test_unreadable_json_keeps_the_body_and_prefers_the_http_status(
        mocked: responses.RequestsMock) -> None:
    mocked.add(responses.GET, URL, body="not json")
    mocked.add(responses.GET, URL, status=401, body="not json either")
    t = transport(RetryPolicy(retries=0))
    with pytest.raises(InvalidResponse) as caught:
        answer(t.request("GET", "op", operation="balance"), "balance").json()
    assert caught.value.body == "not json"
    with pytest.raises(AuthError):
        answer(t.request("GET", "op", operation="balance"), "balance").json()


def test_secrets_never_reach_logs_or_errors(mocked: responses.RequestsMock,
                                            caplog: pytest.LogCaptureFixture,
                                            retry: RetryPolicy) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    mocked.add(responses.GET, URL, status=503)
    mocked.add(responses.GET, URL, body=requests.ReadTimeout("timed out: password=s3cret-pw"))
    mocked.add(responses.GET, URL, body=requests.ReadTimeout("again"))
    t = transport(retry)
    with pytest.raises(TransportError) as caught:
        t.request("GET", "op", operation="balance",
                  params={"login": "acme", "password": "s3cret-pw"})
    assert "s3cret-pw" not in caplog.text
    assert "password=***" in caplog.text
    assert "s3cret-pw" not in str(caught.value) + repr(caught.value)
    assert "s3cret-pw" in mocked.calls[0].request.url  # it did go on the wire


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(backoff=1.0, max_delay=5.0, jitter=lambda: 0.5)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert RetryPolicy(jitter=lambda: 0.0).delay(1) == 0.25


def test_an_error_after_a_lost_answer_does_not_prove_a_refusal(
        mocked: responses.RequestsMock) -> None:
    mocked.add(responses.POST, URL, body=requests.ReadTimeout("answer lost"))
    mocked.add(responses.POST, URL, status=500, body="")
    response = transport(RetryPolicy(retries=1, sleep=lambda _: None)).request(
        "POST", "op", operation="send", send=True, idempotent=True)
    assert response.maybe_accepted
    assert isinstance(answer(response, "send", send=True).http_error(), DeliveryUnknown)


def test_reading_turns_shape_surprises_into_invalid_response(
        mocked: responses.RequestsMock) -> None:
    mocked.add(responses.GET, URL, json={"result": []})
    response = answer(transport(RetryPolicy(retries=0)).request("GET", "op", operation="status"),
                      "status")
    with (pytest.raises(InvalidResponse, match="cannot read the state: IndexError"),
          response.reading("the state")):
        response.json()["result"][0]


def test_the_user_agent_names_the_driver_distribution_version(
        mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    import smsbridge
    from smsbridge import driver as driver_module

    real = driver_module.distribution_version.__wrapped__
    assert real("smsbridge_testdriver") == "0.1.0"
    assert real("no_such_module") is None
    versions = {"smsbridge": "9.9.9", "smsbridge_testdriver": "7.7.7"}
    monkeypatch.setattr(driver_module, "distribution_version",
                        lambda module: versions.get(module.split(".")[0]))
    mocked.add(responses.POST, "https://echo.test/api/send", json={"ids": [1]})
    smsbridge.connect("testecho", login="a", password="b").send("996550123456", "hi")
    agent = mocked.calls[0].request.headers["User-Agent"]
    assert agent.startswith("smsbridge/9.9.9 smsbridge-testecho/7.7.7 python-requests/")


def _trickle(environ: dict[str, object], start_response: Callable[..., object]) -> Iterator[bytes]:
    """An answer that promises 200 bytes and sends one every 50 ms (10 s in all)."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "200")])
    for _ in range(200):
        time.sleep(0.05)
        yield b"x"


@pytest.mark.parametrize("send, error", [(False, TransportError), (True, DeliveryUnknown)])
def test_a_trickling_answer_is_cut_off_at_the_deadline(send: bool,
                                                       error: type[Exception]) -> None:
    """Each byte arrives within the read timeout, but the whole call is bounded."""
    from smsbridge.testing import serve_wsgi

    with serve_wsgi(_trickle) as url:
        client = Transport(provider="prov", base_url=url, timeout=1.0, deadline=0.5,
                           retry=RetryPolicy(retries=0, sleep=lambda _: None))
        started = time.monotonic()
        with pytest.raises(error, match="deadline") as caught:
            client.request("POST", "send", operation="send", send=send, idempotent=not send)
        elapsed = time.monotonic() - started
        client.close()
    assert type(caught.value) is error
    assert elapsed < 2.0, f"the call took {elapsed:.1f} s"


def test_the_deadline_defaults_to_connect_plus_read_timeout() -> None:
    client = Transport(provider="prov", base_url=URL, timeout=7.0, connect_timeout=3.0)
    assert client.deadline == 10.0
    client.close()


def test_a_send_refused_while_preparing_it_is_no_delivery_unknown() -> None:
    """requests refuses a header with a line break before anything is sent."""
    client = Transport(provider="prov", base_url="http://127.0.0.1:9",
                       retry=RetryPolicy(retries=0, sleep=lambda _: None))
    with pytest.raises(TransportError) as caught:
        client.request("POST", "send", operation="send", send=True, idempotent=False,
                       headers={"X-Key": "abc\ndef"})
    client.close()
    assert type(caught.value) is TransportError
    assert caught.value.retry_safe is True
