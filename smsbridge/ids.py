"""Ids we give providers that deduplicate (Nikita ``id``, KetchUp ``reference``).

A retried chunk must carry the same id as its first attempt, so ids derived from a
caller's reference are deterministic; only a send without a reference gets a random id.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from smsbridge.errors import ValidationError

__all__ = ["MAX_SEGMENT_LENGTH", "chunk_reference", "fit_reference", "new_reference",
           "path_segment"]

#: Longest id that goes into a URL path.
MAX_SEGMENT_LENGTH = 128
# Unreserved URL characters (RFC 3986) only: nothing to escape, nothing that changes
# the path ("/", "?", "#", "%").
_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-~]+$")

_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# Random bytes map to the alphabet by ``byte % 36``; the four bytes from 252 up would
# favour "0".."3", so they are dropped (rejection sampling keeps every character equally
# likely). One bytes.translate replaces a secrets.choice call per character.
_KEPT = 256 - 256 % len(_ALPHABET)
_BYTE_TO_CHAR = bytes(ord(_ALPHABET[b % len(_ALPHABET)]) if b < _KEPT else 0
                      for b in range(256))
_DROPPED = bytes(range(_KEPT, 256))


def new_reference(length: int) -> str:
    """A random id of ``length`` lowercase letters and digits."""
    out = b""
    while len(out) < length:
        # A few spare bytes make a second draw (after dropped bytes) rare.
        out += secrets.token_bytes(length - len(out) + 8).translate(_BYTE_TO_CHAR, _DROPPED)
    return out[:length].decode("ascii")


def chunk_reference(reference: str | None, index: int) -> str | None:
    """The reference of chunk ``index`` of a send: the caller's own for the first."""
    if reference is None or index == 0:
        return reference
    return f"{reference}#{index}"


def fit_reference(reference: str | None, max_length: int) -> str:
    """Turn a reference into a provider id of at most ``max_length`` letters and digits.

    A usable reference is kept as it is; any other is hashed, so the same reference
    always gives the same id (a retried send is recognized as a repeat); None gives a
    random id.
    """
    if reference is None:
        return new_reference(max_length)
    if len(reference) <= max_length and _ALNUM.match(reference):
        return reference
    digest = int.from_bytes(hashlib.sha256(reference.encode("utf-8")).digest(), "big")
    out: list[str] = []
    while len(out) < max_length:
        digest, rest = divmod(digest, len(_ALPHABET))
        out.append(_ALPHABET[rest])
    return "".join(out)


def path_segment(value: object, *, field: str, what: str) -> str:
    """``value`` checked for use as one segment of a URL path, as it is.

    An id a caller passes (or a provider sends) must name one resource: ``.`` and ``..``
    would climb the path (``status("..")`` reaching the module's root with the API key),
    and ``/``, ``?``, ``#``, ``%``, spaces or control characters would change the request.

    :param field: the argument name for the :class:`ValidationError`.
    :param what: what the id is, for the message (``"a KetchUp sms id"``).
    :raises ValidationError: when ``value`` is not such a segment.
    """
    if (not isinstance(value, str) or not value or len(value) > MAX_SEGMENT_LENGTH
            or value in (".", "..") or not _SEGMENT.match(value)):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise ValidationError(f"not {what}: {shown}", field=field)
    return value
