"""A provider's answer, and the one place answers become smsbridge errors.

The transport (:mod:`smsbridge.transport`) only moves bytes; a driver gets each answer
as an :class:`Answer` (from :meth:`smsbridge.Driver.perform`) and turns it into models,
or into errors through :meth:`Answer.error`, :meth:`Answer.http_error` and
:meth:`Answer.invalid`. Every such error carries the same fields (provider, operation,
HTTP status, the body with secrets masked); for a send, each goes through
:func:`~smsbridge.errors.settle_send_error`, so an answer that does not prove a refusal
is :class:`~smsbridge.errors.DeliveryUnknown`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from smsbridge import jsonutil
from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidResponse,
    NotFound,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    error_for,
    settle_send_error,
)
from smsbridge.redaction import Redactor
from smsbridge.transport import HttpResponse, retry_after

__all__ = ["SHAPE_ERRORS", "Answer", "Refine"]

#: What reading an unexpected payload shape raises; :meth:`Answer.reading` turns these
#: into InvalidResponse (ArithmeticError: decimal.InvalidOperation and friends).
SHAPE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)
#: ``refine(code, description)``: a more specific class for a code a table leaves generic.
Refine = Callable[[str | None, str | None], "type[ProviderError] | None"]
#: How much of a body an error keeps.
_BODY_KEPT = 500


@attrs.frozen(kw_only=True)
class Answer:
    """A provider's answer to one operation, read whole (within the size cap)."""

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
    #: True for a body the provider pushed to the application (no HTTP answer of ours).
    pushed: bool = False
    redactor: Redactor = attrs.field(repr=False, eq=False, factory=Redactor)

    @classmethod
    def of(cls, response: HttpResponse, *, provider: str, operation: str,
           is_send: bool = False, redactor: Redactor | None = None) -> Answer:
        """The answer to read from the bytes the transport brought back."""
        return cls(status_code=response.status_code, headers=response.headers,
                   content=response.content, url=response.url, provider=provider,
                   operation=operation, is_send=is_send, attempts=response.attempts,
                   maybe_accepted=response.maybe_accepted,
                   redactor=redactor if redactor is not None else Redactor())

    @classmethod
    def of_push(cls, body: bytes, *, provider: str,
                redactor: Redactor | None = None) -> Answer:
        """A report the provider pushed (``parse_callback``), to read like an answer: its
        errors name the provider and the operation and carry the body, no HTTP status."""
        return cls(status_code=200, headers={}, content=body, url="", provider=provider,
                   operation="parse_callback", pushed=True,
                   redactor=redactor if redactor is not None else Redactor())

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (the providers' documented encoding)."""
        return self.content.decode("utf-8", "replace")

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status_code < 300

    # -- reading ------------------------------------------------------------------

    def json(self, repair: Callable[[str], Any] | None = None) -> Any:
        """Parse the body as JSON; a non-JSON body raises a typed error keeping it.

        ``repair(text)`` may rescue a body that is not quite JSON (a provider's document
        prints some): it returns the payload, or None when it cannot.
        """
        try:
            return jsonutil.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            payload = repair(self.text) if repair is not None else None
            if payload is None:
                raise self.unreadable("the answer is not JSON") from exc
            return payload

    def xml(self, force_list: tuple[str, ...] = ()) -> dict[str, Any]:
        """Parse the body as XML with :func:`smsbridge.xmlutil.parse_xml`."""
        from smsbridge.xmlutil import parse_xml

        try:
            return parse_xml(self.content, force_list=force_list)
        except ValueError as exc:
            raise self.unreadable("the answer is not XML") from exc

    @contextlib.contextmanager
    def reading(self, what: str) -> Iterator[None]:
        """Turn any surprise while reading ``what`` from this answer into InvalidResponse.

        ::

            with answer.reading("the send answer"):
                ids = [str(item["id"]) for item in payload["result"]]
        """
        try:
            yield
        except SmsBridgeError:
            raise
        except SHAPE_ERRORS as exc:
            raise self.invalid(f"cannot read {what}: {type(exc).__name__}: {exc}") from exc

    # -- errors: the one builder ----------------------------------------------------

    def fields(self) -> dict[str, Any]:
        """The fields every error about this answer carries (the body's secrets masked)."""
        return {
            "provider": self.provider,
            "operation": self.operation,
            "http_status": None if self.pushed else self.status_code,
            "body": self.redactor.text(self.content)[:_BODY_KEPT] or None,
        }

    def settle(self, error: SmsBridgeError) -> SmsBridgeError:
        """The error this answer really proves, for a send (see :func:`settle_send_error`)."""
        if not self.is_send:
            return error
        return settle_send_error(error, maybe_accepted=self.maybe_accepted)

    def error(
        self,
        table: Mapping[Any, type[ProviderError]],
        code: str | int | None,
        description: str | None = None,
        *,
        refine: Refine | None = None,
        retry_after: float | None = None,
    ) -> SmsBridgeError:
        """The error a provider code in this answer maps to through ``table``.

        The description is masked (providers echo requests); ``refine(code, description)``
        may name a more specific class for a code the table leaves generic; ``retry_after``
        goes to a :class:`RateLimited`. For a send, the error goes through :meth:`settle`.
        """
        shown = self.redactor.text(description) if description is not None else None
        fields = self.fields()
        error = error_for(table, code, shown, retry_after=retry_after, **fields)
        if refine is not None and type(error) is ProviderError:
            better = refine(error.code, shown)
            if better is not None:
                error = better(shown, code=error.code, **fields)
        return self.settle(error)

    def http_error(self) -> SmsBridgeError:
        """The error for an HTTP failure whose body carries no provider error code.

        For a send it goes through :meth:`settle`: a 5xx is ``DeliveryUnknown``.
        """
        status = self.status_code
        fields = self.fields()
        error: SmsBridgeError
        if status in (401, 403):
            error = AuthError("access denied", code=None, **fields)
        elif status == 402:
            error = InsufficientFunds("payment required", **fields)
        elif status == 404:
            # The provider's own "not found" carries a code in its body; a bare 404 is
            # most often a wrong base_url or path.
            where = self.redactor.text(self.url.split("?", 1)[0])
            error = NotFound(f"endpoint not found: {where} (check base_url)", **fields)
        elif status == 429:
            error = RateLimited("too many requests", retry_after=retry_after(self.headers),
                                **fields)
        elif status >= 400:
            error = ProviderError(f"HTTP {status}", **fields)
        else:
            error = self.invalid("unexpected answer")
        return self.settle(error)

    def invalid(self, reason: str) -> InvalidResponse:
        """An :class:`InvalidResponse` for this answer, with the body (secrets masked)."""
        status = "" if self.pushed else f" (HTTP {self.status_code})"
        return InvalidResponse(
            f"{self.provider}/{self.operation}: {reason}{status}",
            body=self.redactor.text(self.content) or repr(self.content[:_BODY_KEPT]),
            provider=self.provider,
            operation=self.operation,
            http_status=None if self.pushed else self.status_code,
        )

    def unreadable(self, reason: str) -> SmsBridgeError:
        """The error for a body that cannot be understood.

        An HTTP error status explains more than a parse failure, so it wins.
        """
        if not self.ok:
            return self.http_error()
        return self.invalid(reason)
