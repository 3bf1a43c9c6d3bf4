"""Removing secrets from anything that is logged or put into an exception.

Two nets: known secret values (the settings' secrets and live session ids, also in
their URL-encoded forms) are replaced wherever they appear, and values of fields
whose names say "secret" are masked in query strings, form bodies, JSON and XML.
"""

from __future__ import annotations

import logging
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "SECRET_KEYS", "THIRD_PARTY_LOGGERS", "RedactingFilter", "Redactor",
           "install_log_filter", "mask_fields", "redact_everywhere"]

MASK = "***"

#: Field names whose values are always masked (compared case-insensitively).
SECRET_KEYS = frozenset(
    {
        "password",
        "pwd",
        "passwd",
        "pass",
        "token",
        "api_key",
        "apikey",
        "x-api-key",
        "sessionid",
        "session_id",
        "secret",
        "authorization",
        "auth",
    }
)

_KEYS = "|".join(sorted((re.escape(k) for k in SECRET_KEYS), key=len, reverse=True))
_QUERY = re.compile(rf"(?i)(?<![\w-])({_KEYS})=([^&\s#\"']*)")
_JSON = re.compile(rf"(?i)(\"(?:{_KEYS})\"\s*:\s*)(\"(?:[^\"\\]|\\.)*\"|[^,}}\s]+)")
_XML = re.compile(rf"(?i)<((?:\w+:)?(?:{_KEYS}))(\s[^>]*)?>([^<]*)</\1>")
# Header lines ("X-API-KEY: ...", "Authorization: Bearer ..."), not prose such as
# "password: use the environment".
_HEADER = re.compile(r"(?im)^(\s*(?:x-api-key|authorization|api[-_]?key|token):[ \t]*)(.+)$")
# A cheap test before the field-name rules: most texts name no secret field at all.
_ANY_KEY = re.compile(rf"(?i){_KEYS}")


def mask_fields(text: str) -> str:
    """``text`` with the values of secret-named fields masked (query strings, form
    bodies, JSON, XML and header lines)."""
    if not _ANY_KEY.search(text):
        return text
    text = _QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _JSON.sub(lambda m: f'{m.group(1)}"{MASK}"', text)
    text = _XML.sub(lambda m: f"<{m.group(1)}{m.group(2) or ''}>{MASK}</{m.group(1)}>", text)
    return _HEADER.sub(lambda m: f"{m.group(1)}{MASK}", text)


class Redactor:
    """Masks secrets in strings and mappings; thread-safe, secrets can be added later."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()
        self.add(*secrets)
        with _LIVE_LOCK:
            _LIVE.add(self)
        install_log_filter()

    def add(self, *secrets: str) -> None:
        """Remember more secret values (a session id that just arrived, say)."""
        forms = set(self._values)
        for value in secrets:
            if value and len(value) >= 3:
                forms.update({value, quote(value, safe=""), quote_plus(value),
                              quote(value, safe="!~*'()"), quote_plus(value, safe="!~*'()")})
        with self._lock:
            # Longest first so a secret that contains another is masked whole.
            self._values = tuple(sorted(forms, key=len, reverse=True))

    def text(self, value: str | bytes | None) -> str:
        """Return ``value`` as text with every secret masked."""
        if value is None:
            return ""
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        return mask_fields(self.mask_values(text))

    def mask_values(self, text: str) -> str:
        """``text`` with the secret values this redactor knows masked."""
        for secret in self._values:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def mapping(self, values: Mapping[str, Any] | None) -> dict[str, Any]:
        """Return a copy of ``values`` with secret fields and secret values masked."""
        if not values:
            return {}
        masked: dict[str, Any] = {}
        for key, value in values.items():
            if str(key).lower() in SECRET_KEYS:
                masked[key] = MASK
            elif isinstance(value, Mapping):
                masked[key] = self.mapping(value)
            elif isinstance(value, str):
                masked[key] = self.text(value)
            else:
                masked[key] = value
        return masked


# Every redactor alive in the process: the log filter masks what any of them knows.
_LIVE: weakref.WeakSet[Redactor] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()

#: Loggers smsbridge's requests go through: urllib3 logs request lines with their query
#: strings at DEBUG (a Devino login carries the password there, Phoenix its token).
THIRD_PARTY_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
)


def redact_everywhere(text: str) -> str:
    """``text`` with the secrets of every live client and every secret field masked."""
    with _LIVE_LOCK:
        redactors = list(_LIVE)
    for redactor in redactors:
        text = redactor.mask_values(text)
    return mask_fields(text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a log record's message before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to logging
            return True
        masked = redact_everywhere(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = RedactingFilter()


def install_log_filter() -> None:
    """Put :class:`RedactingFilter` on the third-party loggers (once; cheap to repeat)."""
    for name in THIRD_PARTY_LOGGERS:
        log = logging.getLogger(name)
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
