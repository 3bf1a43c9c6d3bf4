"""Reading Nikita's answers to a send: acceptance, refused numbers, repeated ids.

A ``message`` answer is for the whole request (one id, up to 50 phones). When it
accepts fewer numbers than were sent, or refuses the id as a repeat (status 10), the
numbers the id holds (``dr`` without a phone, read by :func:`parse_held`) tell which
recipients the provider took.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import DuplicateMessage, InvalidRecipient, SmsBridgeError
from smsbridge.models import Message, SentMessage
from smsbridge.parsing import as_int, as_str
from smsbridge_nikita.api import make_message_id, read_status, refusal
from smsbridge_nikita.errors import (
    DR_DESCRIPTIONS,
    DR_ERRORS,
    DR_NOT_FOUND,
    PROVIDER_ERRORS,
    SEND_DESCRIPTIONS,
    STATUS_DUPLICATE,
    STATUS_OK,
    STATUS_TEST_MODE,
)
from smsbridge_nikita.settings import NikitaSettings

__all__ = ["accepted_earlier", "named_refusals", "parse_held", "parse_sent", "send_error"]

logger = logging.getLogger("smsbridge.nikita")

_PROVIDER = "nikita"


def _recognized(answer: Answer, root: Mapping[str, Any]) -> tuple[int | None, str | None]:
    with answer.reading("the answer"):
        return as_int(root.get("phones")), as_str(root.get("message"))


def named_refusals(answer: Answer, root: Mapping[str, Any],
                   messages: Sequence[Message]) -> set[str] | None:
    """The numbers of ``messages`` an accepting answer says the provider did not take.

    ``phones`` counts the numbers the provider recognized. When it is short, the
    optional ``message`` may name the missing numbers; None means the answer does not
    say which ones are missing (ask ``dr`` for the numbers the id holds).
    """
    recognized, note = _recognized(answer, root)
    if recognized is None or recognized >= len(messages):
        return set()
    mentioned = set(re.findall(r"[0-9]{7,15}", note or ""))
    named = {m.to for m in messages if m.to in mentioned}
    if named and len(named) == len(messages) - recognized:
        return named
    return None


def parse_sent(answer: Answer, root: Mapping[str, Any], messages: Sequence[Message],
               request_id: str, held: Collection[str] | None = None) -> list[SentMessage]:
    """One SentMessage per recipient of an accepted ``message`` request.

    Recipients the provider did not take (named by the answer, see
    :func:`named_refusals`, or missing from ``held``, the numbers ``dr`` lists for the
    id) get an :class:`InvalidRecipient` error.
    """
    with answer.reading("the answer"):
        parts = as_int(root.get("smscnt")) or None
        answered_id = as_str(root.get("id"))
    _, note = _recognized(answer, root)
    if answered_id is not None and answered_id != request_id:
        logger.warning("nikita answered for id %r to a request with id %r", answered_id,
                       request_id)
    if held is not None:
        refused = {m.to for m in messages} - set(held)
        note = note or "the provider did not recognize this number (dr does not list it)"
    else:
        refused = named_refusals(answer, root, messages) or set()
    results = []
    for message in messages:
        if message.to in refused:
            # A refusal of one recipient, not of the send: it is never settled.
            error = InvalidRecipient(answer.redactor.text(note), **answer.fields())
            results.append(SentMessage(recipient=message.to, message_id=None, error=error,
                                       provider=_PROVIDER, reference=message.reference,
                                       raw=dict(root)))
            continue
        results.append(SentMessage(
            recipient=message.to, message_id=make_message_id(request_id, message.to),
            parts=parts, provider=_PROVIDER, reference=message.reference, raw=dict(root),
        ))
    return results


def parse_held(answer: Answer, *, certain: bool) -> list[str]:
    """The numbers a ``dr`` answer for a whole id lists.

    "No report for this id" (status 4) is an empty list when ``certain`` (no earlier
    request of ours can have been taken); otherwise it is an error like any other.
    """
    code, root = read_status(answer, force_list=("phone",))
    if code == DR_NOT_FOUND and certain:
        return []
    if code != STATUS_OK:
        raise refusal(answer, root, code, DR_ERRORS, DR_DESCRIPTIONS)
    with answer.reading("the answer"):
        numbers = []
        for entry in root.get("phone") or []:
            number = as_str(entry.get("number")) if isinstance(entry, dict) else None
            if number is None:
                raise ValueError("a <phone> report has no <number>")
            numbers.append(number.lstrip("+"))
    return numbers


def accepted_earlier(answer: Answer, root: Mapping[str, Any],
                     messages: Sequence[Message], request_id: str,
                     held: Collection[str]) -> list[SentMessage]:
    """The result of a request the provider already holds under ``request_id``.

    ``held`` are the numbers ``dr`` lists for the id. They must be numbers of this
    request (fewer when the earlier request had numbers the provider did not take);
    otherwise the id belongs to another send and :class:`DuplicateMessage` says so.
    """
    ours = {m.to for m in messages}
    foreign = set(held) - ours
    if not held or foreign:
        what = (f"to {len(foreign)} other number(s)" if foreign
                else "that the provider has no report for")
        # Not settled: the id is someone else's, so no attempt of ours was taken.
        raise DuplicateMessage(
            f"nikita id {request_id!r} was already used for a send {what}; this send "
            "was blocked (status 10) and nothing was sent: give it another reference",
            code=STATUS_DUPLICATE, **answer.fields())
    logger.info("nikita request %s was accepted earlier; returning that acceptance",
                request_id)
    return parse_sent(answer, root, messages, request_id, held)


def send_error(answer: Answer, root: Mapping[str, Any], code: int,
               settings: NikitaSettings) -> SmsBridgeError:
    """The error for a ``message`` answer that neither accepts nor is repeated."""
    if code == STATUS_TEST_MODE:
        return answer.error(PROVIDER_ERRORS, code,
                            "the provider answered in test mode (status 11) although the "
                            "'test' setting is off; nothing was sent")
    return refusal(answer, root, code, PROVIDER_ERRORS, SEND_DESCRIPTIONS,
                   retry_after=settings.busy_delay_max)
