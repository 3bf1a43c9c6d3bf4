"""CallbackApp: the framework-free WSGI endpoint for providers' pushes."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from werkzeug.test import Client as WsgiClient

import smsbridge
from smsbridge.models import DeliveryState, StatusReport
from smsbridge.webhook import CallbackApp

USER, PASSWORD = "dlr", "hook-s3cret"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def sms() -> smsbridge.Client:
    return smsbridge.connect("memory", progression="queued,sent,delivered")


@pytest.fixture
def received() -> list[Any]:
    return []


@pytest.fixture
def app(sms: smsbridge.Client, received: list[Any]) -> CallbackApp:
    return CallbackApp(sms, on_report=received.append, username=USER, password=PASSWORD,
                       max_body=2048)


def push_body(sms: smsbridge.Client) -> tuple[str, bytes]:
    message_id = sms.send("+996 550 123 456", "hello").ids[0]
    return message_id, sms.driver.callback_body(sms.driver.advance())


def test_a_push_reaches_on_report_and_gets_200(app: CallbackApp, sms: smsbridge.Client,
                                                received: list[Any]) -> None:
    message_id, body = push_body(sms)
    answer = WsgiClient(app).post("/", data=body, headers=basic(USER, PASSWORD),
                                  content_type="application/json")
    assert answer.status_code == 200
    assert [(r.message_id, r.recipient, r.state) for r in received] == [
        (message_id, "996550123456", DeliveryState.SENT)]


@pytest.mark.parametrize("headers", [
    {},
    basic(USER, "wrong"),
    basic("other", PASSWORD),
    basic(USER, PASSWORD + "x"),
    {"Authorization": "Bearer hook-s3cret"},
    {"Authorization": "Basic not-base64!"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
])
def test_wrong_or_missing_auth_is_401_and_nothing_is_handled(
        app: CallbackApp, sms: smsbridge.Client, received: list[Any],
        headers: dict[str, str]) -> None:
    _, body = push_body(sms)
    answer = WsgiClient(app).post("/", data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic ")
    assert received == []


def test_a_body_over_the_cap_is_413_unread(app: CallbackApp, received: list[Any]) -> None:
    answer = WsgiClient(app).post("/", data=b"x" * 2049, headers=basic(USER, PASSWORD))
    assert answer.status_code == 413
    assert received == []


def test_a_body_without_length_over_the_cap_is_413(app: CallbackApp) -> None:
    chunks = iter([b"x" * 1000] * 3)
    environ = {"REQUEST_METHOD": "POST", **{
        "HTTP_AUTHORIZATION": basic(USER, PASSWORD)["Authorization"]}}
    read_sizes: list[int] = []

    class Stream:
        def read(self, size: int) -> bytes:
            read_sizes.append(size)
            return next(chunks, b"")

    statuses: list[str] = []
    environ["wsgi.input"] = Stream()  # type: ignore[assignment]
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["413 Payload Too Large"]
    assert b"2048" in body
    assert sum(read_sizes) <= 2049 + 65536


def test_a_body_at_the_cap_is_read(sms: smsbridge.Client, received: list[Any]) -> None:
    _, body = push_body(sms)
    app = CallbackApp(sms, on_report=received.append, max_body=len(body))
    assert WsgiClient(app).post("/", data=body).status_code == 200
    assert len(received) == 1


@pytest.mark.parametrize("body", [b"", b"<html>oops</html>", b'{"reports": 5}',
                                  b'{"reports": [{"message_id": "1", "state": "lost"}]}'])
def test_a_body_that_is_not_a_report_is_400(app: CallbackApp, received: list[Any],
                                            body: bytes) -> None:
    answer = WsgiClient(app).post("/", data=body, headers=basic(USER, PASSWORD))
    assert answer.status_code == 400
    assert received == []


def test_a_raising_receiver_gets_500_and_the_retry_is_handled(
        sms: smsbridge.Client, caplog: pytest.LogCaptureFixture) -> None:
    handled: list[StatusReport] = []
    failures = [RuntimeError("database is down")]

    def on_report(report: StatusReport) -> None:
        if failures:
            raise failures.pop()
        handled.append(report)

    app = CallbackApp(sms, on_report=on_report, username=USER, password=PASSWORD)
    _, body = push_body(sms)
    client = WsgiClient(app)
    with caplog.at_level(logging.ERROR, logger="smsbridge"):
        assert client.post("/", data=body, headers=basic(USER, PASSWORD)).status_code == 500
    assert "database is down" in caplog.text
    assert PASSWORD not in caplog.text
    assert client.post("/", data=body, headers=basic(USER, PASSWORD)).status_code == 200
    assert len(handled) == 1


def test_a_retried_push_is_not_handled_twice(sms: smsbridge.Client) -> None:
    first = sms.send("996550123456", "one").ids[0]
    second = sms.send("996550123457", "two").ids[0]
    handled: list[str] = []

    def on_report(report: StatusReport) -> None:
        if report.message_id == second and second not in handled and len(handled) == 1:
            handled.append("failed")
            raise RuntimeError("second fails once")
        handled.append(report.message_id)

    app = CallbackApp(sms, on_report=on_report)
    body = sms.driver.callback_body(sms.driver.advance())
    client = WsgiClient(app)
    assert client.post("/", data=body).status_code == 500
    assert client.post("/", data=body).status_code == 200
    # The provider pushed both reports twice; the first was handled once only.
    assert handled == [first, "failed", second]


def test_report_ids_tell_repeats_from_news(sms: smsbridge.Client) -> None:
    sms.send("996550123456", "hello")
    sent_body = sms.driver.callback_body(sms.driver.advance())
    again = sms.parse_callback(sent_body)[0]
    assert sms.parse_callback(sent_body)[0].report_id == again.report_id
    delivered = sms.parse_callback(sms.driver.callback_body(sms.driver.advance()))[0]
    assert delivered.state is DeliveryState.DELIVERED
    assert delivered.report_id != again.report_id


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_probes_are_answered(app: CallbackApp, method: str, received: list[Any]) -> None:
    answer = WsgiClient(app).open("/", method=method)
    assert answer.status_code == 200
    assert (answer.data == b"") == (method == "HEAD")
    assert received == []


def test_other_methods_are_405(app: CallbackApp) -> None:
    answer = WsgiClient(app).put("/", data=b"{}", headers=basic(USER, PASSWORD))
    assert answer.status_code == 405
    assert "POST" in answer.headers["Allow"]


def test_half_configured_auth_is_refused(sms: smsbridge.Client) -> None:
    with pytest.raises(ValueError, match="both"):
        CallbackApp(sms, on_report=print, username="dlr")
    with pytest.raises(ValueError, match="empty"):
        CallbackApp(sms, on_report=print, username="", password="")


def test_password_stays_out_of_the_repr(app: CallbackApp) -> None:
    assert PASSWORD not in repr(app)


def test_memory_push_round_trip_keeps_times(sms: smsbridge.Client) -> None:
    message_id = sms.send("996550123456", "hello").ids[0]
    sms.driver.advance()
    sms.driver.advance()
    body = sms.driver.callback_body(sms.driver.reports())
    item = json.loads(body)["reports"][0]
    assert item["message_id"] == message_id
    assert item["state"] == "delivered"
    report = sms.parse_callback(body)[0]
    assert report.delivered_at is not None
    assert report.delivered_at.isoformat() == item["delivered_at"]


def test_a_refused_body_is_not_logged_above_debug(app: CallbackApp,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="smsbridge"):
        answer = WsgiClient(app).post("/", data=b'{"996550123456": 1}',
                                      headers=basic(USER, PASSWORD))
    assert answer.status_code == 400
    assert "not a memory report" in caplog.text
    assert "996550123456" not in caplog.text


def test_a_parser_crash_is_500(sms: smsbridge.Client, monkeypatch: pytest.MonkeyPatch,
                               received: list[Any]) -> None:
    def crash(body: bytes, content_type: str | None) -> list[Any]:
        raise KeyError("report")

    monkeypatch.setattr(sms, "parse_callback", crash)
    app = CallbackApp(sms, on_report=received.append)
    assert WsgiClient(app).post("/", data=b"{}").status_code == 500
    assert received == []
