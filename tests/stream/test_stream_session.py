"""Sessions: lazy login, reuse, renewal, expiry handling, and secrets kept out of sight."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
import responses

from smsbridge.errors import AuthError, InvalidResponse, SmsBridgeError


def test_login_is_lazy_posted_once_and_reused(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    assert len(logged_in.calls) == 0
    client.balance()
    client.balance()
    assert sms_wire.paths == ["POST /rest/Session/session.php", "GET /rest/Balance/",
                              "GET /rest/Balance/"]
    login = sms_wire[0]
    assert login.method == "POST"
    assert login.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert login.form == {"login": "acme", "password": api.password}
    # The password travels only in the login body, never in a URL.
    assert api.password not in login.url
    for request in sms_wire[1:]:
        assert request.params == {"sessionId": api.session_id}


def test_session_renewed_before_its_120_minutes_end(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    now = [1000.0]
    client.driver.session.cache.clock = lambda: now[0]
    client.balance()
    now[0] += 110 * 60
    client.balance()
    now[0] += 6 * 60  # 116 minutes: inside the 5-minute safety margin
    client.balance()
    assert len(sms_wire.to("/rest/Session/session.php")) == 2


@pytest.mark.parametrize(("payload", "status"), [
    ("error-session-expired.json", 401),  # code 4, HTTP 401 (wire sample)
    ("error-invalid-session.json", 400),  # code 3
    ("error-session-expired.json", 200),  # the body code wins whatever the status
])
def test_expired_session_logs_in_again_once(client, logged_in, api, payload, status, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload(payload), status=status)
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    assert client.balance().amount == Decimal("20015.3")
    assert sms_wire.paths == ["POST /rest/Session/session.php", "GET /rest/Balance/",
                              "POST /rest/Session/session.php", "GET /rest/Balance/"]


def test_http_401_without_code_counts_as_expired(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body="", status=401)
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    client.balance()
    assert len(sms_wire.to("/rest/Session/session.php")) == 2


def test_still_expired_after_relogin_raises_without_looping(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"),
                  body=api.payload("error-session-expired.json"),
                  status=401)
    with pytest.raises(AuthError) as caught:
        client.balance()
    assert caught.value.code == "4"
    assert sms_wire.paths == ["POST /rest/Session/session.php", "GET /rest/Balance/",
                              "POST /rest/Session/session.php", "GET /rest/Balance/"]


@pytest.mark.parametrize(("body", "status"), [
    (b'{"Code":4,"Desc":"Invalid user login or password"}', 401),
    (b'{"Code":4,"Desc":"Invalid user login or password"}', 200),
    (b'{"Code":1,"Desc":"Login can not be null or empty"}', 400),
    (b"", 401),
])
def test_bad_credentials_raise_auth_error_at_once(client, mock, api, body, status, sms_wire):
    mock.add(responses.POST, api.url("Session/session.php"), body=body, status=status)
    with pytest.raises(AuthError):
        client.balance()
    assert sms_wire.paths == ["POST /rest/Session/session.php"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'""', b"<html>oops</html>", b"{}"])
def test_unreadable_login_answer_is_invalid_response(client, mock, api, body):
    mock.add(responses.POST, api.url("Session/session.php"), body=body)
    with pytest.raises(InvalidResponse):
        client.balance()


def test_unquoted_session_id_is_tolerated(client, mock, api, sms_wire):
    mock.add(responses.POST, api.url("Session/session.php"), body=api.session_id)
    mock.add(responses.GET, api.url("Balance/"), body=b"1")
    client.balance()
    assert sms_wire[1].params["sessionId"] == api.session_id


def test_login_server_error_is_retried(client, mock, api, sms_sleeps):
    mock.add(responses.POST, api.url("Session/session.php"), status=503)
    mock.add(responses.POST, api.url("Session/session.php"), body=api.payload("session.json"))
    mock.add(responses.GET, api.url("Balance/"), body=b"1")
    client.balance()
    assert len(sms_sleeps) == 1


def test_one_login_shared_between_threads(client, logged_in, api, sms_wire):
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.balance()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(sms_wire.to("/rest/Session/session.php")) == 1


def test_password_and_session_id_never_logged_or_in_errors(client, logged_in, api, caplog):
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    texts: list[str] = []
    logged_in.add(responses.GET, api.url("Balance/"), body=api.payload("balance.json"))
    logged_in.add(responses.GET, api.url("State/"),
                  body=f'{{"Code":2,"Desc":"bad {api.session_id}"}}'.encode(), status=400)
    logged_in.add(responses.GET, api.url("Incoming/"),
                  body=f"<oops sessionId={api.session_id}>".encode())
    logged_in.add(responses.GET, api.url("Statistic/"),
                  body=requests.exceptions.ConnectionError(f"boom {api.session_id}"))
    logged_in.add(responses.POST, api.url("Send/SendSms/"),
                  body=requests.exceptions.ReadTimeout(f"slow {api.session_id}"))
    client.balance()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for call in (lambda: client.status("371329059"),
                 lambda: client.inbox(start, start + timedelta(days=1)),
                 lambda: client.report(start, start + timedelta(days=1)),
                 lambda: client.send("79001234567", "hi")):
        with pytest.raises(SmsBridgeError) as caught:
            call()
        exc = caught.value
        texts.append(f"{exc} {exc!r} {getattr(exc, 'body', '')}")
    texts.append(caplog.text)
    texts.append(repr(client) + repr(client.driver) + repr(client.driver.session))
    assert "GET" in caplog.text  # the transport did log at DEBUG
    for text in texts:
        assert api.password not in text
        assert api.session_id not in text
