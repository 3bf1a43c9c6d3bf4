"""The session-provider kit: what the Devino/Stream family of providers shares.

Both log in for a session id (a JSON string), pass it with every other request, and
refuse it as expired with code 3, code 4 or HTTP 401; both answer errors as
``{"Code": n, "Desc": "..."}`` whatever the HTTP status says, ids as a JSON list and
dates as ``/Date(ms)/``. A driver of the family subclasses :class:`SessionDriver`,
names its api module's login request and session reader, and makes every request
through ``self.session`` (a :class:`SessionProvider`)::

    class DevinoDriver(SessionDriver[DevinoSettings]):
        login_request = staticmethod(api.login_request)
        parse_login = staticmethod(api.parse_session)

        def balance(self) -> Balance:
            return self.session.call(api.balance_request, api.parse_balance,
                                     operation="balance")

``call`` gets the session id, has the driver build the request with it
(``build(session_id)``), makes it with :meth:`smsbridge.Driver.perform` and reads the
answer with ``parse``; an expired session is renewed and the request made once more.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Protocol, TypeVar, cast

from smsbridge.answers import Answer, Refine
from smsbridge.driver import Driver, SettingsT
from smsbridge.errors import ProviderError
from smsbridge.parsing import as_str
from smsbridge.redaction import Redactor
from smsbridge.transport import Request

__all__ = [
    "SESSION_LIFETIME",
    "SessionCache",
    "SessionDriver",
    "SessionProvider",
    "code_desc",
    "message_ids",
    "parse_dotnet_date",
    "read_code_desc",
    "session_expired",
    "session_id",
]

T = TypeVar("T")

#: Seconds a session id lives at the provider (both document 120 minutes).
SESSION_LIFETIME = 120 * 60
#: Renew this many seconds before the end of a session's life.
RENEWAL_MARGIN = 5 * 60

_DOTNET_DATE = re.compile(r"^\\?/Date\((-?\d+)([+-]\d{4})?\)\\?/$")
# DateTime.MinValue (0001-01-01) as .NET serializes it.
_DOTNET_MIN_VALUE_MS = -62135596800000
# What a session id looks like: 32 hex digits (Stream), 36 letters and digits (Devino).
_SESSION_ID = re.compile(r"^[A-Za-z0-9\-]{8,128}$")
# What a message id looks like: digits, sometimes dotted ("1.2").
_MESSAGE_ID = re.compile(r"^[\w.\-]{1,64}$")
# A bare error code: a body that is only a (quoted) small integer.
_BARE_CODE = re.compile(r"^-?\d{1,4}$")


# -- the session ---------------------------------------------------------------------


class SessionCache:
    """Holds one provider session id and renews it when needed.

    Log in lazily, reuse the id, renew it before its life ends and once more when the
    provider says it expired. Safe to share between threads: one login at a time.

    :param login: makes the login request and returns the new session id.
    :param lifetime: seconds a session id lives at the provider.
    :param margin: renew this many seconds before the end of its life.
    :param redactor: learns every new session id so logs and errors never show it.
    :param clock: monotonic seconds; injectable for tests (also as :attr:`clock`).
    """

    def __init__(
        self,
        login: Callable[[], str],
        *,
        lifetime: float = SESSION_LIFETIME,
        margin: float = RENEWAL_MARGIN,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._login = login
        self._lifetime = lifetime
        self._margin = margin
        self._redactor = redactor
        self.clock = clock
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
                    or self.clock() >= self._expires):
                started = self.clock()
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
    """True for the family's "session invalid or expired" answers.

    Code 3 says so; on a call made with a session, code 4 and HTTP 401 mean the same
    (the providers answer an expired session that way too). Wrong credentials at login
    are not passed through this check, so they fail at once instead of looping.
    """
    if not isinstance(exc, ProviderError):
        return False
    return exc.code in ("3", "4") or exc.http_status == 401


class SessionProvider:
    """Makes a family driver's requests with a cached session id.

    :param driver: the driver whose :meth:`~smsbridge.Driver.perform` makes requests.
    :param login_request: builds the login request (called at each login, so no
        object holding the password outlives it).
    :param parse_login: reads the session id from the login answer (see
        :func:`session_id`).
    :param clock: monotonic seconds, for the session's lifetime; injectable for tests.
    """

    def __init__(
        self,
        driver: Driver[Any],
        *,
        login_request: Callable[[], Request],
        parse_login: Callable[[Answer], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._driver = driver
        self._login_request = login_request
        self._parse_login = parse_login
        self.cache = SessionCache(self._login, redactor=driver.redactor, clock=clock)

    def __repr__(self) -> str:
        return f"<SessionProvider {self.cache!r}>"

    def _login(self) -> str:
        answer = self._driver.perform(self._login_request(), operation="login")
        return self._parse_login(answer)

    def call(self, build: Callable[[str], Request], parse: Callable[[Answer], T], *,
             operation: str, send: bool = False, idempotent: bool = True) -> T:
        """Make ``build(session_id)`` through the driver and read it with ``parse``.

        When the provider says the session expired (it refused the request, so nothing
        doubles), log in again and make the request once more.
        """

        def attempt(token: str) -> T:
            answer = self._driver.perform(build(token), operation=operation, send=send,
                                          idempotent=idempotent)
            return parse(answer)

        return self.cache.call(attempt, session_expired)


class _Credentials(Protocol):
    login: str
    password: str


class SessionDriver(Driver[SettingsT]):
    r"""The base of a family driver: it logs in with its settings' ``login`` and
    ``password`` and makes requests through ``self.session``.

    A subclass names what its api module provides (as ``staticmethod``\ s):
    ``login_request(login, password)``, the login :class:`Request`, and
    ``parse_login(answer)``, the session id read from its answer.
    """

    login_request: ClassVar[staticmethod[[str, str], Request]]
    parse_login: ClassVar[staticmethod[[Answer], str]]

    def __init__(self, settings: SettingsT, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.session = SessionProvider(self, login_request=self._login_request,
                                       parse_login=type(self).parse_login)

    def _login_request(self) -> Request:
        credentials = cast(_Credentials, self.settings)
        return type(self).login_request(credentials.login, credentials.password)


# -- reading answers -------------------------------------------------------------------


def code_desc(payload: Any) -> tuple[str, str | None] | None:
    """Read an error object of the family, ``{"Code": 4, "Desc": "..."}``.

    Keys are matched case-insensitively (``code``/``desc`` occur too). Returns
    ``(code, description)``, or None when ``payload`` is not such an object.
    """
    if not isinstance(payload, dict):
        return None
    lowered = {str(k).lower(): v for k, v in payload.items()}
    raw_code = lowered.get("code")
    if raw_code is None or isinstance(raw_code, (dict, list)):
        return None  # no code, or one no provider sends: not an error object we know
    code = as_str(raw_code)
    if code is None:
        return None
    desc = lowered.get("desc", lowered.get("description"))
    if isinstance(desc, (dict, list)):
        desc = None
    return code, (str(desc).strip()[:1000] if desc is not None else None)


def _bare_code(payload: Any, table: Mapping[Any, type[ProviderError]]) -> str | None:
    """The code of an error body that is only a code of ``table`` (``10``, ``"10"``)."""
    if isinstance(payload, bool) or not isinstance(payload, (int, str)):
        return None
    text = str(payload).strip()
    if not _BARE_CODE.match(text):
        return None
    return text if any(str(known) == text for known in table) else None


def read_code_desc(
    answer: Answer,
    table: Mapping[Any, type[ProviderError]],
    *,
    refine: Refine | None = None,
    repair: Callable[[str], Any] | None = None,
) -> Any:
    """The JSON payload of a family answer; a provider error raises its mapped error.

    An error object (``{"Code": 4, "Desc": "..."}``) raises the error its code maps to,
    whatever the HTTP status; so does an HTTP error whose body is only a code of
    ``table`` (``10`` or ``"10"``: the code, not a message id or a count). Any other
    HTTP error raises :meth:`Answer.http_error`. ``repair(text)`` may rescue a body that
    is not quite JSON (the providers' documents print some); it returns the payload, or
    None when it cannot.
    """
    payload = answer.json(repair)
    found = code_desc(payload)
    if found is not None:
        raise answer.error(table, found[0], found[1], refine=refine)
    if not answer.ok:
        code = _bare_code(payload, table)
        if code is not None:
            raise answer.error(table, code, refine=refine)
        raise answer.http_error()
    return payload


def session_id(answer: Answer, read: Callable[[Answer], Any]) -> str:
    """The session id of a login answer: a JSON string (bare, unquoted text tolerated).

    ``read`` reads the answer's payload and raises its errors (the driver's
    :func:`read_code_desc` with its login table).
    """
    text = answer.text.strip()
    if answer.ok and _SESSION_ID.match(text):
        return text  # a bare, unquoted id (read before any error could quote it)
    payload = read(answer)
    found = payload.strip() if isinstance(payload, str) else ""
    if not _SESSION_ID.match(found):
        raise answer.invalid("expected the session id as a JSON string")
    return found


def message_ids(answer: Answer, payload: Any) -> list[str]:
    """The message ids of a send answer: a JSON list of strings or bare numbers.

    Anything else is no proof that a message was accepted, not even a bare scalar with
    HTTP 200 (``"10"`` may be the code 10 "Flood SMS" as well as an id): it raises
    InvalidResponse, which a send reports as DeliveryUnknown.
    """
    if not isinstance(payload, list) or not payload:
        raise answer.invalid("expected a list of message ids")
    ids = []
    for item in payload:
        value = as_str(item) if isinstance(item, (str, int)) and not isinstance(
            item, bool) else None
        if value is None or not _MESSAGE_ID.match(value):
            raise answer.invalid(f"not a message id: {str(item)[:40]!r}")
        ids.append(value)
    return ids


def parse_dotnet_date(value: Any) -> datetime | None:
    """Read ``"/Date(1294045911213)/"`` (escaped or not, negative allowed) as UTC."""
    text = as_str(value)
    if text is None:
        return None
    match = _DOTNET_DATE.match(text)
    if not match:
        raise ValueError(f"not a /Date(ms)/ value: {value!r}")
    milliseconds = int(match.group(1))
    if milliseconds <= _DOTNET_MIN_VALUE_MS:
        return None  # .NET DateTime.MinValue: "no date"
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return epoch + timedelta(milliseconds=milliseconds)
