"""Ids we give providers that deduplicate (Nikita ``id``, KetchUp ``reference``).

A retried chunk must carry the same id as its first attempt, so ids derived from a
caller's reference are deterministic; only a send without a reference gets a random id.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = ["chunk_reference", "fit_reference", "new_reference"]

_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_reference(length: int) -> str:
    """A random id of ``length`` lowercase letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


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
