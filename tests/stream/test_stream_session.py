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


def test_login_is_lazy_posted_once_and_reused(client, logged_in, wire):
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
    assert len(logged_in.calls) == 0
    client.balance()
    client.balance()
    assert wire.paths(logged_in) == ["/rest/Session/session.php", "/rest/Balance/",
                                     "/rest/Balance/"]
    login = logged_in.calls[0]
    assert login.request.method == "POST"
    assert login.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert wire.form(login) == {"login": "acme", "password": wire.password}
    # The password travels only in the login body, never in a URL.
    assert wire.password not in login.request.url
    for call in logged_in.calls[1:]:
        assert wire.query(call) == {"sessionId": wire.session_id}


def test_session_renewed_before_its_120_minutes_end(client, logged_in, wire):
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
    now = [1000.0]
    client.driver.session.cache.clock = lambda: now[0]
    client.balance()
    now[0] += 110 * 60
    client.balance()
    now[0] += 6 * 60  # 116 minutes: inside the 5-minute safety margin
    client.balance()
    assert wire.paths(logged_in).count("/rest/Session/session.php") == 2


@pytest.mark.parametrize(("payload", "status"), [
    ("error-session-expired.json", 401),  # code 4, HTTP 401 (wire sample)
    ("error-invalid-session.json", 400),  # code 3
    ("error-session-expired.json", 200),  # the body code wins whatever the status
])
def test_expired_session_logs_in_again_once(client, logged_in, wire, payload, status):
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload(payload), status=status)
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
    assert client.balance().amount == Decimal("20015.3")
    assert wire.paths(logged_in) == ["/rest/Session/session.php", "/rest/Balance/",
                                     "/rest/Session/session.php", "/rest/Balance/"]


def test_http_401_without_code_counts_as_expired(client, logged_in, wire):
    logged_in.add(responses.GET, wire.url("Balance/"), body="", status=401)
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
    client.balance()
    assert wire.paths(logged_in).count("/rest/Session/session.php") == 2


def test_still_expired_after_relogin_raises_without_looping(client, logged_in, wire):
    logged_in.add(responses.GET, wire.url("Balance/"),
                  body=wire.payload("error-session-expired.json"),
                  status=401)
    with pytest.raises(AuthError) as caught:
        client.balance()
    assert caught.value.code == "4"
    assert wire.paths(logged_in) == ["/rest/Session/session.php", "/rest/Balance/",
                                     "/rest/Session/session.php", "/rest/Balance/"]


@pytest.mark.parametrize(("body", "status"), [
    (b'{"Code":4,"Desc":"Invalid user login or password"}', 401),
    (b'{"Code":4,"Desc":"Invalid user login or password"}', 200),
    (b'{"Code":1,"Desc":"Login can not be null or empty"}', 400),
    (b"", 401),
])
def test_bad_credentials_raise_auth_error_at_once(client, mock, wire, body, status):
    mock.add(responses.POST, wire.url("Session/session.php"), body=body, status=status)
    with pytest.raises(AuthError):
        client.balance()
    assert wire.paths(mock) == ["/rest/Session/session.php"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'""', b"<html>oops</html>", b"{}"])
def test_unreadable_login_answer_is_invalid_response(client, mock, wire, body):
    mock.add(responses.POST, wire.url("Session/session.php"), body=body)
    with pytest.raises(InvalidResponse):
        client.balance()


def test_unquoted_session_id_is_tolerated(client, mock, wire):
    mock.add(responses.POST, wire.url("Session/session.php"), body=wire.session_id)
    mock.add(responses.GET, wire.url("Balance/"), body=b"1")
    client.balance()
    assert wire.query(mock.calls[1])["sessionId"] == wire.session_id


def test_login_server_error_is_retried(client, mock, wire, sleeps):
    mock.add(responses.POST, wire.url("Session/session.php"), status=503)
    mock.add(responses.POST, wire.url("Session/session.php"), body=wire.payload("session.json"))
    mock.add(responses.GET, wire.url("Balance/"), body=b"1")
    client.balance()
    assert len(sleeps) == 1


def test_one_login_shared_between_threads(client, logged_in, wire):
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
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
    assert wire.paths(logged_in).count("/rest/Session/session.php") == 1


def test_password_and_session_id_never_logged_or_in_errors(client, logged_in, wire, caplog):
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    texts: list[str] = []
    logged_in.add(responses.GET, wire.url("Balance/"), body=wire.payload("balance.json"))
    logged_in.add(responses.GET, wire.url("State/"),
                  body=f'{{"Code":2,"Desc":"bad {wire.session_id}"}}'.encode(), status=400)
    logged_in.add(responses.GET, wire.url("Incoming/"),
                  body=f"<oops sessionId={wire.session_id}>".encode())
    logged_in.add(responses.GET, wire.url("Statistic/"),
                  body=requests.exceptions.ConnectionError(f"boom {wire.session_id}"))
    logged_in.add(responses.POST, wire.url("Send/SendSms/"),
                  body=requests.exceptions.ReadTimeout(f"slow {wire.session_id}"))
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
        assert wire.password not in text
        assert wire.session_id not in text
