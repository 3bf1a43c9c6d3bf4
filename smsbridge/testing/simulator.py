"""A base for provider simulators: WSGI apps with state and injectable faults.

Subclasses implement :meth:`Simulator.handle` with werkzeug's request and response
(install ``smsbridge[simulator]``). Faults apply to the next matching requests::

    sim = NikitaSimulator()
    sim.inject("status", status=503)          # the next request gets HTTP 503
    sim.inject("drop_after_accept", path="/message")  # accept, then lose the answer
    sim.inject("status", status=500, after_accept=True)  # accept, then answer HTTP 500

Run-time settings: ``sim.latency = 0.2`` makes every request wait that many seconds;
``clear_faults()`` forgets pending faults. Message progression and accounts come from
the kit (:mod:`smsbridge.testing.kit`; ``docs/simulators.md`` shows how a simulator is
written on it).

Simulators of providers that push reports send them to ``callback_url`` (when set) from a
background thread, retrying on the provider's schedule (``push_delays``, which tests
shorten); ``pushes`` lists every try, ``wait_pushes()`` waits for the queue to drain and
``stop_pushing()`` (also run when :meth:`Simulator.serve` ends) stops the thread.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from smsbridge.errors import ConfigError
from smsbridge.testing.push import PushAttempt, Pusher, any_2xx
from smsbridge.testing.routes import NoRoute, Routed
from smsbridge.testing.server import DropConnection, serve_wsgi

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from smsbridge.testing.answers import Refusal

__all__ = ["FAULT_KINDS", "Fault", "RecordedRequest", "SimulatedMessage", "Simulator",
           "SimulatorUnavailable", "utc"]

#: ``status``: answer with an HTTP status and body instead of handling the request;
#: ``delay``: wait ``seconds`` before handling it; ``drop``: close the connection
#: without handling it; ``drop_after_accept``: handle it (the provider accepted the
#: message) and then close the connection without the answer; ``body``: answer with
#: ``body`` (and ``content_type``) instead of handling it. With ``after_accept=True``,
#: ``status``, ``body`` and ``delay`` happen after the request was handled: the provider
#: took the message, then its answer was replaced (or came ``seconds`` late).
FAULT_KINDS = frozenset({"status", "delay", "drop", "drop_after_accept", "body"})


@attrs.define(kw_only=True)
class Fault:
    """One injected fault, consumed by the next ``times`` matching requests."""

    kind: str = attrs.field(validator=attrs.validators.in_(FAULT_KINDS))
    path: str | None = None
    #: How many matching requests it strikes; None: every one until ``clear_faults()``.
    times: int | None = 1
    status: int = 500
    seconds: float = 0.0
    body: bytes | str = b""
    content_type: str = "text/plain"
    after_accept: bool = False
    #: Matching requests to let through before the fault strikes ("fail the third send").
    skip: int = 0

    def matches(self, path: str) -> bool:
        return self.path is None or path.endswith(self.path)


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """A request the simulator received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@attrs.frozen(kw_only=True)
class SimulatedMessage:
    """One message a recipient would receive, as the simulated provider holds it.

    The simulators' ledger is the provider's side of the books: tests compare it with
    what the library reported (nothing lost, nothing doubled).
    """

    recipient: str
    text: str
    provider_id: str
    reference: str | None
    channel: str
    accepted_at: datetime
    #: The :class:`~smsbridge.models.DeliveryState` value the provider would report now.
    state: str


class SimulatorUnavailable(ConfigError):
    """A simulator cannot serve: its ``simulator`` extra (werkzeug) is not installed."""


