"""HTTP for drivers: one session per client, explicit timeouts, careful retries.

The rule that keeps messages from being lost or doubled: a request is repeated only
when repeating it is harmless. Reads are repeated after connection failures,
timeouts, 429 and 5xx answers. A send is repeated only when the provider
deduplicates by our id (``idempotent=True``); any other send is repeated only when
the connection failed before a byte was written, and otherwise raises
:class:`~smsbridge.errors.DeliveryUnknown`.
"""

from __future__ import annotations

import contextlib
import email.utils
import json as jsonlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge import jsonutil
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidResponse,
    NotFound,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    TransportError,
    error_for,
)
from smsbridge.redaction import Redactor

if TYPE_CHECKING:
    import requests

__all__ = ["SHAPE_ERRORS", "HttpResponse", "RetryPolicy", "Transport", "http_error",
           "make_user_agent", "read_code_desc"]

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 5 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: What reading an unexpected payload shape raises; :meth:`HttpResponse.reading` turns
#: these into InvalidResponse (ArithmeticError: decimal.InvalidOperation and friends).
SHAPE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)
# Statuses after which a send may have been accepted upstream of a proxy.
_UNCERTAIN_STATUSES = frozenset({502, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``jitter`` and ``sleep`` are injectable for tests."""

    retries: int = 2
    backoff: float = 0.5
    max_delay: float = 30.0
    jitter: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, eq=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        base = self.backoff * (2 ** (attempt - 1))
        return float(min(base * (0.5 + self.jitter()), self.max_delay))


@attrs.frozen(kw_only=True)
class HttpResponse:
    """A provider's answer, read whole (within the size cap)."""

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    url: str = attrs.field(repr=False)
    provider: str
    operation: str
    is_send: bool = False
    #: How many times the request was made; above 1 a deduplicating provider may answer
    #: "duplicate" for a message whose first answer was lost.
    attempts: int = 1
    #: True when an earlier attempt of this send may have been accepted (its answer was
    #: lost or came from a gateway): an error answer now does not prove a refusal.
    maybe_accepted: bool = False
    redactor: Redactor = attrs.field(repr=False, eq=False, factory=Redactor)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (the providers' documented encoding)."""
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """Parse the body as JSON; a non-JSON body raises a typed error keeping it."""
        try:
            return jsonutil.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.unreadable("the answer is not JSON") from exc

    def xml(self, force_list: tuple[str, ...] = ()) -> dict[str, Any]:
        """Parse the body as XML with :func:`smsbridge.xmlutil.parse_xml`."""
        from smsbridge.xmlutil import parse_xml

        try:
            return parse_xml(self.content, force_list=force_list)
        except ValueError as exc:
            raise self.unreadable("the answer is not XML") from exc

    def unreadable(self, reason: str) -> SmsBridgeError:
        """The error for a body that cannot be understood.

        An HTTP error status explains more than a parse failure, so it wins.
        """
        if not self.ok:
            return http_error(self)
        return self.invalid(reason)

    @contextlib.contextmanager
    def reading(self, what: str) -> Iterator[None]:
        """Turn any surprise while reading ``what`` from this answer into InvalidResponse.

        ::

            with response.reading("the send answer"):
                ids = [str(item["id"]) for item in payload["result"]]
        """
        try:
            yield
        except SmsBridgeError:
            raise
        except SHAPE_ERRORS as exc:
            raise self.invalid(f"cannot read {what}: {type(exc).__name__}: {exc}") from exc

    def provider_error(
        self,
        table: Mapping[Any, type[ProviderError]],
        code: str | int | None,
        description: str | None = None,
        *,
        refine: Callable[[str | None, str | None], type[ProviderError] | None] | None = None,
    ) -> ProviderError:
        """The error a provider code in this answer maps to through ``table``.

        The description is masked (providers echo requests); ``refine(code, description)``
        may name a more specific class for a code the table leaves generic.
        """
        shown = self.redactor.text(description) if description is not None else None
        fields: dict[str, Any] = {
            "provider": self.provider,
            "operation": self.operation,
            "http_status": self.status_code,
            "body": self.redactor.text(self.content)[:500] or None,
        }
        error = error_for(table, code, shown, **fields)
        if refine is not None and type(error) is ProviderError:
            better = refine(error.code, shown)
            if better is not None:
                return better(shown, code=error.code, **fields)
        return error

    def invalid(self, reason: str) -> InvalidResponse:
        """An :class:`InvalidResponse` for this answer, with the body (secrets masked)."""
        return InvalidResponse(
            f"{self.provider}/{self.operation}: {reason} (HTTP {self.status_code})",
            body=self.redactor.text(self.content),
            provider=self.provider,
            operation=self.operation,
            http_status=self.status_code,
        )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date); None when the
    header is absent or unreadable (NaN, infinity, garbage)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000": UTC without a claim about the local zone
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return seconds if math.isfinite(seconds) else None


def http_error(response: HttpResponse) -> SmsBridgeError:
    """The error for an HTTP failure whose body carries no provider error code."""
    status = response.status_code
    body = response.redactor.text(response.content)[:500] or None
    common: dict[str, Any] = {
        "provider": response.provider,
        "http_status": status,
        "operation": response.operation,
        "body": body,
    }
    if response.is_send and (status in _UNCERTAIN_STATUSES or response.maybe_accepted):
        return DeliveryUnknown(
            f"{response.provider}/{response.operation}: HTTP {status} from a gateway; the "
            "message may have been accepted, check its status before sending again",
            provider=response.provider,
            operation=response.operation,
        )
    if status in (401, 403):
        return AuthError("access denied", code=None, **common)
    if status == 402:
        return InsufficientFunds("payment required", **common)
    if status == 404:
        return NotFound("not found", **common)
    if status == 429:
        return RateLimited("too many requests", retry_after=_retry_after(response.headers),
                           **common)
    if status >= 400:
        return ProviderError(f"HTTP {status}", **common)
    return response.invalid("unexpected answer")


def _connect_failure(exc: BaseException) -> bool:
    """True when the request failed before anything was written to the socket."""
    import requests
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError,
                        requests.exceptions.ProxyError)):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError)):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((a for a in args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return False


def make_user_agent(driver: str, driver_version: str | None = None) -> str:
    """The User-Agent naming smsbridge and the driver with versions."""
    import requests

    from smsbridge import __version__

    agent = f"smsbridge/{__version__}"
    if driver:
        agent += f" smsbridge-{driver}/{driver_version or __version__}"
    return f"{agent} python-requests/{requests.__version__}"


class Transport:
    """One HTTP session for one client, bound to a provider's base URL."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        redactor: Redactor | None = None,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        import requests

        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
        self.retry = retry or RetryPolicy()
        self.redactor = redactor or Redactor()
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent or make_user_agent(provider)
        self.max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"<Transport {self.provider} {self.redactor.text(self.base_url)}>"

    def url(self, path: str) -> str:
        """Join ``path`` to the base URL; absolute URLs pass through."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session:
            self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        send: bool = False,
        idempotent: bool = True,
    ) -> HttpResponse:
        """Make a request, retrying only where that cannot double a message.

        :param operation: the smsbridge operation, for errors and logs.
        :param send: True when the request creates messages (or HLR requests).
        :param idempotent: False when repeating the request would repeat its effect.
        :returns: the answer whatever its HTTP status; drivers read the body's own error
            code first (see :meth:`HttpResponse.unreadable`).
        :raises DeliveryUnknown: a send failed after it may have been received.
        :raises TransportError: any other network failure.
        """
        import requests

        url = self.url(path)
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, params)
        shown = self.redactor.text(prepared.url)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s %s", method, shown, self._describe_body(data, json))
        attempt = 0
        maybe_accepted = False  # an earlier attempt of this send may have been accepted
        while True:
            attempt += 1
            started = time.monotonic()
            failure: TransportError | None = None
            try:
                raw = self.session.request(
                    method, url, params=params, data=data, json=json, files=files,
                    headers=headers, timeout=self.timeout, stream=True,
                )
                response = self._read(raw, operation, send, attempt)
            except requests.RequestException as exc:
                before_sending = _connect_failure(exc)
                maybe_accepted = maybe_accepted or (send and not before_sending)
                if (idempotent or before_sending) and attempt <= self.retry.retries:
                    self._pause(attempt, None, f"{type(exc).__name__}", method, shown)
                    continue
                failure = self._failure(exc, operation, maybe_accepted)
            if failure is not None:
                # Raised outside the handler: requests' exception (its URL may carry a
                # password or a session id) must not stay attached as the context.
                raise failure
            elapsed = (time.monotonic() - started) * 1000
            logger.debug("%s %s -> %s (%.0f ms)", method, shown, response.status_code, elapsed)
            if (
                response.status_code in RETRY_STATUSES
                and idempotent
                and attempt <= self.retry.retries
            ):
                maybe_accepted = maybe_accepted or (
                    send and response.status_code in _UNCERTAIN_STATUSES)
                wait = _retry_after(response.headers)
                self._pause(attempt, wait, f"HTTP {response.status_code}", method, shown)
                continue
            if maybe_accepted:
                return attrs.evolve(response, maybe_accepted=True)
            return response

    def _failure(self, exc: Exception, operation: str, maybe_accepted: bool) -> TransportError:
        """The error for a request that failed in the network, its text redacted."""
        reason = self.redactor.text(str(exc))
        if maybe_accepted:
            return DeliveryUnknown(
                f"{self.provider}/{operation}: {type(exc).__name__} after the request "
                f"may have reached the provider; not repeated, check the status "
                f"before sending again ({reason})",
                provider=self.provider, operation=operation,
            )
        return TransportError(
            f"{self.provider}/{operation}: {type(exc).__name__}: {reason}",
            provider=self.provider, operation=operation,
        )

    def _describe_body(self, data: Any, json: Any) -> str:
        """The request body for a DEBUG line, secrets masked."""
        if json is not None:
            body = json if not isinstance(json, Mapping) else self.redactor.mapping(json)
            return "json=" + self.redactor.text(jsonlib.dumps(body, ensure_ascii=False,
                                                              default=str))
        if isinstance(data, Mapping):
            return f"form={self.redactor.mapping(data)}"
        if isinstance(data, (bytes, str)):
            return "body=" + self.redactor.text(data)
        return ""

    def _pause(self, attempt: int, retry_after: float | None, why: str, method: str,
               url: str) -> None:
        delay = self.retry.delay(attempt, retry_after)
        logger.warning("%s %s failed (%s); retry %d of %d in %.2f s", method, url, why,
                       attempt, self.retry.retries, delay)
        self.retry.sleep(delay)

    def _read(self, raw: requests.Response, operation: str, send: bool,
              attempt: int) -> HttpResponse:
        try:
            chunks = []
            size = 0
            for chunk in raw.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise InvalidResponse(
                        f"{self.provider}/{operation}: the answer exceeds "
                        f"{self.max_response_bytes} bytes",
                        provider=self.provider, operation=operation,
                        http_status=raw.status_code,
                    )
                chunks.append(chunk)
        finally:
            raw.close()
        return HttpResponse(
            status_code=raw.status_code,
            headers=dict(raw.headers),
            content=b"".join(chunks),
            url=raw.url or "",
            provider=self.provider,
            operation=operation,
            is_send=send,
            attempts=attempt,
            redactor=self.redactor,
        )


def read_code_desc(
    response: HttpResponse,
    table: Mapping[Any, type[ProviderError]],
    *,
    refine: Callable[[str | None, str | None], type[ProviderError] | None] | None = None,
    repair: Callable[[str], Any] | None = None,
) -> Any:
    """The JSON payload of a Devino/Stream-family answer.

    An error object (``{"Code": 4, "Desc": "..."}``) raises the error its code maps to,
    whatever the HTTP status; an HTTP error without one raises :func:`http_error`.
    ``repair(text)`` may rescue a body that is not quite JSON (the providers' documents
    print some); it returns the payload, or None when it cannot.
    """
    from smsbridge.parsing import code_desc

    try:
        payload = response.json()
    except SmsBridgeError:
        payload = repair(response.text) if repair is not None else None
        if payload is None:
            raise
    found = code_desc(payload)
    if found is not None:
        raise response.provider_error(table, found[0], found[1], refine=refine)
    if not response.ok:
        raise http_error(response)
    return payload
