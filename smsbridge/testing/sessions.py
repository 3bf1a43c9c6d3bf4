"""Simulated login sessions: a session id per login, a lifetime, a ``logins`` counter."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from smsbridge.testing.messages import Ids

__all__ = ["ExpiredSession", "SessionError", "Sessions", "UnknownSession"]


class SessionError(Exception):
    """A request named a session the provider would refuse."""


class UnknownSession(SessionError):
    """The session id was never issued."""


class ExpiredSession(SessionError):
    """The session id was issued but outlived its lifetime (or was expired by a test)."""


class Sessions:
    """Session ids issued at login, each valid ``lifetime`` seconds on ``clock``."""

    def __init__(self, clock: Callable[[], float], lifetime: float,
                 ids: Ids | None = None) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.ids = ids or Ids.random(36)
        #: How many sessions were opened (SPEC §2: ``logins``).
        self.logins = 0
        self._started: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def open(self, login: str) -> str:
        """Issue a session id for ``login``."""
        sid = self.ids.next()
        with self._lock:
            self._started[sid] = (login, self.clock())
            self.logins += 1
        return sid

    def login_of(self, sid: str) -> str:
        """The login ``sid`` belongs to; raise :class:`UnknownSession`/:class:`ExpiredSession`."""
        with self._lock:
            found = self._started.get(sid)
        if found is None:
            raise UnknownSession(sid)
        login, started = found
        if self.clock() - started >= self.lifetime:
            raise ExpiredSession(sid)
        return login

    def expire_all(self) -> None:
        """Make every issued session id expired, as its lifetime passing would."""
        with self._lock:
            expired = self.clock() - self.lifetime
            self._started = {sid: (login, expired) for sid, (login, _) in self._started.items()}

    def __len__(self) -> int:
        return len(self._started)

    def __iter__(self) -> Iterator[str]:
        """Every session id issued."""
        with self._lock:
            return iter(list(self._started))
