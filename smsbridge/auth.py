"""Session ids for providers that log in first (Devino, Stream).

Log in lazily, reuse the id, renew it before its life ends and once more when the
provider says it expired. Safe to share between threads: one login at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import TypeVar

from smsbridge.redaction import Redactor

__all__ = ["SessionCache", "session_expired"]

T = TypeVar("T")


class SessionCache:
    """Holds one provider session id and renews it when needed.

    :param login: makes the login request and returns the new session id.
    :param lifetime: seconds a session id lives at the provider.
    :param margin: renew this many seconds before the end of its life.
    :param redactor: learns every new session id so logs and errors never show it.
    :param clock: monotonic seconds; injectable for tests.
    """

    def __init__(
        self,
        login: Callable[[], str],
        *,
        lifetime: float = 120 * 60,
        margin: float = 5 * 60,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._login = login
        self._lifetime = lifetime
        self._margin = margin
        self._redactor = redactor
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def __repr__(self) -> str:
        state = "active" if self._token else "empty"
        return f"<SessionCache {state}>"

    def get(self, *, stale: Collection[str] = ()) -> str:
        """The current session id, logging in when there is none or it is about to end.

        ``stale`` names session ids the caller has seen refused as expired: one of them
        is never handed out again, whichever thread cached it.
        """
        return self._get(stale)[0]

    def _get(self, stale: Collection[str]) -> tuple[str, bool]:
        """The session id, and whether this call logged in to get it."""
        with self._lock:
            if (self._token is None or self._token in stale
                    or self._clock() >= self._expires):
                started = self._clock()
                token = self._login()
                if self._redactor is not None:
                    self._redactor.add(token)
                self._token = token
                self._expires = started + self._lifetime - self._margin
                return token, True
            return self._token, False

    def invalidate(self, token: str) -> None:
        """Forget ``token`` unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def call(self, request: Callable[[str], T], expired: Callable[[Exception], bool],
             *, attempts: int = 4) -> T:
        """Run ``request(session_id)``, renewing the session when the provider says it
        expired.

        The provider refused each expired attempt, so nothing doubles. A session id seen
        expired is never used again by this call, even when another thread cached it
        meanwhile (sessions can expire twice during one call: a renewal by another
        thread, then a provider-side expiry). The call gives up when, after a first
        refusal, a session it logged in for itself is refused too, or after ``attempts``.
        """
        stale: set[str] = set()
        for attempt in range(1, attempts + 1):
            token, fresh = self._get(stale)
            try:
                return request(token)
            except Exception as exc:
                # A second refusal of a session logged in for this very call means the
                # provider will not take one: stop rather than loop.
                if not expired(exc) or (fresh and stale) or attempt == attempts:
                    raise
                stale.add(token)
                self.invalidate(token)
        raise AssertionError("unreachable: the last attempt returns or raises")


def session_expired(exc: Exception) -> bool:
    """True for the Devino/Stream family's "session invalid or expired" answers.

    Code 3 says so; on a call made with a session, code 4 and HTTP 401 mean the same
    (the providers answer an expired session that way too). Wrong credentials at login
    are not passed through this check, so they fail at once instead of looping.
    """
    from smsbridge.errors import ProviderError

    if not isinstance(exc, ProviderError):
        return False
    return exc.code in ("3", "4") or exc.http_status == 401
