"""Fixtures for every test of the run: the secret guard, and the drivers' push receiver.

The secret guard: every credential a test configures (the secret settings of every driver
made: passwords, keys and tokens) is remembered for the whole run, and every session id a
provider gives out for the rest of the test (or example) that got it, in plain,
URL-encoded and escaped forms. Every log record (smsbridge, urllib3 and requests, all at
DEBUG) and every smsbridge exception a test produces (text and repr, with its causes and
contexts) is scanned for them; one hit fails the test that produced it. The figures
(records and exceptions scanned, leaks) are printed at the end of the run and feed
``docs/reliability.md``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import attrs
import pytest
import responses

import smsbridge.driver
import smsbridge.errors
import smsbridge.redaction
from smsbridge.testing import serve_wsgi

#: Secrets shorter than this are too common as substrings to scan for.
MIN_SECRET = 6
#: Loggers whose records are scanned (their levels are set to DEBUG for the run).
GUARDED_LOGGERS = ("smsbridge", "urllib3", "requests")


def _forms(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}
    return {form for form in forms if len(form) >= MIN_SECRET}


class SecretGuard(logging.Handler):
    """Remembers secrets, scans texts for them, counts what it scanned."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lock_ = threading.Lock()
        self.configured: set[str] = set()
        self.issued: set[str] = set()
        self.issued_total = 0
        self.figures: Counter[str] = Counter()
        self.exceptions: list[BaseException] = []
        self.leaks: list[str] = []

    def configure(self, *secrets: str) -> None:
        """Remember secrets of settings (for the whole run)."""
        with self.lock_:
            for secret in secrets:
                if isinstance(secret, str) and len(secret) >= MIN_SECRET:
                    self.configured |= _forms(secret)

    def issue(self, *secrets: str) -> None:
        """Remember secrets a provider issued (session ids), until :meth:`next_example`."""
        with self.lock_:
            for secret in secrets:
                if isinstance(secret, str) and len(secret) >= MIN_SECRET:
                    if secret not in self.configured and secret not in self.issued:
                        self.issued_total += 1
                    self.issued |= _forms(secret) - self.configured

    @property
    def forms(self) -> set[str]:
        with self.lock_:
            return self.configured | self.issued

    def next_example(self) -> None:
        """Scan what the test produced so far, then forget the session ids it was given.

        A fuzzed login answer makes its hostile value the "session id"; the next example
        may legitimately show that value, so session ids live one example long.
        """
        self.scan_exceptions()
        with self.lock_:
            self.issued.clear()

    def scan(self, text: str, where: str) -> None:
        for form in self.forms:
            if form in text:
                at = text.index(form)
                context = text[max(0, at - 40):at] + "<SECRET>" + text[
                    at + len(form):at + len(form) + 40]
                with self.lock_:
                    self.leaks.append(f"{where}: ...{context}...")
                return

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: logging itself reports it
            return
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.figures["log records scanned"] += 1
        self.scan(text, f"log record of {record.name} ({record.levelname})")

    def record_exception(self, error: BaseException) -> None:
        with self.lock_:
            self.exceptions.append(error)

    def scan_exceptions(self) -> None:
        with self.lock_:
            pending, self.exceptions = self.exceptions, []
        for error in pending:
            self.figures["exceptions scanned"] += 1
            seen: set[int] = set()
            current: BaseException | None = error
            while current is not None and id(current) not in seen:
                seen.add(id(current))
                name = type(current).__name__
                self.scan(str(current), f"str() of {name}")
                self.scan(repr(current), f"repr() of {name}")
                for arg in current.args:
                    self.scan(repr(arg), f"an argument of {name}")
                current = current.__cause__ or current.__context__


GUARD = SecretGuard()


