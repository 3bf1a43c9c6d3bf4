"""Secrets stay secret: settings normalized, provider texts masked, third-party logs
redacted, URLs and chained exceptions clean (issue 13). The session-wide guard in
``tests/conftest.py`` scans everything these tests produce as well.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

import smsbridge
from smsbridge import AuthError, ConfigError, ProviderError, TransportError
from smsbridge.transport import RetryPolicy
from tests.reliability.conftest import DRIVERS, FIGURES, Answer, connect

CASES = {case.name: case for case in DRIVERS}
NO_RETRY = RetryPolicy(retries=0, sleep=lambda _: None)
SECRET_SETTING = {"nikita": "password", "devino": "password", "stream": "password",
                  "ketchup": "api_key", "phoenix": "token"}


def _refused_at_connect(case_name: str, **settings: Any) -> ConfigError:
    """Connect with ``settings`` (plus a login where the driver needs one); the
    ConfigError it must raise."""
    values = {"base_url": "https://example.test", SECRET_SETTING[case_name]: "s3cret-value",
              **settings}
    if case_name in ("nikita", "devino", "stream"):
        values.setdefault("login", "acme")
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect(case_name, **values)
    FIGURES["settings: refused at connect"] += 1
    return caught.value


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _texts(error: BaseException) -> str:
    return "\n".join(f"{e}\n{e!r}\n{e.args!r}" for e in _chain(error))


# -- settings --------------------------------------------------------------------------


def test_a_ketchup_key_read_from_a_file_loses_its_newline(simulator_wire: Any) -> None:
    case = CASES["ketchup"]
    sim = case.simulator()
    simulator_wire(sim)
    settings = sim.client_settings("http://provider.test")
    key = settings["api_key"]
    settings["api_key"] = f" {key}\r\n"
    with smsbridge.connect("ketchup", retry=NO_RETRY, **{**settings, **case.settings}) as c:
        result = c.send("380972000001", "hello")
    assert result.ok
    assert sim.requests[-1].headers["X-Api-Key"] == key
    assert [m.recipient for m in sim.ledger()] == ["380972000001"]


@pytest.mark.parametrize("case_name", list(SECRET_SETTING))
@pytest.mark.parametrize("value", ["ab\ncd-secret-1", "ab\x00cd-secret-2", "tab\tsecret-3",
                                   "broken\ud800secret-4"])
def test_a_secret_with_a_control_character_inside_is_refused_unquoted(
        case_name: str, value: str) -> None:
    text = _texts(_refused_at_connect(case_name, **{SECRET_SETTING[case_name]: value}))
    assert value not in text
    assert repr(value)[1:-1] not in text
    assert value[3:] not in text


@pytest.mark.parametrize("value", ["ключ-123456", "key\u00a0123456"])
def test_a_ketchup_key_that_no_header_can_carry_is_refused_unquoted(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect("ketchup", api_key=value)
    assert value not in _texts(caught.value)


@pytest.mark.parametrize("case_name", list(SECRET_SETTING))
@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e300, "inf", "nan", "-1", 0])
@pytest.mark.parametrize("setting", ["timeout", "connect_timeout", "deadline"])
def test_timeouts_must_be_finite_and_sane(case_name: str, value: Any, setting: str) -> None:
    _refused_at_connect(case_name, **{setting: value})


@pytest.mark.parametrize(("case_name", "setting", "value"), [
    *((name, "retries", 10**9) for name in SECRET_SETTING),
    ("nikita", "busy_retries", 10**9),
    ("nikita", "busy_delay_max", 1e300),
    ("nikita", "busy_delay_min", float("nan")),
    ("ketchup", "report_timeout", 1e300),
    ("ketchup", "report_poll_interval", 1e-300),
])
def test_retries_and_waits_are_bounded(case_name: str, setting: str, value: Any) -> None:
    """An absurd count or wait would keep a caller waiting for ever (or flood the provider)."""
    _refused_at_connect(case_name, **{setting: value})


@pytest.mark.parametrize("case_name", list(SECRET_SETTING))
@pytest.mark.parametrize("base_url", ["123", "ftp://host/", "https://", "https://host:99999/",
                                      "https://ho st/", "https://host/\r\nX: 1", "host/api"])
def test_a_base_url_no_request_can_use_is_refused_at_connect(case_name: str,
                                                             base_url: str) -> None:
    """Else every request fails later, and a failed send looks like an uncertain one."""
    _refused_at_connect(case_name, base_url=base_url)


@pytest.mark.parametrize("url", [
    "nikita://acme:PW/secret-part@/?sender=ACME",
    "nikita://acme:PW?secret-part@host/",
    "nikita://acme:PW#secret-part@host/",
    "nikita://acme:PW:secret-part@host:99999/",
])
def test_a_url_with_an_unencoded_secret_is_a_config_error_quoting_nothing(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        smsbridge.connect(url)
    text = _texts(caught.value)
    assert "PW" not in text
    assert "secret-part" not in text


def test_an_encoded_secret_in_a_url_works() -> None:
    password = "PW/secret?#@:"
    with smsbridge.connect(f"nikita://acme:{quote(password, safe='')}@/?sender=ACME") as c:
        assert c.driver.settings.password == password  # type: ignore[attr-defined]


# -- provider texts --------------------------------------------------------------------


def test_nikita_masks_its_provider_error_text(simulator_wire: Any) -> None:
    case = CASES["nikita"]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    password = sim.client_settings("x")["password"]
    body = (f"<response><status>2</status><message>wrong password {password} for acme"
            "</message></response>").encode()
    sim_wire.arm(lambda _: Answer(200, {"Content-Type": "application/xml"}, body), 0)
    with connect(case, sim) as client, pytest.raises(ProviderError) as caught:
        client.balance()
    assert password not in _texts(caught.value)
    assert "wrong password ***" in (caught.value.description or "")


def test_ketchup_masks_its_provider_error_text(simulator_wire: Any) -> None:
    case = CASES["ketchup"]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    key = sim.client_settings("x")["api_key"]
    body = f'{{"error": "1", "errorDescription": "invalid key {key}"}}'.encode()
    sim_wire.arm(lambda _: Answer(403, {"Content-Type": "application/json"}, body), 0)
    with connect(case, sim) as client, pytest.raises(AuthError) as caught:
        client.prices()
    assert key not in _texts(caught.value)
    assert "invalid key ***" in (caught.value.description or "")


# -- third-party logs and chained exceptions -------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def urllib3_lines() -> Iterator[list[str]]:
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("urllib3", "requests")]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
    yield handler.lines
    for log, level in zip(loggers, levels, strict=True):
        log.removeHandler(handler)
        log.setLevel(level)


@pytest.mark.parametrize("case_name", ["devino", "stream", "phoenix", "ketchup", "nikita"])
def test_urllib3_debug_lines_carry_no_secret(case_name: str, urllib3_lines: list[str]) -> None:
    case = CASES[case_name]
    sim = case.simulator()
    with sim.serve() as url, connect(case, sim, base=url) as client:
        client.send(case.numbers[0], "hello")
        if client.supports("balance"):
            client.balance()
        secret = client.driver.settings.__getattribute__(SECRET_SETTING[case_name])
        sessions = list(getattr(sim, "sessions", {}))
    request_lines = [line for line in urllib3_lines if "urllib3.connectionpool" in line
                     and ("GET " in line or "POST " in line)]
    assert request_lines  # urllib3 did log the requests
    text = "\n".join(urllib3_lines)
    for value in [secret, *sessions]:
        assert value not in text
        assert quote(value, safe="") not in text
    FIGURES["secrets: urllib3 lines checked"] += len(urllib3_lines)


def _closed_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("case_name", ["devino", "stream", "phoenix"])
def test_a_connection_error_keeps_no_secret_bearing_url(case_name: str) -> None:
    case = CASES[case_name]
    sim = case.simulator()
    with connect(case, sim, base=_closed_port(), retries=0) as client, \
            pytest.raises(TransportError) as caught:
        client.balance()
    secret = sim.client_settings("x")[SECRET_SETTING[case_name]]
    assert secret not in _texts(caught.value)
    # requests' own exception (whose text holds the URL with its query) is not attached.
    assert all(isinstance(e, smsbridge.SmsBridgeError) for e in _chain(caught.value))
