"""The ``audit`` plugin: one JSON line per operation, without secrets.

::

    sms = smsbridge.connect("nikita", ..., plugins=["audit"],
                            plugin_options={"audit": {"path": "/var/log/sms-audit.jsonl"}})

Each line has the keys ``ts`` (UTC, ISO 8601), ``operation``, ``provider``,
``recipients`` (a count, or null), ``message_ids``, ``outcome`` (``ok``/``error``),
``error_type``, ``error_code``, ``http_status`` and ``duration_ms``. A send adds
``channel``, ``reference``, ``parts``, ``accepted``, ``refused`` and ``accepted_by``
(the providers that took the messages, which a failover client spreads). Phone numbers
are written only with ``include_numbers=True`` and message texts only with
``include_text=True``. Error messages are never written (provider answers may quote
numbers or texts); their type, code and HTTP status are.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

from smsbridge.converter import error_fields, to_data
from smsbridge.errors import ConfigError
from smsbridge.hookspecs import hookimpl
from smsbridge.parsing import parse_bool

if TYPE_CHECKING:
    from smsbridge.driver import Driver
    from smsbridge.models import Message, SentMessage

__all__ = ["AuditPlugin"]

logger = logging.getLogger(__name__)

#: Where lines go when neither ``path`` nor ``stream`` is given.
AUDIT_LOGGER = "smsbridge.audit"

_Gen = Generator[None, Any, Any]


def _flag(name: str, value: object) -> bool:
    try:
        return parse_bool(value)
    except ValueError:
        raise ConfigError(f"audit option {name!r} must be a boolean, got {value!r}",
                          key=name) from None


class AuditPlugin:
    """Append one JSON line per operation to a file, a stream or the ``smsbridge.audit`` log.

    :param driver: the client's driver (given by ``connect``); its redactor masks any
        secret that would reach a line.
    :param path: a file to append lines to (opened for each line, so rotation is safe).
    :param stream: a text stream to write lines to instead.
    :param include_text: write message texts (``texts``, distinct texts of a send).
    :param include_numbers: write phone numbers (``numbers``) instead of counts only.

    Appends are serialized by a lock. A failure to write is logged, never raised: the
    operation itself has already happened, and an error would invite a repeated send.
    """

    def __init__(
        self,
        driver: Driver[Any] | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        stream: IO[str] | None = None,
        include_text: bool = False,
        include_numbers: bool = False,
        **unknown: Any,
    ) -> None:
        if unknown:
            raise ConfigError(
                f"unknown audit option(s) {', '.join(sorted(map(repr, unknown)))}; valid "
                "options: include_numbers, include_text, path, stream", key="plugins")
        if path is not None and stream is not None:
            raise ConfigError("give the audit plugin a path or a stream, not both",
                              key="plugins")
        self.driver = driver
        self.path = os.fspath(path) if path is not None else None
        self.stream = stream
        self.include_text = _flag("include_text", include_text)
        self.include_numbers = _flag("include_numbers", include_numbers)
        #: Monotonic seconds, for durations.
        self.timer: Callable[[], float] = time.perf_counter
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = self.path or ("stream" if self.stream is not None else AUDIT_LOGGER)
        return f"<AuditPlugin {where}>"

    # -- writing ----------------------------------------------------------------------

    def _write(self, record: Mapping[str, Any]) -> None:
        # default=str: a value no converter hook knows is written as text, not lost.
        line = json.dumps(to_data(record), ensure_ascii=False, separators=(",", ":"),
                          default=str)
        if self.driver is not None:
            line = self.driver.redactor.text(line)
        with self._lock:
            if self.path is not None:
                with open(self.path, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            elif self.stream is not None:
                self.stream.write(line + "\n")
                self.stream.flush()
            else:
                logging.getLogger(AUDIT_LOGGER).info("%s", line)

    def _audit(self, operation: str, details: Callable[[Any], dict[str, Any]],
               base: dict[str, Any]) -> _Gen:
        """Time the wrapped call and write its line, passing result or error through."""
        started_at = datetime.now(timezone.utc)
        started = self.timer()
        try:
            result = yield
        except Exception as exc:
            self._record(operation, started_at, started, base, exc=exc)
            raise
        extra: dict[str, Any] = {}
        try:
            extra = details(result)
        except Exception:
            logger.exception("audit: could not describe the result of %s()", operation)
        self._record(operation, started_at, started, {**base, **extra})
        return result

    def _record(self, operation: str, started_at: datetime, started: float,
                fields: Mapping[str, Any], exc: BaseException | None = None) -> None:
        try:
            error = error_fields(exc) if exc is not None else {}
            record: dict[str, Any] = {
                "ts": started_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "operation": operation,
                "provider": self.driver.name if self.driver is not None else None,
                "recipients": None,
                "message_ids": [],
                "outcome": "ok" if exc is None else "error",
                # Never the message: a provider's answer may quote numbers or texts.
                "error_type": error.get("type"),
                "error_code": error.get("code"),
                "http_status": error.get("http_status"),
                "duration_ms": round((self.timer() - started) * 1000, 3),
            }
            record.update(fields)
            self._write(record)
        except Exception:
            # The operation already happened; losing a line beats failing the caller.
            logger.exception("audit: could not write the line for %s()", operation)

    # -- hooks ------------------------------------------------------------------------

    def _send_fields(self, messages: Sequence[Message]) -> dict[str, Any]:
        first = messages[0] if messages else None
        fields: dict[str, Any] = {
            "recipients": len(messages),
            "channel": first.channel if first else None,
            "reference": first.reference if first else None,
        }
        if self.include_numbers:
            fields["numbers"] = [m.to for m in messages]
        if self.include_text:
            fields["texts"] = list(dict.fromkeys(m.text for m in messages))
        return fields

    @staticmethod
    def _sent_fields(result: Sequence[SentMessage]) -> dict[str, Any]:
        return {
            "message_ids": [s.message_id for s in result],
            "parts": sum(s.parts or 0 for s in result),
            "accepted": sum(1 for s in result if s.ok),
            "refused": sum(1 for s in result if not s.ok),
            "accepted_by": sorted({s.provider for s in result if s.ok and s.provider}),
        }

    @hookimpl(wrapper=True)
    def send(self, messages: Sequence[Message]) -> _Gen:
        """Audit a send of one chunk."""
        base = self._send_fields(messages)
        base.update(message_ids=[], parts=None, accepted=0, refused=0, accepted_by=[])
        return (yield from self._audit("send", self._sent_fields, base))

    @hookimpl(wrapper=True)
    def status(self, message_id: str) -> _Gen:
        """Audit a status query."""
        return (yield from self._audit(
            "status", lambda r: {"state": r.state}, {"message_ids": [message_id]}))

    @hookimpl(wrapper=True)
    def balance(self) -> _Gen:
        """Audit a balance query."""
        return (yield from self._audit("balance", lambda r: {}, {}))

    @hookimpl(wrapper=True)
    def prices(self) -> _Gen:
        """Audit a price list query."""
        return (yield from self._audit("prices", lambda r: {"items": len(r)}, {}))

    @hookimpl(wrapper=True)
    def hlr(self, msisdns: Sequence[str]) -> _Gen:
        """Audit the creation of HLR requests."""
        base: dict[str, Any] = {"recipients": len(msisdns)}
        if self.include_numbers:
            base["numbers"] = list(msisdns)
        return (yield from self._audit(
            "hlr", lambda r: {"message_ids": [h.id for h in r]}, base))

    @hookimpl(wrapper=True)
    def hlr_result(self, hlr_id: str) -> _Gen:
        """Audit an HLR result query."""
        return (yield from self._audit(
            "hlr_result", lambda r: {"state": r.status}, {"message_ids": [hlr_id]}))

    @hookimpl(wrapper=True)
    def lookup(self, msisdn: str) -> _Gen:
        """Audit a number lookup."""
        base: dict[str, Any] = {"recipients": 1}
        if self.include_numbers:
            base["numbers"] = [msisdn]
        return (yield from self._audit("lookup", lambda r: {}, base))

    @hookimpl(wrapper=True)
    def report(self) -> _Gen:
        """Audit a statistics query."""
        return (yield from self._audit("report", lambda r: {}, {}))

    @hookimpl(wrapper=True)
    def inbox(self) -> _Gen:
        """Audit an inbox query."""
        return (yield from self._audit("inbox", lambda r: {"items": len(r)}, {}))

    @hookimpl(wrapper=True)
    def parse_callback(self) -> _Gen:
        """Audit the parsing of a provider's push."""
        return (yield from self._audit("parse_callback", lambda r: {"items": len(r)}, {}))