@pytest.fixture(scope="session", autouse=True)
def _secret_guard() -> Iterator[SecretGuard]:
    original_add = smsbridge.redaction.Redactor.add
    original_init = smsbridge.errors.SmsBridgeError.__init__
    original_values = smsbridge.driver.secret_values

    def secret_values(settings: Any) -> list[str]:
        found = original_values(settings)
        GUARD.configure(*found)
        return found

    def add(self: smsbridge.redaction.Redactor, *secrets: str) -> None:
        GUARD.issue(*secrets)
        original_add(self, *secrets)

    def init(self: smsbridge.errors.SmsBridgeError, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        GUARD.record_exception(self)

    smsbridge.driver.secret_values = secret_values
    smsbridge.redaction.Redactor.add = add  # type: ignore[method-assign]
    smsbridge.errors.SmsBridgeError.__init__ = init  # type: ignore[method-assign]
    levels = {name: logging.getLogger(name).level for name in GUARDED_LOGGERS}
    for name in GUARDED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(GUARD)
    try:
        yield GUARD
    finally:
        root.removeHandler(GUARD)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        smsbridge.driver.secret_values = original_values
        smsbridge.redaction.Redactor.add = original_add  # type: ignore[method-assign]
        smsbridge.errors.SmsBridgeError.__init__ = original_init  # type: ignore[method-assign]


@pytest.fixture
def secret_guard(_secret_guard: SecretGuard) -> SecretGuard:
    """The guard, for tests that run many examples (call ``next_example()`` in each)."""
    return _secret_guard


@pytest.fixture(autouse=True)
def _no_secret_leaks(_secret_guard: SecretGuard, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test when anything it produced showed a configured secret."""
    already = len(GUARD.leaks)
    yield
    GUARD.next_example()
    found = GUARD.leaks[already:]
    if found:
        pytest.fail(f"{len(found)} secret leak(s) in {request.node.nodeid}:\n"
                    + "\n".join(found[:5]), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Scan the exception a test ended with, whatever its type."""
    if call.excinfo is not None and not isinstance(call.excinfo.value, pytest.fail.Exception):
        GUARD.record_exception(call.excinfo.value)
    return (yield)


def report_figures(terminalreporter: Any, title: str, figures: dict[str, Any]) -> None:
    """Print a section of figures, and add it to the JSON file ``RELIABILITY_REPORT``
    names (when set)."""
    terminalreporter.write_sep("-", title)
    for name, value in sorted(figures.items()):
        terminalreporter.write_line(f"{name}: {value}")
    path = os.environ.get("RELIABILITY_REPORT")
    if path:
        existing: dict[str, Any] = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                existing = json.load(handle)
        existing[title] = figures
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(existing, handle, indent=2, sort_keys=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    figures = dict(GUARD.figures)
    figures["leaks found"] = len(GUARD.leaks)
    figures["secret forms guarded (settings)"] = len(GUARD.configured)
    figures["session ids guarded"] = GUARD.issued_total
    report_figures(terminalreporter, "smsbridge secret guard", figures)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """The HTTP wire mocked by ``responses``; every registered answer must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


# -- pushes -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Received:
    """One request the receiver got."""

    method: str
    path: str
    content_type: str
    authorization: str | None
    body: bytes


class Receiver:
    """A WSGI endpoint that records pushes and answers the statuses of ``script`` in turn
    (then 200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self.url = ""
        self._lock = threading.Lock()

    def answer(self, statuses: Iterable[int]) -> None:
        with self._lock:
            self.script = list(statuses)

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        with self._lock:
            self.received.append(Received(
                method=environ["REQUEST_METHOD"], path=environ.get("PATH_INFO", ""),
                content_type=environ.get("CONTENT_TYPE", ""),
                authorization=environ.get("HTTP_AUTHORIZATION"), body=body))
            status = self.script.pop(0) if self.script else 200
        start_response(f"{status} Scripted", [("Content-Type", "text/plain")])
        return [b"scripted"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An application endpoint on 127.0.0.1 recording what providers push to it."""
    endpoint = Receiver()
    with serve_wsgi(endpoint) as url:
        endpoint.url = url + "/dlr"
        yield endpoint


# The Django test project runs under its own test runners (tests/integrations).
collect_ignore = ["django_project"]
