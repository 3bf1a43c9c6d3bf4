"""Receiving the delivery and HLR reports providers push: a WSGI app for any framework.

::

    from smsbridge.webhook import CallbackApp

    def handle(report):                  # a StatusReport (or an HlrResult)
        save_state(report.message_id, report.state, seen=report.report_id)

    callbacks = CallbackApp(sms, on_report=handle, username="dlr", password="s3cret")

``callbacks`` is a WSGI application: mount it (Flask: ``DispatcherMiddleware``, plain
WSGI: serve it) at the URL you give the provider. A ``POST`` is checked against the basic
auth (constant-time), capped at ``max_body`` bytes, parsed by ``client.parse_callback``
and each report handed to ``on_report``:

=====  ====================================================================
200    every report was handled (or the body held none)
400    the body is not a report of this provider (the provider need not retry)
401    missing or wrong basic auth
405    a method other than POST, GET or HEAD
413    the body is larger than ``max_body``
500    ``on_report`` raised: the provider retries the push later
=====  ====================================================================

``GET`` and ``HEAD`` answer 200 for providers that probe the URL. A provider retries a
push it did not see acknowledged, so the same report can arrive twice: each report's
``report_id`` is the same for the same report, and the app skips reports it already
handled in this process (the last ``remember`` of them); keep ``report_id`` in your own
storage to recognize repeats across processes.

Frameworks that are not WSGI (Django's views) call :meth:`CallbackApp.respond` with the
request's method, headers and body.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from smsbridge.errors import SmsBridgeError

if TYPE_CHECKING:
    from smsbridge.client import Client

__all__ = ["DEFAULT_MAX_BODY", "CallbackApp", "CallbackResponse"]

logger = logging.getLogger(__name__)

#: The default cap on a pushed body: far above any provider's report, far below harm.
DEFAULT_MAX_BODY = 1024 * 1024

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed",
            413: "Payload Too Large", 500: "Internal Server Error"}


@attrs.frozen(kw_only=True)
class CallbackResponse:
    """What to answer a push: a status, headers and a short plain-text body."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def status_line(self) -> str:
        """``"200 OK"``, as WSGI's ``start_response`` wants it."""
        return f"{self.status} {_REASONS.get(self.status, '')}".rstrip()


def _answer(status: int, text: str, *extra: tuple[str, str]) -> CallbackResponse:
    body = (text + "\n").encode("utf-8")
    headers = (("Content-Type", "text/plain; charset=utf-8"),
               ("Content-Length", str(len(body))), *extra)
    return CallbackResponse(status=status, body=body, headers=headers)


