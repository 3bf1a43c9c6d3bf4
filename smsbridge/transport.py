"""HTTP for drivers: one session per client, explicit timeouts, careful retries.

The rule that keeps messages from being lost or doubled: a request is repeated only
when repeating it is harmless. Reads are repeated after connection failures,
timeouts, 429 and 5xx answers. A send is repeated only when the provider
deduplicates by our id (``idempotent=True``); any other send is repeated only when
the connection failed before a byte was written, and otherwise raises
:class:`~smsbridge.errors.DeliveryUnknown`.

An answer to a send proves a refusal only when nothing leaves doubt: an unreadable
answer, an HTTP 5xx without a specific refusal in its body, and any error answer to
the repeat of an attempt that may have been accepted are
:class:`~smsbridge.errors.DeliveryUnknown` (:meth:`HttpResponse.settle`).
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
    settle_send_error,
)
from smsbridge.redaction import Redactor

if TYPE_CHECKING:
    import requests

__all__ = ["SHAPE_ERRORS", "HttpResponse", "RetryPolicy", "Transport", "http_error",
           "make_user_agent", "read_code_desc"]

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 5 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_SIZE = 64 * 1024
#: What reading an unexpected payload shape raises; :meth:`HttpResponse.reading` turns
#: these into InvalidResponse (ArithmeticError: decimal.InvalidOperation and friends).
SHAPE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


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

    def settle(self, error: SmsBridgeError) -> SmsBridgeError:
        """The error this answer really proves, for a send (see :func:`settle_send_error`)."""
        if not self.is_send:
            return error
        return settle_send_error(error, maybe_accepted=self.maybe_accepted)

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
    ) -> SmsBridgeError:
        """The error a provider code in this answer maps to through ``table``.

        The description is masked (providers echo requests); ``refine(code, description)``
        may name a more specific class for a code the table leaves generic. For a send,
        the error goes through :meth:`settle`.
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
                error = better(shown, code=error.code, **fields)
        return self.settle(error)

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
    """The error for an HTTP failure whose body carries no provider error code.

    For a send it goes through :meth:`HttpResponse.settle`: a 5xx is
    :class:`DeliveryUnknown`.
    """
    status = response.status_code
    body = response.redactor.text(response.content)[:500] or None
    common: dict[str, Any] = {
        "provider": response.provider,
        "http_status": status,
        "operation": response.operation,
        "body": body,
    }
    error: SmsBridgeError
    if status in (401, 403):
        error = AuthError("access denied", code=None, **common)
    elif status == 402:
        error = InsufficientFunds("payment required", **common)
    elif status == 404:
        # The provider's own "not found" carries a code in its body; a bare 404 is most
        # often a wrong base_url or path.
        where = response.redactor.text(response.url.split("?", 1)[0])
        error = NotFound(f"endpoint not found: {where} (check base_url)", **common)
    elif status == 429:
        error = RateLimited("too many requests", retry_after=_retry_after(response.headers),
                            **common)
    elif status >= 400:
        error = ProviderError(f"HTTP {status}", **common)
    else:
        error = response.invalid("unexpected answer")
    return response.settle(error)


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
        deadline: float | None = None,
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
        #: The most one attempt may take, connecting and reading the whole answer.
        self.deadline = deadline if deadline is not None else connect_timeout + timeout
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
                response = self._read(raw, operation, send, attempt, started + self.deadline)
            except requests.RequestException as exc:
                before_sending = _connect_failure(exc)
                maybe_accepted = maybe_accepted or (send and not before_sending)
                if (idempotent or before_sending) and attempt <= self.retry.retries:
                    self._pause(attempt, None, f"{type(exc).__name__}", method, shown)
                    continue
                failure = self._failure(exc, operation, maybe_accepted, before_sending)
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
                # Any 5xx may come after the provider took the message.
                maybe_accepted = maybe_accepted or (send and response.status_code >= 500)
                wait = _retry_after(response.headers)
                self._pause(attempt, wait, f"HTTP {response.status_code}", method, shown)
                continue
            if maybe_accepted:
                return attrs.evolve(response, maybe_accepted=True)
            return response

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

    def _read(self, raw: requests.Response, operation: str, send: bool,
              attempt: int, deadline: float) -> HttpResponse:
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