def utc(timestamp: float) -> datetime:
    """A simulator clock reading as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, timezone.utc)


class Simulator(Routed):
    """A stateful provider simulator. Thread-safe; serve it with :meth:`serve`.

    Its endpoints are ``@route`` methods (:mod:`smsbridge.testing.routes`).

    Public state for tests: :meth:`ledger` (what recipients would receive),
    ``requests`` (what arrived) and ``callback_url`` (where a provider that pushes
    delivery reports sends them; None pushes nothing).
    """

    #: Seconds between a failed push and each retry, as the provider documents.
    push_delays: tuple[float, ...] = ()
    #: How long one push may take before it counts as failed.
    push_timeout: ClassVar[float] = 5.0
    #: The distribution whose ``simulator`` extra brings werkzeug (default: derived from
    #: the module, ``smsbridge_nikita`` -> ``smsbridge-nikita``).
    distribution: ClassVar[str | None] = None

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        #: Where reports are pushed (a URL, basic auth as ``user:password@``); None: nowhere.
        self.callback_url: str | None = None
        self._pusher: Pusher | None = None
        self._pushes: list[PushAttempt] = []
        #: Seconds every request waits before it is handled (settable at run time).
        self.latency = 0.0

    def ledger(self) -> list[SimulatedMessage]:
        """Every message a recipient would receive (one per recipient, not per segment)."""
        raise NotImplementedError

    def inject(self, kind: str, *, path: str | None = None, times: int | None = 1,
               **params: Any) -> Fault:
        """Make the next ``times`` requests (to ``path``, if given) fail as ``kind`` says
        (``times=None``: every request until :meth:`clear_faults`)."""
        fault = Fault(kind=kind, path=path, times=times, **params)
        with self.lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every fault not yet consumed."""
        with self.lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.matches(path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def handle(self, request: Request) -> Response:
        """Answer one request as the provider would (by default: the ``@route`` method
        of its path and method, called with the request under the lock)."""
        with self.lock:
            answer: Response = self.route_for(request)(request)
            return answer

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings that connect the provider's driver to this simulator's demo account."""
        raise NotImplementedError

    def refuse(self, refusal: Refusal) -> Response:
        """Answer a :class:`~smsbridge.testing.answers.Refusal` raised by :meth:`handle`
        (JSON ``{"code", "description", ...}``; providers override it with their shape)."""
        from smsbridge.testing.answers import json_answer

        return json_answer({"code": refusal.code, "description": refusal.description,
                            **refusal.fields}, refusal.status)

    def _handle(self, request: Request) -> Response:
        from smsbridge.testing.answers import Refusal

        try:
            try:
                return self.handle(request)
            except NoRoute as missing:
                return self.unrouted(request, missing.allowed)
        except Refusal as refusal:
            return self.refuse(refusal)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        body = request.get_data(cache=True)
        with self.lock:
            self.requests.append(RecordedRequest(
                method=request.method, path=request.path,
                query=request.query_string.decode("latin-1"),
                headers=dict(request.headers), body=body,
            ))
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self._take_fault(request.path)
        if fault is None:
            return self._handle(request)(environ, start_response)
        if fault.kind == "drop":
            raise DropConnection
        if fault.after_accept or fault.kind == "drop_after_accept":
            response = self._handle(request)
        if fault.kind == "drop_after_accept":
            raise DropConnection
        if fault.kind == "status":
            response = Response(fault.body, status=fault.status,
                                content_type=fault.content_type)
        elif fault.kind == "body":
            response = Response(fault.body, status=200, content_type=fault.content_type)
        elif fault.kind == "delay":
            time.sleep(fault.seconds)
            if not fault.after_accept:
                response = self._handle(request)
        return response(environ, start_response)

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve this simulator over HTTP; yield its base URL.

        Raises :class:`SimulatorUnavailable` at once when werkzeug is not installed.
        """
        self.check_extra()
        try:
            with serve_wsgi(self, host, port) as url:
                yield url
        finally:
            self.stop_pushing()

    @classmethod
    def check_extra(cls) -> None:
        """Raise :class:`SimulatorUnavailable` unless the ``simulator`` extra is installed."""
        try:
            importlib.import_module("werkzeug.wrappers")
        except ImportError:
            name = cls.distribution or cls.__module__.split(".")[0].replace("_", "-")
            raise SimulatorUnavailable(
                f"the {cls.__name__} needs werkzeug, which is not installed: "
                f'pip install "{name}[simulator]"') from None

    # -- pushes ---------------------------------------------------------------------

    def push(self, body: bytes, content_type: str, url: str | None = None) -> bool:
        """Queue a push of ``body`` to ``url`` (default ``callback_url``); False if none."""
        target = url or self.callback_url
        if not target:
            return False
        with self.lock:
            if self._pusher is None:
                self._pusher = Pusher(self.push_delays, timeout=self.push_timeout,
                                      accepts=self.push_accepted)
            pusher = self._pusher
        pusher.push(target, body, content_type)
        return True

    def push_accepted(self, status: int) -> bool:
        """True when the provider takes the application's answer ``status`` as an
        acknowledgement of a push (any 2xx unless the provider says otherwise)."""
        return any_2xx(status)

    @property
    def pushes(self) -> list[PushAttempt]:
        """Every try to push a report, oldest first (retries included)."""
        with self.lock:
            current = self._pusher.attempts if self._pusher is not None else []
            return [*self._pushes, *current]

    def wait_pushes(self, timeout: float = 10.0) -> bool:
        """Wait until every queued push was delivered or given up; False on timeout."""
        with self.lock:
            pusher = self._pusher
        return True if pusher is None else pusher.wait(timeout)

    def stop_pushing(self) -> None:
        """Drop the pushes not yet made and stop the pushing thread."""
        with self.lock:
            pusher, self._pusher = self._pusher, None
        if pusher is not None:
            pusher.close()
            with self.lock:
                self._pushes.extend(pusher.attempts)
