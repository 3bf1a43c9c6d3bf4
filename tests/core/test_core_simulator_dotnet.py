"""The ASP.NET family's simulator kit (smsbridge.testing.dotnet), over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from smsbridge.testing.answers import text_answer
from smsbridge.testing.dotnet import (
    DotNetSimulator,
    Params,
    dotnet_date,
    null_entry,
    null_or_empty,
    read_params,
    utc_timestamp,
)
from smsbridge.testing.routes import route

START = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc).timestamp()


class Family(DotNetSimulator):
    """``/login`` (a session id), ``/echo`` (the bound parameters), ``/when`` (dates),
    ``/text`` (an answer of its own); under ``/api/v1``, any letter case."""

    session_lifetime = 60.0
    session_ids = (8, "ab")
    root = api_root = "/api/v1"
    demo_sender = "ACME"

    def __init__(self) -> None:
        self.now = START
        super().__init__(accounts={"acme": "pässword", "other": "x"}, clock=lambda: self.now,
                         balance="5")

    @route("/login", methods=("GET", "POST"))
    def _login(self, params: Params) -> str:
        account = self.log_in(self.required(params, "Login"), self.required(params, "Password"))
        return self.sessions.open(account.login)

    @route("/echo", methods=("POST",))
    def _echo(self, params: Params) -> dict[str, Any]:
        account = self.session_account(self.required(params, "SessionID"))
        return {"login": account.login, "params": params}

    @route("/when")
    def _when(self, params: Params) -> Any:
        return {"never": None, "now": dotnet_date(self.clock())}

    @route("/text")
    def _text(self, params: Params) -> Response:
        return text_answer("as is")


@pytest.fixture
def family() -> Family:
    return Family()


@pytest.fixture
def url(family: Family) -> Iterator[str]:
    with family.serve() as base:
        yield base + "/API/V1"  # routes match whatever the letter case


def _login(url: str) -> str:
    sid = requests.post(f"{url}/login", data={"login": "acme", "PASSWORD": "pässword"},
                        timeout=5).json()
    assert isinstance(sid, str)
    return sid


def test_accounts_settings_and_session_ids_come_from_class_facts(url: str,
                                                                family: Family) -> None:
    assert family.client_settings("http://127.0.0.1:9/") == {
        "login": "acme", "password": "pässword", "base_url": "http://127.0.0.1:9/api/v1",
        "sender": "ACME"}
    assert [(a.login, a.balance) for a in family.accounts] == [("acme", 5), ("other", 5)]
    sid = _login(url)
    assert len(sid) == 8 and set(sid) <= {"a", "b"}


def test_dates_go_on_the_wire_with_escaped_slashes(url: str) -> None:
    answer = requests.get(f"{url}/when", timeout=5)
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer.text == '{"never": null, "now": "\\/Date(1772344800000)\\/"}'
    assert answer.json() == {"never": None, "now": "/Date(1772344800000)/"}


def test_handlers_answer_json_or_their_own_response_and_misses_are_404_or_405(
        url: str) -> None:
    assert requests.get(f"{url}/text", timeout=5).text == "as is"
    assert requests.get(f"{url}/nothing", timeout=5).status_code == 404
    refused = requests.get(f"{url}/echo", timeout=5)
    assert (refused.status_code, refused.headers["Allow"]) == (405, "POST")


def test_refusals_are_code_and_desc_with_the_family_status(url: str, family: Family) -> None:
    missing = requests.get(f"{url}/login?login=acme", timeout=5)
    assert (missing.status_code, missing.json()) == (400, {
        "Code": 1, "Desc": "Password can not be null or empty Parameter name: Password"})
    wrong = requests.get(f"{url}/login?login=acme&password=nope", timeout=5)
    assert (wrong.status_code, wrong.json()) == (401, {
        "Code": 4, "Desc": "Invalid user login or password"})
    unknown = requests.post(f"{url}/echo?sessionid=NOPE", timeout=5)
    assert (unknown.status_code, unknown.json()) == (400, {
        "Code": 3, "Desc": "Invalid session id"})
    sid = _login(url)
    family.now += 60
    expired = requests.post(f"{url}/echo", params={"SessionId": sid}, timeout=5)
    assert (expired.status_code, expired.json()) == (401, {
        "Code": 4, "Desc": "SessionID expired"})
    assert family.logins == 1


def test_parameters_bind_as_asp_net_binds_them(url: str) -> None:
    sid = _login(url)
    answer = requests.post(f"{url}/echo?SessionID={sid}&Name=query", timeout=5, json={
        "name": "json", "Numbers[0]": "1", "numbers[1]": 2, "List": ["a", "b"], "Gone": None})
    assert answer.json() == {"login": "acme", "params": {
        "sessionid": [sid], "name": ["query", "json"], "numbers": ["1", "2"],
        "list": ["a", "b"], "gone": [""]}}
    form = requests.post(f"{url}/echo", data={"sessionid": sid, "To[0]": "7", "To[1]": "8"},
                         timeout=5)
    assert form.json()["params"] == {"sessionid": [sid], "to": ["7", "8"]}


def test_reading_without_a_json_body_or_arrays() -> None:
    request = Request.from_values("/x?A[0]=1&b=2", method="POST", json={"c": 3})
    assert read_params(request, json_body=False, arrays=False) == {"a[0]": ["1"], "b": ["2"]}


def test_null_or_empty_text_and_dates() -> None:
    refusal = null_or_empty("messageId", shown="MessageID", separator="\r\n")
    assert (refusal.code, refusal.description) == (
        1, "MessageID can not be null or empty\r\nParameter name: messageId")
    assert null_entry("day", "'Get(DateTime)' in 'C'") == (
        "The parameters dictionary contains a null entry for parameter 'day' of non-nullable "
        "type 'DateTime' for method 'Get(DateTime)' in 'C'. An optional parameter must be a "
        "reference type, a nullable type, or be declared as an optional parameter. "
        "Parameter name: parameters")
    assert dotnet_date(None) is None
    assert dotnet_date(1.5) == "/Date(1500)/"
    assert utc_timestamp("2026-03-01T06:00:00") == START
    assert utc_timestamp("2026-03-01T06:00", ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")) == START
    assert utc_timestamp("2026-03-01") is None


class PhpFront(Family):
    """The same provider behind a PHP front: query and form only, the last value wins."""

    aspnet_binding = False
    null_separator = "\r\n"


def test_a_php_front_binds_the_last_value_and_no_json() -> None:
    php, aspnet = PhpFront(), Family()
    request = Request.from_values("/x?Name=first&name=last&To[0]=7", method="POST",
                                  json={"Gone": "json"})
    assert php.params(request) == {"name": ["first", "last"], "to[0]": ["7"]}
    assert (php.value(php.params(request), "NAME"), php.value({}, "name")) == ("last", None)
    assert aspnet.value(aspnet.params(request), "name") == "first"
    assert php.missing("Login").description == (
        "Login can not be null or empty\r\nParameter name: Login")
