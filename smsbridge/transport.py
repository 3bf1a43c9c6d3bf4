"""HTTP for drivers: it only moves bytes.

One session per client, explicit timeouts, a deadline per attempt, a size cap, redacted
logs, and one retry decision (:func:`should_retry`). What an answer means is decided one
layer up (:class:`smsbridge.answers.Answer`); here, only network failures become errors
(:class:`~smsbridge.errors.TransportError`, or
:class:`~smsbridge.errors.DeliveryUnknown` for a send that may have been received).

The rule that keeps messages from being lost or doubled: a request is repeated only
when repeating it is harmless. Reads are repeated after connection failures,
timeouts, 429 and 5xx answers. A send is repeated only when the provider
deduplicates by our id (``idempotent=True``); any other send is repeated only when
the connection failed before a byte was written.
"""

from __future__ import annotations

import json as jsonlib
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.errors import DeliveryUnknown, InvalidResponse, TransportError
from smsbridge.redaction import Redactor

if TYPE_CHECKING:
    import requests

__all__ = ["HttpResponse", "Request", "RetryPolicy", "Transport", "retry_after",
           "should_retry"]

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 5 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_SIZE = 64 * 1024


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
class Request:
    """One HTTP request as a driver's ``api`` module builds it (no I/O).

    ``path`` is joined to the base URL; ``params`` go in the query string; at most one
    of ``data`` (form fields or bytes), ``json`` and ``files`` (multipart) is the body.
    """

    method: str
    path: str
    # Bodies, queries and headers carry passwords, keys and session ids: never in a repr.
    params: Mapping[str, Any] | list[tuple[str, Any]] | None = attrs.field(default=None,
                                                                           repr=False)
    data: Any = attrs.field(default=None, repr=False)
    json: Any = attrs.field(default=None, repr=False)
    files: Any = attrs.field(default=None, repr=False)
    headers: Mapping[str, str] | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class HttpResponse:
    """The bytes of an answer, read whole (within the size cap)."""

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)
    url: str = attrs.field(repr=False)
    #: How many times the request was made.
    attempts: int = 1
    #: True when an earlier attempt of this send may have been accepted (its answer was
    #: lost, or was a 5xx from a gateway).
    maybe_accepted: bool = False


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a ``Retry-After`` header asks for (a number or an HTTP date); None when the
    header is absent or unreadable (NaN, infinity, garbage)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only for this rare form: it costs a cold start 10 ms

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000": UTC without a claim about the local zone
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return seconds if math.isfinite(seconds) else None


def should_retry(*, attempt: int, retries: int, idempotent: bool, status: int | None = None,
                 before_sending: bool = False) -> bool:
    """Whether to repeat a request after attempt number ``attempt`` (1-based) failed.

    ``status`` is the answer's HTTP status, or None when the network failed (then
    ``before_sending`` says whether nothing was written). A request is repeated only
    when that cannot repeat its effect: it is idempotent, or nothing left the process.
    """
    if attempt > retries:
        return False
    if status is not None:
        return idempotent and status in RETRY_STATUSES
    return idempotent or before_sending


def _connect_failure(exc: BaseException) -> bool:
    """True when the request failed before anything was written to the socket."""
    import requests
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError,
                        requests.exceptions.ProxyError,
                        # Refused while preparing the request: nothing left the process.
                        requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                        requests.exceptions.InvalidJSONError)):
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


