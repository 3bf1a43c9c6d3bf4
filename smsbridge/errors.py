"""The one tree of smsbridge exceptions.

Every exception carries structured fields, a readable message and a repr that
never contains a secret: bodies are redacted by the transport before they get here.
"""

from __future__ import annotations

from typing import Any

from smsbridge.redaction import redact_everywhere

__all__ = [
    "AuthError",
    "ConfigError",
    "DeliveryUnknown",
    "DriverError",
    "DriverNotFound",
    "DuplicateMessage",
    "InsufficientFunds",
    "InvalidRecipient",
    "InvalidResponse",
    "InvalidSender",
    "NotFound",
    "NotSupported",
    "ProviderError",
    "RateLimited",
    "SmsBridgeError",
    "TransportError",
    "ValidationError",
    "WaitTimeout",
    "error_for",
    "settle_send_error",
]

_BODY_PREVIEW = 500


class SmsBridgeError(Exception):
    """Base of every error smsbridge raises.

    :ivar retry_safe: True when repeating the same call (same arguments, same
        ``reference``) cannot make a recipient receive a message twice. It says a repeat
        is harmless, not that it will succeed: a refused password is refused again.
    :ivar partial: for a send split into several requests, the
        :class:`~smsbridge.models.SendResult` of what the provider accepted before this
        error (so a retry sends only the rest); None for errors of other operations.
    :ivar unknown: the :class:`~smsbridge.models.Message` objects whose outcome is
        unknown (the chunk in flight when the error struck); empty otherwise. Recipients
        in neither ``partial`` nor ``unknown`` were never attempted.
    """

    #: Errors raised before anything could reach a provider are harmless to repeat.
    retry_safe: bool = True
    partial: Any = None
    unknown: tuple[Any, ...] = ()

    def __init__(self, message: str) -> None:
        # The last net: whatever reached the message, no live client's secret stays in it.
        message = redact_everywhere(message)
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(SmsBridgeError):
    """Settings are missing, unknown or malformed."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


#: The drivers smsbridge's repository publishes, by name: the only names worth a
#: ``pip install`` hint (suggesting any other would invite typosquatting).
BUNDLED_DRIVERS = {
    "devino": "smsbridge-devino",
    "ketchup": "smsbridge-ketchup",
    "nikita": "smsbridge-nikita",
    "phoenix": "smsbridge-phoenix",
    "stream": "smsbridge-stream",
}


class DriverNotFound(ConfigError):
    """No installed driver has this name.

    :ivar suggestion: the installed or bundled driver the name probably meant, or None.
    """

    def __init__(self, name: str, installed: list[str]) -> None:
        listed = ", ".join(sorted(installed)) or "none"
        self.name = name
        self.installed = sorted(installed)
        self.suggestion = _closest_driver(name, installed)
        if name in BUNDLED_DRIVERS:
            hint = (f"install it with: pip install {BUNDLED_DRIVERS[name]} (from a clone of "
                    f"the repository: pip install ./smsbridge_{name})")
        elif self.suggestion in installed:
            hint = f"did you mean {self.suggestion!r}?"
        elif self.suggestion is not None:
            hint = (f"did you mean {self.suggestion!r}? (install it with: "
                    f"pip install {BUNDLED_DRIVERS[self.suggestion]}, or from a clone of the "
                    f"repository: pip install ./smsbridge_{self.suggestion})")
        else:
            hint = ("check the spelling; a third-party driver is installed from its "
                    "author's package")
        super().__init__(f"no smsbridge driver named {name!r} is installed: {hint} "
                         f"(installed drivers: {listed})", key="driver")


def _closest_driver(name: str, installed: list[str]) -> str | None:
    import difflib

    candidates = sorted(set(installed) | set(BUNDLED_DRIVERS))
    found = difflib.get_close_matches(name.lower(), [c for c in candidates if c != name],
                                      n=1, cutoff=0.6)
    return found[0] if found else None


class DriverError(SmsBridgeError):
    """A driver broke its contract (for example returned None); a bug in the driver."""


class NotSupported(SmsBridgeError):
    """The driver does not offer this operation."""

    def __init__(self, operation: str, driver: str) -> None:
        super().__init__(f"driver {driver!r} does not support {operation}()")
        self.operation = operation
        self.driver = driver


class ValidationError(SmsBridgeError, ValueError):
    """Input was rejected before any network I/O."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TransportError(SmsBridgeError):
    """The network failed: nothing usable came back."""

    def __init__(
        self, message: str, *, provider: str | None = None, operation: str | None = None
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.operation = operation


class DeliveryUnknown(TransportError):
    """A send may or may not have reached the provider; it was not repeated.

    Check the message's status (or the provider's report) before sending again. It is
    ``retry_safe`` only on a provider that deduplicates by an id smsbridge sends, when
    the caller gave the ``reference`` (a repeat then reuses the same provider ids).
    """

    retry_safe = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        http_status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, operation=operation)
        self.http_status = http_status
        #: The answer that left the outcome unknown (secrets masked), if one came.
        self.body = body

    @classmethod
    def after(cls, error: SmsBridgeError, why: str) -> DeliveryUnknown:
        """The DeliveryUnknown that ``error``, raised by a send, really means."""
        provider = getattr(error, "provider", None)
        operation = getattr(error, "operation", None) or "send"
        unknown = cls(
            f"{error.message} -- the message may have been accepted ({why}); it was not "
            "repeated: check its status before sending again",
            provider=provider, operation=operation,
            http_status=getattr(error, "http_status", None), body=getattr(error, "body", None),
        )
        unknown.__cause__ = error
        return unknown