def _credentials(header: str | None) -> tuple[bytes, bytes] | None:
    """The user and password of a ``Basic`` Authorization header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(b":")
    return (user, password) if colon else None


class CallbackApp:
    """A WSGI app that turns a provider's pushes into ``on_report`` calls.

    :param client: the client whose ``parse_callback`` reads the pushes.
    :param on_report: called with each :class:`~smsbridge.StatusReport` or
        :class:`~smsbridge.HlrResult`; if it raises, the push is answered 500 so the
        provider retries it.
    :param username: the basic-auth user the provider must send; with ``password``.
        Leave both None only where something else authenticates the caller.
    :param password: the basic-auth password.
    :param max_body: larger bodies are refused with 413 unread.
    :param remember: how many handled report ids to remember, to skip repeats.
    """

    def __init__(self, client: Client, on_report: Callable[[Any], object], *,
                 username: str | None = None, password: str | None = None,
                 max_body: int = DEFAULT_MAX_BODY, remember: int = 10_000) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if username is not None and (not username or not password):
            raise ValueError("username and password must not be empty")
        if max_body < 1:
            raise ValueError("max_body must be positive")
        self.client = client
        self.on_report = on_report
        self.max_body = max_body
        self._auth = (None if username is None or password is None
                      else (username.encode("utf-8"), password.encode("utf-8")))
        self._remember = max(0, remember)
        self._handled: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        auth = "basic auth" if self._auth else "no auth"
        return f"<smsbridge.CallbackApp {self.client!r} {auth}>"

    # -- the framework-free core ----------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        """True when an ``Authorization`` header carries the configured user and password
        (compared in constant time), or when no auth is configured."""
        if self._auth is None:
            return True
        given = _credentials(header) or (b"", b"")
        user_ok = hmac.compare_digest(given[0], self._auth[0])
        password_ok = hmac.compare_digest(given[1], self._auth[1])
        return user_ok and password_ok

    def respond(self, method: str, headers: Mapping[str, str],
                read: Callable[[int], bytes]) -> CallbackResponse:
        """Answer one request.

        :param method: the HTTP method.
        :param headers: request headers by case-insensitive name (``Authorization``,
            ``Content-Type``, ``Content-Length``); a plain dict should use these spellings.
        :param read: ``read(n)`` returns up to ``n`` bytes of the body (less at its end).
        """
        method = method.upper()
        if method in ("GET", "HEAD"):
            return _answer(200, "smsbridge delivery-report endpoint: POST reports here")
        if method != "POST":
            return _answer(405, "POST reports here", ("Allow", "POST, GET, HEAD"))
        if not self.authorized(headers.get("Authorization")):
            return _answer(401, "authentication required",
                           ("WWW-Authenticate", 'Basic realm="smsbridge", charset="UTF-8"'))
        body = self._read_body(headers.get("Content-Length"), read)
        if body is None:
            return _answer(413, f"the body is larger than {self.max_body} bytes")
        return self.deliver(body, headers.get("Content-Type"))

    def deliver(self, body: bytes, content_type: str | None = None) -> CallbackResponse:
        """Parse an authorized push and hand each report to ``on_report``."""
        try:
            reports = self.client.parse_callback(body, content_type)
        except SmsBridgeError as exc:
            # The reason quotes the body (phone numbers): only at DEBUG.
            logger.warning("refused a push of %d bytes that is not a %s report",
                           len(body), self.client.driver.name)
            logger.debug("the refused push: %s", exc)
            return _answer(400, "not a delivery report")
        except Exception:
            # A driver bug, not the provider's fault: let the provider push it again.
            logger.exception("the %s driver failed to read a push", self.client.driver.name)
            return _answer(500, "the report could not be read; push it again")
        handled = 0
        for report in reports:
            report_id = getattr(report, "report_id", None)
            if report_id is not None and self._seen(report_id):
                logger.debug("skipped report %s: already handled", report_id)
                continue
            try:
                self.on_report(report)
            except Exception:
                logger.exception("on_report failed for a %s report; answering 500 so the "
                                 "provider pushes it again", self.client.driver.name)
                return _answer(500, "the report could not be handled; push it again")
            if report_id is not None:
                self._mark(report_id)
            handled += 1
        logger.debug("handled %d of %d pushed reports", handled, len(reports))
        return _answer(200, "OK")

    def _read_body(self, length: str | None, read: Callable[[int], bytes]) -> bytes | None:
        """The whole body, or None when it is larger than ``max_body``."""
        if length:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > self.max_body:
                return None
            if declared >= 0:
                return _read_exactly(read, declared)
        # No (usable) length: read at most one byte past the cap to see if it is larger.
        body = _read_exactly(read, self.max_body + 1)
        return None if len(body) > self.max_body else body

    def _seen(self, report_id: str) -> bool:
        with self._lock:
            return report_id in self._handled

    def _mark(self, report_id: str) -> None:
        if not self._remember:
            return
        with self._lock:
            self._handled[report_id] = None
            self._handled.move_to_end(report_id)
            while len(self._handled) > self._remember:
                self._handled.popitem(last=False)

    # -- WSGI -----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = _WsgiHeaders(environ)
        stream = environ.get("wsgi.input")

        def read(size: int) -> bytes:
            return stream.read(size) if stream is not None else b""

        response = self.respond(str(environ.get("REQUEST_METHOD", "GET")), headers, read)
        start_response(response.status_line, list(response.headers))
        if environ.get("REQUEST_METHOD", "").upper() == "HEAD":
            return [b""]
        return [response.body]


def _read_exactly(read: Callable[[int], bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = read(min(left, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _WsgiHeaders(Mapping[str, str]):
    """Request headers of a WSGI environ by their usual names."""

    _SPECIAL: ClassVar[Mapping[str, str]] = {"CONTENT_TYPE": "Content-Type",
                                             "CONTENT_LENGTH": "Content-Length"}

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    @staticmethod
    def _key(name: str) -> str:
        key = name.upper().replace("-", "_")
        return key if key in _WsgiHeaders._SPECIAL else f"HTTP_{key}"

    def __getitem__(self, name: str) -> str:
        value = self._environ.get(self._key(name))
        if value is None:
            raise KeyError(name)
        return str(value)

    def __iter__(self) -> Iterator[str]:
        for key in self._environ:
            if key in self._SPECIAL:
                yield self._SPECIAL[key]
            elif key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").title()

    def __len__(self) -> int:
        return sum(1 for _ in self)