class Transport:
    """One HTTP session for one client, bound to a provider's base URL."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
        redactor: Redactor | None = None,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        pool_size: int = 10,
    ) -> None:
        import requests
        import requests.adapters

        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, timeout)
        #: The most one attempt may take, connecting and reading the whole answer.
        self.deadline = deadline if deadline is not None else connect_timeout + timeout
        self.retry = retry or RetryPolicy()
        self.redactor = redactor or Redactor()
        self._owns_session = session is None
        self.session = session or requests.Session()
        if user_agent:
            self.session.headers["User-Agent"] = user_agent
        self.max_response_bytes = max_response_bytes
        #: Proxies for the base URL's host, read from the environment once (None: a
        #: session the caller gave, which keeps reading it per request as requests does).
        self._proxies: dict[str, str] | None = None
        self._pool_size = pool_size
        if self._owns_session:
            self._settle_environment(requests, pool_size)

    def _settle_environment(self, requests: Any, pool_size: int) -> None:
        """Read the proxy and CA-bundle environment once, as it is now.

        requests reads ``HTTP(S)_PROXY``, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` again on
        every request, which costs more than the rest of a call; a client honours them as
        they were when it was made. (``.netrc`` credentials are not used.)
        """
        import os

        self.session.trust_env = False
        self._proxies = self._environ_proxies(self.base_url)
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.session.verify = bundle
        self._mount(pool_size)

    def _mount(self, pool_size: int) -> None:
        import requests.adapters

        for prefix in ("https://", "http://"):
            self.session.mount(prefix, requests.adapters.HTTPAdapter(
                pool_connections=1, pool_maxsize=pool_size))

    def grow_pool(self, pool_size: int) -> None:
        """Keep up to ``pool_size`` connections for reuse (a session the caller gave is
        left as it is)."""
        if self._owns_session and pool_size > self._pool_size:
            # Requests in flight finish on the old adapters' connections.
            self._pool_size = pool_size
            self._mount(pool_size)

    @staticmethod
    def _environ_proxies(url: str) -> dict[str, str]:
        import requests.utils

        return dict(requests.utils.get_environ_proxies(url, no_proxy=None))

    def _proxies_for(self, url: str) -> dict[str, str] | None:
        if self._proxies is None or not url.startswith(self.base_url):
            # A caller's session, or another host (a report file's own URL): ask as
            # requests would.
            return None if self._proxies is None else self._environ_proxies(url)
        return self._proxies

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
        :returns: the answer whatever its HTTP status (drivers read it as an
            :class:`~smsbridge.answers.Answer`).
        :raises DeliveryUnknown: a send failed after it may have been received.
        :raises TransportError: any other network failure.
        """
        import requests

        url = self.url(path)
        proxies = self._proxies_for(url)
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug("%s %s %s", method, self._shown(url, params),
                         self._describe_body(data, json))
        attempt = 0
        maybe_accepted = False  # an earlier attempt of this send may have been accepted
        while True:
            attempt += 1
            started = time.monotonic()
            failure: TransportError | None = None
            try:
                raw = self.session.request(
                    method, url, params=params, data=data, json=json, files=files,
                    headers=headers, timeout=self.timeout, stream=True, proxies=proxies,
                )
                response = self._read(raw, operation, attempt, started + self.deadline)
            except requests.RequestException as exc:
                before_sending = _connect_failure(exc)
                maybe_accepted = maybe_accepted or (send and not before_sending)
                if should_retry(attempt=attempt, retries=self.retry.retries,
                                idempotent=idempotent, before_sending=before_sending):
                    self._pause(attempt, None, f"{type(exc).__name__}", method,
                                self._shown(url, params))
                    continue
                failure = self._failure(exc, operation, maybe_accepted, before_sending)
            if failure is not None:
                # Raised outside the handler: requests' exception (its URL may carry a
                # password or a session id) must not stay attached as the context.
                raise failure
            if debug:
                elapsed = (time.monotonic() - started) * 1000
                logger.debug("%s %s -> %s (%.0f ms)", method, self._shown(url, params),
                             response.status_code, elapsed)
            if should_retry(attempt=attempt, retries=self.retry.retries,
                            idempotent=idempotent, status=response.status_code):
                # Any 5xx may come after the provider took the message.
                maybe_accepted = maybe_accepted or (send and response.status_code >= 500)
                wait = retry_after(response.headers)
                self._pause(attempt, wait, f"HTTP {response.status_code}", method,
                            self._shown(url, params))
                continue
            if maybe_accepted:
                return attrs.evolve(response, maybe_accepted=True)
            return response

    def _shown(self, url: str, params: Any) -> str:
        """The URL with its query, secrets masked: made only when a line is logged."""
        import requests

        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, params)
        return self.redactor.text(prepared.url or url)

    def _failure(self, exc: Exception, operation: str, maybe_accepted: bool,
                 before_sending: bool) -> TransportError:
        """The error for a request that failed in the network, its text redacted."""
        reason = self.redactor.text(str(exc))
        if maybe_accepted:
            return DeliveryUnknown(
                f"{self.provider}/{operation}: {type(exc).__name__} after the request "
                f"may have reached the provider; not repeated, check the status "
                f"before sending again ({reason})",
                provider=self.provider, operation=operation,
            )
        if before_sending:
            host = self.redactor.text(self.base_url)
            reason = f"cannot reach {host}: check base_url and the network ({reason})"
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

    def _read(self, raw: requests.Response, operation: str, attempt: int,
              deadline: float) -> HttpResponse:
        """Read the whole answer within the size cap and the deadline."""
        import requests
        from urllib3.exceptions import HTTPError as Urllib3Error
        from urllib3.exceptions import ReadTimeoutError

        # read1 returns what has arrived, so a trickling server meets the deadline check.
        read = getattr(raw.raw, "read1", None)
        chunks = (iter(lambda: read(_READ_SIZE, decode_content=True), b"")
                  if read is not None else raw.iter_content(_READ_SIZE))
        try:
            parts = []
            size = 0
            for chunk in chunks:
                size += len(chunk)
                if size > self.max_response_bytes:
                    # For a send, the client reads this as DeliveryUnknown (settle_send_error).
                    raise InvalidResponse(
                        f"{self.provider}/{operation}: the answer exceeds "
                        f"{self.max_response_bytes} bytes",
                        provider=self.provider, operation=operation,
                        http_status=raw.status_code,
                    )
                parts.append(chunk)
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout(
                        f"the answer took longer than the {self.deadline:g} s deadline")
        except requests.RequestException:
            raise
        except ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc) from exc
        except (OSError, Urllib3Error) as exc:
            # urllib3's own read errors (protocol, decoding) arrive unwrapped from read1.
            raise requests.exceptions.ConnectionError(exc) from exc
        finally:
            raw.close()
        return HttpResponse(
            status_code=raw.status_code,
            headers=dict(raw.headers),
            content=b"".join(parts),
            url=raw.url or "",
            attempts=attempt,
        )
