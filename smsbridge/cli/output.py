"""Printing for the command line: human text or one JSON document, secrets masked."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

from smsbridge.converter import data_converter, error_fields
from smsbridge.errors import (
    ConfigError,
    DeliveryUnknown,
    NotSupported,
    ProviderError,
    SmsBridgeError,
    TransportError,
    ValidationError,
)
from smsbridge.redaction import Redactor

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "Output",
    "UsageError",
    "describe_error",
    "error_document",
    "exit_code_for",
    "jsonable",
]

#: Everything worked.
EXIT_OK = 0
#: Some recipients failed, the provider refused the request, or its answer was unusable.
EXIT_FAILED = 1
#: Bad usage, configuration or input; an operation the driver does not offer.
EXIT_USAGE = 2
#: The network failed; for a send, delivery is unknown.
EXIT_TRANSPORT = 3
#: ``status --wait`` gave up before every message reached a final state.
EXIT_TIMEOUT = 4
#: Interrupted with Ctrl-C.
EXIT_INTERRUPTED = 130

#: Said after every DeliveryUnknown: the one thing the user must not do.
DO_NOT_RESEND = (
    "the message may or may not have reached the provider: do not resend blindly; "
    "check with 'smsbridge status ID' or the provider's report first"
)


class UsageError(Exception):
    """A command line the CLI cannot act on (a missing file, a naive time, ...)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def exit_code_for(exc: BaseException) -> int:
    """The exit code an error ends the command with."""
    if isinstance(exc, UsageError):
        return exc.exit_code
    if isinstance(exc, TransportError):
        return EXIT_TRANSPORT
    if isinstance(exc, (ConfigError, ValidationError, NotSupported)):
        return EXIT_USAGE
    return EXIT_FAILED


def describe_error(exc: BaseException) -> str:
    """One line naming the error's type, provider, code and description."""
    return " ".join(_describe(exc).splitlines())


def _describe(exc: BaseException) -> str:
    name = "UsageError" if isinstance(exc, UsageError) else type(exc).__name__
    if isinstance(exc, ProviderError):
        context = [part for part in ("/".join(p for p in (exc.provider, exc.operation) if p),
                                     f"code {exc.code}" if exc.code is not None else "",
                                     f"HTTP {exc.http_status}" if exc.http_status else "")
                   if part]
        where = f" ({', '.join(context)})" if context else ""
        return f"{name}{where}: {exc.description or 'provider error'}"
    message = exc.message if isinstance(exc, (SmsBridgeError, UsageError)) else str(exc)
    if isinstance(exc, DeliveryUnknown):
        return f"{name}: {message} -- {DO_NOT_RESEND}"
    return f"{name}: {message}"


def error_document(exc: BaseException) -> dict[str, Any]:
    """The JSON form of an error: its fields, with the one-line description as message."""
    return {**error_fields(exc), "message": describe_error(exc)}


@cache
def _converter() -> cattrs.Converter:
    converter = data_converter().copy()
    converter.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, BaseException), error_document)
    return converter


def jsonable(value: Any) -> Any:
    """Turn models and plain values into JSON-ready data, through the core's converter.

    Money becomes a string (no float rounding), datetimes ISO 8601 with their offset,
    enums their value, errors :func:`error_document`; ``raw`` payloads are left out.
    """
    return _converter().unstructure(value)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Serialize models and plain values as JSON."""
    # default=str: a value no hook knows (a driver's own type in options) is shown as text.
    return json.dumps(jsonable(value), indent=indent, ensure_ascii=False, default=str)


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> list[str]:
    """Left-aligned columns, two spaces apart."""
    all_rows = [list(header)] + [list(r) for r in rows] if header else [list(r) for r in rows]
    if not all_rows:
        return []
    widths = [max(len(row[i]) if i < len(row) else 0 for row in all_rows)
              for i in range(max(len(r) for r in all_rows))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
            for row in all_rows]


def show(value: Any) -> str:
    """A value for human output: '-' for None, money as written."""
    if value is None:
        return "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class Output:
    """Where a command writes: stdout for results, stderr for errors and progress.

    Everything written passes through the redactors, so a secret that reached a
    message (a provider echoing a password, say) is still masked.
    """

    def __init__(self, *, json_mode: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.json_mode = json_mode
        self.stdout = stdout
        self.stderr = stderr
        self._redactors = [Redactor()]

    def remember(self, *secrets: str) -> None:
        """Mask these values wherever they would be printed."""
        self._redactors[0].add(*secrets)

    def add_redactor(self, redactor: Redactor) -> None:
        """Mask what ``redactor`` masks too (a driver's, which learns session ids)."""
        self._redactors.append(redactor)

    def redact(self, text: str) -> str:
        """Mask every known secret in ``text``."""
        for redactor in self._redactors:
            text = redactor.text(text)
        return text

    def write(self, text: str) -> None:
        """Write ``text`` to stdout as it is (after masking)."""
        self.stdout.write(self.redact(text))

    def line(self, text: str = "") -> None:
        """Write one line to stdout."""
        self.write(text + "\n")

    def lines(self, lines: Iterable[str]) -> None:
        """Write lines to stdout."""
        for text in lines:
            self.line(text)

    def note(self, text: str) -> None:
        """Write one line to stderr (progress notes, warnings)."""
        self.stderr.write(self.redact(text) + "\n")

    def flush(self) -> None:
        """Flush both streams (a long-running command prints before it waits)."""
        self.stdout.flush()
        self.stderr.flush()

    def document(self, command: str, ok: bool, **fields: Any) -> None:
        """Write the command's one JSON document: ``{"command", "ok", ...fields}``.

        Models, money, times and errors among ``fields`` go through :func:`jsonable`.
        """
        self.line(dumps({"command": command, "ok": ok, **fields}))

    def error(self, command: str | None, exc: BaseException) -> int:
        """Report an error that ended the command; return the exit code."""
        code = exit_code_for(exc)
        self.note(f"smsbridge: error: {describe_error(exc)}")
        if self.json_mode:
            self.document(command or "", False, error=exc, exit_code=code)
        return code
