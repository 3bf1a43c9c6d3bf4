"""Sessions: lazy login, reuse, renewal, re-login once on expiry, secrets kept out."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests

import smsbridge
from smsbridge.errors import AuthError, ProviderError, SmsBridgeError
from smsbridge.testing.fixtures import Wire


def test_login_is_lazy_and_its_request_is_as_documented(client: smsbridge.Client,
                                                        api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload="balance.json")
    assert not api.mock.calls  # connecting makes no request
    assert client.balance().amount == Decimal("1250.75")
    login = sms_wire.to("/rest/user/sessionid")
    assert len(login) == 1
    assert login[0].method == "GET"
    assert login[0].query_pairs == [("login", api.login), ("password", api.password)]
    # The password is URL-encoded on the wire, as the document's example shows.
    assert "password=a%2Bb%3D%3D13%25%21pw" in login[0].url
    balance = sms_wire.to("/rest/User/Balance")[0]
    assert balance.query_pairs == [("SessionID", api.session)]


def test_session_is_reused(client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload="balance.json")
    client.balance()
    client.balance()
    assert len(sms_wire.to("/rest/user/sessionid")) == 1
    assert len(sms_wire.to("/rest/User/Balance")) == 2


@pytest.mark.parametrize("expired", [
    {"payload": "error-session-expired.txt", "status": 401},
    {"payload": "error-session-expired.txt", "status": 200},
    {"payload": "error-invalid-session-string-code.json", "status": 400},
    {"body": b"", "status": 401},
])
def test_expired_session_logs_in_again_once_and_repeats(client: smsbridge.Client, api: Any,
                                                        expired: dict[str, Any],
                                                        sms_wire: Wire) -> None:
    api.add_login(body=b'"FIRSTSESSIONIDFIRSTSESSIONIDFIRST00"')
    api.add_login()
    api.add("GET", "User/Balance", **expired)
    api.add("GET", "User/Balance", payload="balance.json")
    assert client.balance().amount == Decimal("1250.75")
    assert len(sms_wire.to("/rest/user/sessionid")) == 2
    first, second = sms_wire.to("/rest/User/Balance")
    assert first.query_pairs == [("SessionID", "FIRSTSESSIONIDFIRSTSESSIONIDFIRST00")]
    assert second.query_pairs == [("SessionID", api.session)]


def test_session_refused_twice_raises_auth_error_without_looping(client: smsbridge.Client,
                                                                 api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload="error-session-expired.txt", status=401)
    with pytest.raises(AuthError) as caught:
        client.balance()
    assert caught.value.code == "4"
    assert len(sms_wire.to("/rest/user/sessionid")) == 2
    assert len(sms_wire.to("/rest/User/Balance")) == 2


@pytest.mark.parametrize("payload, status", [
    ("error-invalid-login.txt", 401),
    ("error-invalid-login.txt", 200),
    ("error-login-code9.json", 200),
])
def test_wrong_credentials_fail_at_once(client: smsbridge.Client, api: Any, payload: str,
                                        status: int, sms_wire: Wire) -> None:
    api.add_login(body=api.payload(payload), status=status)
    with pytest.raises(AuthError) as caught:
        client.balance()
    assert len(sms_wire.to("/rest/user/sessionid")) == 1
    assert not sms_wire.to("/rest/User/Balance")
    assert api.password not in str(caught.value)


def test_login_answer_that_is_not_a_string_is_invalid(client: smsbridge.Client,
                                                      api: Any) -> None:
    api.add_login(body=b'{"SessionID": "abc"}')
    with pytest.raises(smsbridge.InvalidResponse):
        client.balance()


def test_session_is_renewed_before_its_120_minutes_end(client: smsbridge.Client,
                                                       api: Any, sms_wire: Wire) -> None:
    now = [1000.0]
    driver: Any = client.driver
    driver.session.cache.clock = lambda: now[0]
    api.add_login()
    api.add("GET", "User/Balance", payload="balance.json")
    client.balance()
    now[0] += 110 * 60  # still inside the lifetime minus the renewal margin
    client.balance()
    assert len(sms_wire.to("/rest/user/sessionid")) == 1
    now[0] += 6 * 60  # 116 minutes: within the margin before the end
    client.balance()
    assert len(sms_wire.to("/rest/user/sessionid")) == 2


def test_threads_share_one_login(client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload="balance.json")
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
    assert len(sms_wire.to("/rest/user/sessionid")) == 1
    assert len(sms_wire.to("/rest/User/Balance")) == 8


def _secret_forms(*values: str) -> list[str]:
    return [form for v in values for form in {v, quote(v, safe=""), quote_plus(v)}]


def test_password_and_session_stay_out_of_logs_and_errors(
        client: smsbridge.Client, api: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="smsbridge")
    errors: list[SmsBridgeError] = []
    # A login that works, then failures of every kind that quote the request.
    api.add_login()
    api.add("GET", "User/Balance",
             body=f'{{"Code": 9, "Desc": "boom for SessionID={api.session}"}}', status=500)
    api.add("GET", "Sms/State", body=b"<html>oops</html>", status=200)
    api.add("GET", "Sms/In", body=requests.exceptions.ConnectionError(
        f"refused https://devino.test/rest/Sms/In?sessionId={api.session}"))
    api.add("POST", "Sms/Send", body=requests.exceptions.ReadTimeout(
        f"timed out; password={quote_plus(api.password)}"))
    for call in (client.balance, lambda: client.status("1"),
                 lambda: client.inbox(*_recent()),
                 lambda: client.send("79161002030", "hi")):
        with pytest.raises(SmsBridgeError) as caught:
            call()
        errors.append(caught.value)
    # A login refused with a body that echoes the password.
    other = smsbridge.connect("devino", login=api.login, password=api.password,
                              base_url=api.base, retry=client.driver.retry)
    api.mock.replace("GET", f"{api.base}/user/sessionid",
                      body=f'{{"Code": 4, "Desc": "bad password {api.password}"}}',
                      status=401)
    with pytest.raises(AuthError) as refused:
        other.balance()
    errors.append(refused.value)
    other.close()
    assert caplog.records, "the transport logs requests at DEBUG"
    assert "user/sessionid" in caplog.text
    texts = [caplog.text] + [f"{e!s} {e!r} {getattr(e, 'body', '')} "
                             f"{getattr(e, 'description', '')}" for e in errors]
    for secret in _secret_forms(api.password, api.session):
        for text in texts:
            assert secret not in text


def _recent() -> tuple[Any, Any]:
    from datetime import datetime, timedelta, timezone

    end = datetime.now(timezone.utc)
    return end - timedelta(days=1), end


def test_provider_error_keeps_its_fields(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "User/Balance", payload="error-not-enough-credits.json", status=403)
    with pytest.raises(ProviderError) as caught:
        client.balance()
    error = caught.value
    assert (error.provider, error.code, error.http_status, error.operation) == (
        "devino", "5", 403, "balance")


def test_url_form_fills_login_and_password() -> None:
    with smsbridge.connect("devino://acme:a%2Bb%3D%3D13%25%21@/?sender=ACME&bulk_size=50") as sms:
        settings: Any = sms.driver.settings
        assert (settings.login, settings.password, settings.sender) == (
            "acme", "a+b==13%!", "ACME")
        assert settings.base_url == "https://integrationapi.net/rest"
        assert sms.driver.batch_size == 50
        assert "a+b==13%!" not in repr(sms)