class WaitTimeout(SmsBridgeError, TimeoutError):
    """Some messages were not final when :meth:`~smsbridge.Client.wait` gave up.

    :ivar reports: the last :class:`~smsbridge.models.StatusReport` of every id, by id.
    :ivar pending: the ids whose state was not final yet, in the order given.
    """

    #: Waiting only reads; waiting again sends nothing.
    retry_safe = True

    def __init__(self, message: str, *, reports: dict[str, Any], pending: list[str]) -> None:
        super().__init__(message)
        self.reports = reports
        self.pending = pending


class InvalidResponse(SmsBridgeError):
    """The provider's answer could not be understood; ``body`` keeps it."""

    def __init__(
        self,
        message: str,
        *,
        body: str | bytes | None = None,
        provider: str | None = None,
        operation: str | None = None,
        http_status: int | None = None,
    ) -> None:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        text = redact_everywhere(text) if text else text
        if text:
            preview = text if len(text) <= _BODY_PREVIEW else text[:_BODY_PREVIEW] + "..."
            message = f"{message}; body: {preview!r}"
        super().__init__(message)
        self.body = text
        self.provider = provider
        self.operation = operation
        self.http_status = http_status


class ProviderError(SmsBridgeError):
    """The provider answered with an error code."""

    def __init__(
        self,
        description: str | None = None,
        *,
        provider: str | None = None,
        code: str | int | None = None,
        http_status: int | None = None,
        operation: str | None = None,
        body: Any = None,
    ) -> None:
        self.provider = provider
        self.code = None if code is None else str(code)
        self.description = redact_everywhere(description) if description else description
        self.http_status = http_status
        self.operation = operation
        self.body = body
        parts = [p for p in (provider, operation) if p]
        where = "/".join(parts)
        head = f"{where}: " if where else ""
        code_part = f"[{self.code}] " if self.code is not None else ""
        http_part = f" (HTTP {http_status})" if http_status else ""
        super().__init__(f"{head}{code_part}{self.description or 'provider error'}{http_part}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider!r}, code={self.code!r}, "
            f"description={self.description!r}, http_status={self.http_status!r})"
        )


class AuthError(ProviderError):
    """Credentials, token, session or source address were refused."""


class InsufficientFunds(ProviderError):
    """The account cannot pay for the operation."""


class InvalidRecipient(ProviderError):
    """The provider refused the phone number."""


class InvalidSender(ProviderError):
    """The provider refused the sender name."""


class DuplicateMessage(ProviderError):
    """The provider already has a message with this id/reference."""


class NotFound(ProviderError):
    """The message, request or report does not exist."""


class RateLimited(ProviderError):
    """Too many requests: slow down and try again later."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


def error_for(
    table: Any,
    code: str | int | None,
    description: str | None = None,
    *,
    retry_after: float | None = None,
    **fields: Any,
) -> ProviderError:
    """Build the error a provider code maps to through a driver's table.

    ``table`` maps codes (ints or strings, compared as text) to error classes; a code
    it does not list gives a plain :class:`ProviderError`. ``fields`` are the
    :class:`ProviderError` keyword fields (provider, operation, http_status, body);
    ``retry_after`` goes to a :class:`RateLimited`.
    """
    key = None if code is None else str(code).strip()
    error_class: type[ProviderError] = ProviderError
    for known, candidate in table.items():
        if str(known) == key:
            error_class = candidate
            break
    if issubclass(error_class, RateLimited):
        return error_class(description, code=key, retry_after=retry_after, **fields)
    return error_class(description, code=key, **fields)


def settle_send_error(error: SmsBridgeError, *, maybe_accepted: bool = False) -> SmsBridgeError:
    """What an error raised by a send really proves: a refusal, or DeliveryUnknown.

    The one decision behind "no SMS lost or doubled": a send's error proves nothing was
    accepted only when its answer was readable, names a specific refusal (or is not an
    HTTP 5xx), and no earlier attempt of the same send may have been accepted
    (``maybe_accepted``). Anything else may hide an accepted message.
    """
    if isinstance(error, DeliveryUnknown):
        return error
    if maybe_accepted:
        why = "an earlier attempt of this send got no readable answer"
    elif isinstance(error, InvalidResponse):
        why = "its answer could not be read"
    elif (type(error) is ProviderError and error.http_status is not None
            and error.http_status >= 500):
        why = f"the provider answered HTTP {error.http_status} without a refusal"
    else:
        return error
    return DeliveryUnknown.after(error, why)
