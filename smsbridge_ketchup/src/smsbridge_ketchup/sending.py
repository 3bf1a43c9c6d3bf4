"""Sending KetchUp SMS and Viber messages (``{sms,viber}/create``): requests, answers and
what a chunk's requests add up to. Pure: the driver makes the requests."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import DeliveryUnknown, DuplicateMessage, ProviderError, SmsBridgeError
from smsbridge.models import Message, SendResult, SentMessage
from smsbridge.parsing import as_str, parse_decimal
from smsbridge.text import segments
from smsbridge.transport import Request
from smsbridge_ketchup.bodies import api_request, sms_body, tariff_of, viber_body
from smsbridge_ketchup.errors import refusal
from smsbridge_ketchup.parsing import (
    _field,
    _flat,
    _items,
    _match,
    _outer,
    _text,
    is_duplicate,
    item_error,
    payload,
    whole_error,
)
from smsbridge_ketchup.references import PROVIDER, MessageId
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import validity_hours, validity_seconds

__all__ = [
    "Outcome",
    "create_request",
    "existing_request",
    "existing_result",
    "group_key",
    "kept",
    "parse_create",
    "parse_existing",
    "send_groups",
    "unknown_existing",
]


def group_key(message: Message, settings: KetchupSettings) -> tuple[Any, ...]:
    """What messages sharing one request must share: validity, tariff (and SMS send time)."""
    if message.channel == "sms":
        return (validity_hours(message.validity), tariff_of(message.options, settings),
                message.send_at)
    return (validity_seconds(message.validity), tariff_of(message.options, settings))


def send_groups(messages: Sequence[Message],
                settings: KetchupSettings) -> list[tuple[str, list[int]]]:
    """The requests a chunk needs: ``(channel, indices of its messages)``, channel by channel."""
    by_channel: dict[str, dict[tuple[Any, ...], list[int]]] = {}
    for index, message in enumerate(messages):
        groups = by_channel.setdefault(message.channel, {})
        groups.setdefault(group_key(message, settings), []).append(index)
    return [(channel, indices) for channel, groups in by_channel.items()
            for indices in groups.values()]


def create_request(channel: str, group: Sequence[Message], references: Sequence[str],
                   settings: KetchupSettings) -> Request:
    """The ``sms/create`` or ``viber/create`` request of one group."""
    body = (sms_body(group, references, settings) if channel == "sms"
            else viber_body(group, references, settings))
    return api_request(settings, "POST", f"{channel}/create", json=body)


def parse_create(answer: Answer, channel: str, group: Sequence[Message],
                 references: Sequence[str]) -> tuple[list[SentMessage], ProviderError | None]:
    """One result per message, and the refusal when the request was refused whole.

    The only whole refusal let through is "exists" (any other raises): an earlier
    request (a lost answer, a redelivered task, a rerun) created these messages, or
    someone else used the reference; each result then carries it, to be looked up.
    """
    found = payload(answer, channel, duplicate_ok=True)
    whole = whole_error(found)
    if whole is not None:
        refused = refusal(answer, channel, *whole)
        return [SentMessage(recipient=m.to, message_id=None, error=refused, provider=PROVIDER,
                            reference=r) for m, r in zip(group, references, strict=True)], refused
    with answer.reading("send answer"):
        items = _items(found)
        outer = _outer(found)
        task_id = as_str(_field(outer, "task_id"))
        currency = _text(_field(outer, "currency"))
        out = []
        for message, reference, item in zip(group, references, _match(items, references),
                                            strict=True):
            if not isinstance(item, dict):  # JSON objects are dicts
                raise TypeError("a result item is not an object")
            error = item_error(answer, channel, item)
            provider_id = as_str(_field(item, "id"))
            if error is not None:
                message_id = None
            elif provider_id is not None:
                message_id = str(MessageId(channel, provider_id))
            else:
                # "exists" on a repeat may come without the id: the reference finds it.
                message_id = str(MessageId(channel, reference, reference=True))
            raw = dict(item)
            if task_id is not None:
                raw.setdefault("task_id", task_id)
            out.append(SentMessage(
                recipient=message.to, message_id=message_id,
                parts=segments(message.text).parts if channel == "sms" else None,
                price=parse_decimal(_field(item, "price")) if error is None else None,
                currency=_text(_field(item, "currency")) or currency,
                error=error, provider=PROVIDER, reference=reference, raw=raw,
            ))
    return out, None


def existing_request(channel: str, reference: str, settings: KetchupSettings) -> Request:
    """The lookup of the message KetchUp holds under ``reference``."""
    return api_request(settings, "GET", f"{channel}/reference/{reference}")


def parse_existing(answer: Answer, channel: str) -> Mapping[str, Any]:
    """The message object a lookup by reference found."""
    found = payload(answer, channel)
    with answer.reading("status answer"):
        flat = _flat(found)
        if not isinstance(flat, Mapping):
            raise TypeError("the status is not an object")
        # Read the fields now: one of the wrong type makes the answer unreadable.
        _text(_field(flat, "msisdn"))
        as_str(_field(flat, "id"))
        parse_decimal(_field(flat, "price"))
        _text(_field(flat, "currency"))
        return flat


def unknown_existing(reference: str, error: SmsBridgeError) -> DeliveryUnknown:
    """What a failed lookup of an existing reference leaves: the outcome is unknown."""
    return DeliveryUnknown(
        f"ketchup/send: reference {reference} exists already, but whether it is this message "
        f"could not be read ({error.message}); a repeat of this send with the same reference "
        "finds out", provider=PROVIDER, operation="send")


def existing_result(channel: str, message: Message, reference: str,
                    refused: ProviderError | None, found: Mapping[str, Any]) -> SentMessage:
    """The result of a message whose reference exists: KetchUp's ``found`` object
    (empty when the lookup found nothing), if it is this message.

    A message to another number under the same reference is a real conflict: the
    recipient carries a :class:`DuplicateMessage` saying so.
    """
    msisdn = re.sub(r"\D", "", _text(_field(found, "msisdn")) or "")
    if found and not msisdn:
        raise DeliveryUnknown(
            f"ketchup/send: reference {reference} exists already, and the provider's answer "
            "does not say to which number; check it before sending again",
            provider=PROVIDER, operation="send")
    if msisdn != message.to:
        conflict = DuplicateMessage(
            f"reference {reference} already belongs to another message (not to this "
            "number); nothing was sent to this recipient: give it another reference",
            provider=PROVIDER, operation="send",
            code=None if refused is None else refused.code,
            http_status=None if refused is None else refused.http_status)
        return SentMessage(recipient=message.to, message_id=None, error=conflict,
                           provider=PROVIDER, reference=reference)
    provider_id = as_str(_field(found, "id"))
    return SentMessage(
        recipient=message.to,
        message_id=str(MessageId(channel, provider_id) if provider_id is not None
                       else MessageId(channel, reference, reference=True)),
        parts=segments(message.text).parts if channel == "sms" else None,
        price=parse_decimal(_field(found, "price")), currency=_text(_field(found, "currency")),
        provider=PROVIDER, reference=reference, raw=dict(found))


class Outcome:
    """What a chunk's requests got: results by message, and requests refused whole.

    A request the provider refuses whole raises, unless another request of the chunk
    was accepted: then its recipients carry the error.
    """

    def __init__(self, messages: Sequence[Message], references: Sequence[str]) -> None:
        self._messages = messages
        self._references = references
        self._results: list[SentMessage | None] = [None] * len(messages)
        self._refused: list[tuple[list[int], ProviderError]] = []

    def record(self, indices: Sequence[int], sent: Sequence[SentMessage]) -> None:
        """Keep one request's results."""
        for index, result in zip(indices, sent, strict=True):
            self._results[index] = result

    def refuse(self, indices: Sequence[int], error: ProviderError) -> None:
        """Note a request refused whole."""
        self._refused.append((list(indices), error))

    def _settled(self) -> list[SentMessage]:
        results = list(self._results)
        for indices, error in self._refused:
            for index in indices:
                results[index] = SentMessage(
                    recipient=self._messages[index].to, message_id=None, error=error,
                    provider=PROVIDER, reference=self._references[index])
        return [r for r in results if r is not None]

    def keep(self, error: SmsBridgeError) -> None:
        """Put what the chunk's earlier requests got (and what the failing one did, when
        it says so) in ``error.partial``: it is the caller's to keep."""
        done = self._settled()
        if isinstance(error.partial, SendResult):
            done.extend(error.partial.messages)
        if done:
            error.partial = SendResult(messages=done)

    def result(self) -> list[SentMessage]:
        """Every message's result; the first refusal when every request was refused."""
        if self._refused and all(r is None for r in self._results):
            raise self._refused[0][1]
        return self._settled()


def kept(channel: str, done: Sequence[SentMessage], rest: Sequence[SentMessage]) -> SendResult:
    """What one request created, or found created earlier, when reading it failed midway:
    the results ``done`` so far and the ``rest`` that wait for no lookup."""
    return SendResult(messages=[*done, *(r for r in rest if not is_duplicate(channel, r.error))])
