"""Test helpers behind the pytest plugin's fixtures: a fake clock, a poll-until-final
helper, a recorder of what went on the wire, and simulators found by driver name.

They are plain objects, usable without pytest; :mod:`smsbridge.pytest_plugin` wraps each
in a fixture (``sms_clock``, ``sms_until_final``, ``sms_wire``, ``sms_simulator``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import requests

from smsbridge.client import Client
from smsbridge.discovery import available_drivers, load_driver
from smsbridge.errors import ConfigError, SmsBridgeError
from smsbridge.models import DeliveryState, StatusReport
from smsbridge.xmlutil import parse_xml

if TYPE_CHECKING:
    from smsbridge.testing.simulator import Simulator

__all__ = ["FakeClock", "Polls", "Served", "Wire", "WireRequest", "driver_of", "simulator_for",
           "until_final"]


class FakeClock:
    """A clock that moves only when told: wall time (``now``, ``time()``, calling it) and
    a monotonic reading (``monotonic()``), both advanced by :meth:`advance`.

    Simulators take it as ``clock=``, retry policies as ``sleep=clock.sleep`` (each wait
    is recorded in ``sleeps`` and moves the clock on); ``now`` may also be set directly.
    """

    def __init__(self, now: float | datetime | None = None) -> None:
        if isinstance(now, datetime):
            now = now.timestamp()
        #: Seconds since the epoch; None freezes the real time of creation.
        self.now: float = time.time() if now is None else float(now)
        self._origin = self.now
        #: The waits :meth:`sleep` was asked for, in order.
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """The wall time, in seconds since the epoch."""
        return self.now

    def time(self) -> float:
        """The wall time, in seconds since the epoch (as :func:`time.time`)."""
        return self.now

    def monotonic(self) -> float:
        """Seconds the clock has moved since it was made (as :func:`time.monotonic`)."""
        return self.now - self._origin

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` on."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, not by {seconds!r} s")
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """Record a wait and move the clock on by it, without waiting."""
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now!r})"


class Polls(list[StatusReport]):
    """The reports :func:`until_final` saw, in order."""

    @property
    def states(self) -> list[DeliveryState]:
        """Each report's delivery state."""
        return [report.state for report in self]

    @property
    def provider_states(self) -> list[str]:
        """Each report's own provider state ("" where it had none)."""
        return [report.provider_state or "" for report in self]

    @property
    def last(self) -> StatusReport:
        """The last report (the final one)."""
        return self[-1]


def until_final(client: Client, message_id: str, *, until: DeliveryState | None = None,
                rounds: int = 10, clock: FakeClock | None = None,
                poll: float = 1.0) -> Polls:
    """Ask ``client.status(message_id)`` until the state is final (or is ``until``).

    At most ``rounds`` queries; between two, ``clock`` (if given) moves ``poll`` seconds
    on. Unlike :meth:`Client.wait` this keeps every report, not only the final one, and
    can go on past a final state (``until=DeliveryState.READ`` after ``DELIVERED``).

    :raises AssertionError: when no wanted state came within ``rounds`` queries.
    """
    seen = Polls()
    for index in range(rounds):
        if index and clock is not None:
            clock.advance(poll)
        seen.append(client.status(message_id))
        state = seen[-1].state
        if state is until or (until is None and state.is_final):
            return seen
    wanted = until.value if until is not None else "a final state"
    raise AssertionError(f"{message_id} did not reach {wanted} in {rounds} queries: "
                         f"{[s.value for s in seen.states]}")


