"""KetchUp ids and references: message ids, and the one ``provider_reference`` mapping."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from smsbridge.errors import ValidationError
from smsbridge.ids import fit_reference, new_reference, path_segment
from smsbridge.models import Message

__all__ = [
    "PROVIDER",
    "REFERENCE_LENGTH",
    "MessageId",
    "hlr_references",
    "message_references",
    "parse_message_id",
    "provider_reference",
]

PROVIDER = "ketchup"
REFERENCE_LENGTH = 32

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class MessageId:
    """What a driver message id names: a channel and a provider id or our reference.

    SMS ids are the provider's id as it is (``"22125"``); Viber ids carry the channel
    (``"viber:22125"``) so the status lookup asks the right module; an id the
    provider did not give back (a repeated send it answered "exists") is the reference
    (``"ref:order42"``, ``"viber:ref:order42"``).
    """

    __slots__ = ("channel", "reference", "value")

    def __init__(self, channel: str, value: str, *, reference: bool = False) -> None:
        self.channel = channel
        self.value = value
        self.reference = reference

    def __str__(self) -> str:
        prefix = "" if self.channel == "sms" else f"{self.channel}:"
        return f"{prefix}{'ref:' if self.reference else ''}{self.value}"

    @property
    def path(self) -> str:
        """The status URL path of this id (a reference mapped as sends map it)."""
        if self.reference:
            return f"{self.channel}/reference/{provider_reference(self.value)}"
        return f"{self.channel}/{self.value}"


def provider_reference(reference: str, recipient: str | None = None) -> str:
    """The reference KetchUp holds for our ``reference``: at most 32 letters and digits.

    Sends, status and HLR lookups all map references through here, so a lookup by the
    caller's own reference (``"ext_id_16"``) finds what a send with it created. A
    reference shared by several recipients of one request is made per recipient
    (``recipient`` given), from the reference and the number.
    """
    if recipient is not None:
        reference = f"{reference}#{recipient}"
    return fit_reference(reference, REFERENCE_LENGTH)


def parse_message_id(message_id: str, *, hlr: bool = False) -> MessageId:
    """Read an id ``send()`` (or ``hlr()``) returned; ValidationError otherwise."""
    text = message_id.strip()
    channel = "hlr" if hlr else "sms"
    if not hlr and text.startswith("viber:"):
        channel, text = "viber", text[len("viber:"):]
    reference = text.startswith("ref:")
    if reference:
        text = text[len("ref:"):]
    if not _ID.match(text):
        raise ValidationError(f"not a KetchUp {channel} id: {message_id!r}", field="message_id")
    path_segment(text, field="message_id", what=f"a KetchUp {channel} id")
    return MessageId(channel, text, reference=reference)


def message_references(messages: Sequence[Message]) -> list[str]:
    """One provider reference per message, the same on every retry of this chunk.

    A reference used by one message is kept (fitted to 32 letters and digits); one
    shared by several (``send()`` to many numbers) is derived per recipient from the
    reference and the number, so retries and repeated chunks reuse it; none gives a
    random reference.
    """
    return _references((m.reference, m.to) for m in messages)


def hlr_references(msisdns: Sequence[str], reference: str | None) -> list[str]:
    """One provider reference per HLR request, made from ``reference`` as for messages."""
    return _references((reference, msisdn) for msisdn in msisdns)


def _references(requests: Iterable[tuple[str | None, str]]) -> list[str]:
    """The references of ``(reference, recipient)`` pairs (see :func:`message_references`)."""
    pairs = list(requests)
    counts = Counter(ref for ref, _ in pairs if ref is not None)
    seen: Counter[tuple[str, str]] = Counter()
    out: list[str] = []
    for ref, to in pairs:
        if ref is None:
            out.append(new_reference(REFERENCE_LENGTH))
        elif counts[ref] == 1:
            out.append(provider_reference(ref))
        else:
            occurrence = seen[(ref, to)]
            seen[(ref, to)] += 1
            suffix = f"#{occurrence}" if occurrence else ""
            out.append(provider_reference(ref, f"{to}{suffix}"))
    return out