@attrs.frozen(kw_only=True)
class WireRequest:
    """One HTTP request as it went on the wire."""

    method: str
    url: str
    body: bytes = attrs.field(repr=False)
    headers: dict[str, str] = attrs.field(repr=False)

    @classmethod
    def of(cls, prepared: requests.PreparedRequest) -> WireRequest:
        """The request :mod:`requests` prepared (``responses``' ``call.request`` too).

        :raises AssertionError: for a body of non-ASCII text (not bytes): urllib3 2 sends
            it as UTF-8 but urllib3 1.26 (through http.client) as Latin-1, or not at all.
        """
        body = prepared.body
        if isinstance(body, str):
            if not body.isascii():
                raise AssertionError(f"{prepared.method} {prepared.path_url.split('?')[0]}: a "
                                     "body of non-ASCII text goes on the wire differently by "
                                     "urllib3 version; encode it to bytes")
            body = body.encode("ascii")
        return cls(method=prepared.method or "", url=prepared.url or "",
                   body=body if isinstance(body, bytes) else b"",
                   headers=dict(prepared.headers))

    @property
    def path(self) -> str:
        """The URL's path."""
        return urlsplit(self.url).path

    @property
    def params(self) -> dict[str, str]:
        """The query string's parameters (the last value of a repeated one)."""
        return dict(self.query_pairs)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's parameters in order, repeated ones kept."""
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def form(self) -> dict[str, str]:
        """The body read as an HTML form (the last value of a repeated field)."""
        return dict(self.form_pairs)

    @property
    def form_pairs(self) -> list[tuple[str, str]]:
        """The body read as an HTML form, fields in order, repeated ones kept."""
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def xml(self, *force_list: str) -> dict[str, Any]:
        """The body parsed as XML by the drivers' own reader (entities refused, namespaces
        dropped); the elements named are lists even when one occurs."""
        return parse_xml(self.body, force_list=force_list)

    def multipart(self) -> dict[str, str]:
        """The fields of a ``multipart/form-data`` body, by name."""
        from email.parser import BytesParser
        from email.policy import HTTP

        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        if not message.is_multipart():
            raise AssertionError(f"not a multipart body: {self.text[:80]!r}")
        return {str(part.get_param("name", header="content-disposition")): part.get_content()
                for part in message.iter_parts()}


class Wire(list[WireRequest]):
    """Every request that went on the wire while recording, oldest first."""

    @property
    def last(self) -> WireRequest:
        """The latest request."""
        if not self:
            raise AssertionError("no request went on the wire")
        return self[-1]

    @property
    def paths(self) -> list[str]:
        """Each request's method and path, as ``"POST /api/message"``."""
        return [f"{request.method} {request.path}" for request in self]

    def to(self, path: str) -> Wire:
        """The requests whose URL path is ``path``, oldest first."""
        return Wire(request for request in self if request.path == path)

    @contextlib.contextmanager
    def recording(self) -> Iterator[Wire]:
        """Record every request made through :mod:`requests` while the block runs."""
        original = requests.Session.send

        def send(session: requests.Session, prepared: requests.PreparedRequest,
                 **kwargs: Any) -> requests.Response:
            self.append(WireRequest.of(prepared))
            return original(session, prepared, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            requests.Session.send = original  # type: ignore[method-assign]


def driver_of(simulator: Simulator) -> str:
    """The name of the installed driver that ships ``simulator``'s class."""
    cls = type(simulator)
    target = f"{cls.__module__}:{cls.__qualname__}"
    for name in available_drivers():
        with contextlib.suppress(SmsBridgeError):
            if load_driver(name).simulator == target:
                return name
    raise ConfigError(f"no installed driver ships the simulator {target}; name the driver")


def simulator_for(name: str, **options: Any) -> Simulator:
    """A fresh simulator of the installed driver ``name`` (its ``simulator`` entry)."""
    target = load_driver(name).simulator
    if not target:
        raise ConfigError(f"the {name} driver ships no simulator")
    module, _, attribute = target.partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    simulator: Simulator = factory(**options)
    return simulator


@attrs.define
class Served:
    """A simulator served on 127.0.0.1: its base URL and clients connected to it."""

    name: str
    simulator: Simulator
    url: str
    connect_with: Callable[..., Client] = attrs.field(repr=False)
    settings: dict[str, Any] = attrs.field(factory=dict, repr=False)
    _client: Client | None = attrs.field(default=None, repr=False)

    def connect(self, **overrides: Any) -> Client:
        """A new client of the driver, set up for this simulator (``overrides`` win)."""
        settings = {**self.simulator.client_settings(self.url), **self.settings, **overrides}
        return self.connect_with(self.name, **settings)

    @property
    def client(self) -> Client:
        """One client for the test, made on first use."""
        if self._client is None:
            self._client = self.connect()
        return self._client

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``simulator, client``."""
        return iter((self.simulator, self.client))
