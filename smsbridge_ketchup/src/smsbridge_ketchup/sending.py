"""Sending KetchUp SMS and Viber messages (``{sms,viber}/create``) and their estimates."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.errors import (
    DeliveryUnknown,
    DuplicateMessage,
    NotFound,
    ProviderError,
    SmsBridgeError,
    ValidationError,
)
from smsbridge.models import Message, Price, SendResult, SentMessage
from smsbridge.parsing import as_str, parse_decimal
from smsbridge.text import segments
from smsbridge_ketchup.base import ApiBase, logger
from smsbridge_ketchup.bodies import sms_body, tariff_of, viber_body
from smsbridge_ketchup.errors import provider_error
from smsbridge_ketchup.parsing import (
    _error_of,
    _field,
    _flat,
    _is_duplicate,
    _items,
    _match,
    _outer,
    _text,
)
from smsbridge_ketchup.references import PROVIDER, MessageId, message_references
from smsbridge_ketchup.validation import validity_hours, validity_seconds

__all__ = ["SendingApi"]


class SendingApi(ApiBase):
    """Sends and estimates: messages grouped into as few requests as their options allow."""

    def _sms_groups(self, indexed: list[tuple[int, Message]]) -> list[list[tuple[int, Message]]]:
        groups: dict[tuple[Any, ...], list[tuple[int, Message]]] = {}
        for index, message in indexed:
            key = (validity_hours(message.validity), tariff_of(message.options, self.settings),
                   message.send_at)
            groups.setdefault(key, []).append((index, message))
        return list(groups.values())

    def _viber_groups(self, indexed: list[tuple[int, Message]]
                      ) -> list[list[tuple[int, Message]]]:
        groups: dict[tuple[Any, ...], list[tuple[int, Message]]] = {}
        for index, message in indexed:
            key = (validity_seconds(message.validity), tariff_of(message.options, self.settings))
            groups.setdefault(key, []).append((index, message))
        return list(groups.values())

    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send a chunk: SMS and Viber messages, in as few requests as their options allow.

        A request the provider refuses whole raises, unless another request of the
        chunk was accepted: then its recipients carry the error.
        """
        references = message_references(messages)
        by_channel: dict[str, list[tuple[int, Message]]] = {}
        for index, message in enumerate(messages):
            by_channel.setdefault(message.channel, []).append((index, message))
        groups: list[tuple[str, list[tuple[int, Message]]]] = []
        for channel, indexed in by_channel.items():
            split = self._sms_groups if channel == "sms" else self._viber_groups
            groups.extend((channel, group) for group in split(indexed))
        results: list[SentMessage | None] = [None] * len(messages)
        refused: list[tuple[list[tuple[int, Message]], ProviderError]] = []

        def settled() -> list[SentMessage]:
            for group, refusal in refused:
                for index, message in group:
                    results[index] = SentMessage(
                        recipient=message.to, message_id=None, error=refusal,
                        provider=PROVIDER, reference=references[index])
            return [r for r in results if r is not None]

        for channel, group in groups:
            group_messages = [m for _, m in group]
            group_refs = [references[i] for i, _ in group]
            try:
                sent = self._create(channel, group_messages, group_refs)
            except ProviderError as exc:
                if len(groups) == 1:
                    raise
                refused.append((group, exc))
                continue
            except SmsBridgeError as exc:
                # Whatever failed, what the chunk's earlier requests got accepted (and
                # what this one did, when it says so) is the caller's to keep.
                done = settled()
                if isinstance(exc.partial, SendResult):
                    done.extend(exc.partial.messages)
                if done:
                    exc.partial = SendResult(messages=done)
                raise
            for (index, _), result in zip(group, sent, strict=True):
                results[index] = result
        if refused and len(refused) == len(groups):
            raise refused[0][1]
        return settled()

    def _create(self, channel: str, group: Sequence[Message],
                references: Sequence[str]) -> list[SentMessage]:
        if channel == "sms":
            body = sms_body(group, references, self.settings)
        else:
            body = viber_body(group, references, self.settings)
        # KetchUp refuses a reference it already has, so a repeat cannot double a message.
        response = self.request("POST", f"{channel}/create", operation="send", json=body,
                                send=True, idempotent=True)
        payload = self.check(response, channel, duplicate_ok=True)
        whole = _error_of(_outer(payload))
        if whole is not None:
            # Refused whole as "exists" (check() lets no other refusal through): an
            # earlier request (a lost answer, a redelivered task, a rerun) created these
            # messages, or someone else used the reference.
            refusal = provider_error(channel, whole[0], whole[1], provider=PROVIDER,
                                     operation=response.operation,
                                     http_status=response.status_code)
            sent = [SentMessage(recipient=m.to, message_id=None, error=refusal,
                                provider=PROVIDER, reference=r)
                    for m, r in zip(group, references, strict=True)]
        else:
            sent = self._sent(response, channel, payload, group, references)
        out: list[SentMessage] = []
        for index, (message, reference, result) in enumerate(
                zip(group, references, sent, strict=True)):
            try:
                out.append(self._existing(channel, message, reference, result.error)
                           if _is_duplicate(channel, result.error) else result)
            except SmsBridgeError as exc:
                # What this request created, or found created earlier, stays accepted.
                exc.partial = SendResult(messages=[*out, *(
                    r for r in sent[index + 1:] if not _is_duplicate(channel, r.error))])
                raise
        if whole is not None and not any(m.ok for m in out):
            error = out[0].error
            assert error is not None
            raise error
        return out

    def _existing(self, channel: str, message: Message, reference: str,
                  refusal: ProviderError | None) -> SentMessage:
        """The message KetchUp already holds under ``reference``, if it is this one.

        A message to another number under the same reference is a real conflict: the
        recipient carries a :class:`DuplicateMessage` saying so. When the lookup fails,
        whether this recipient got the message is unknown.
        """
        try:
            response = self.request("GET", f"{channel}/reference/{reference}",
                                    operation="send")
            payload = self.check(response, channel)
            with response.reading("status answer"):
                found = _flat(payload)
                if not isinstance(found, Mapping):
                    raise TypeError("the status is not an object")
                msisdn = re.sub(r"\D", "", _text(_field(found, "msisdn")) or "")
                provider_id = as_str(_field(found, "id"))
                price = parse_decimal(_field(found, "price"))
                currency = _text(_field(found, "currency"))
        except NotFound:
            msisdn, provider_id, price, currency, found = "", None, None, None, {}
        except SmsBridgeError as exc:
            raise DeliveryUnknown(
                f"ketchup/send: reference {reference} exists already, but whether it is "
                f"this message could not be read ({exc.message}); a repeat of this send "
                "with the same reference finds out",
                provider=PROVIDER, operation="send") from exc
        if found and not msisdn:
            raise DeliveryUnknown(
                f"ketchup/send: reference {reference} exists already, and the provider's "
                "answer does not say to which number; check it before sending again",
                provider=PROVIDER, operation="send")
        if msisdn != message.to:
            conflict = DuplicateMessage(
                f"reference {reference} already belongs to another message (not to this "
                "number); nothing was sent to this recipient: give it another reference",
                provider=PROVIDER, operation="send",
                code=None if refusal is None else refusal.code,
                http_status=None if refusal is None else refusal.http_status)
            return SentMessage(recipient=message.to, message_id=None, error=conflict,
                               provider=PROVIDER, reference=reference)
        logger.info("ketchup %s reference %s was accepted earlier; returning that "
                    "acceptance", channel, reference)
        return SentMessage(
            recipient=message.to,
            message_id=str(MessageId(channel, provider_id) if provider_id is not None
                           else MessageId(channel, reference, reference=True)),
            parts=segments(message.text).parts if channel == "sms" else None,
            price=price, currency=currency, provider=PROVIDER, reference=reference,
            raw=dict(found))

    def _sent(self, response: Answer, channel: str, payload: Any,
              group: Sequence[Message], references: Sequence[str]) -> list[SentMessage]:
        with response.reading("send answer"):
            items = _items(payload)
            outer = _outer(payload)
            task_id = as_str(_field(outer, "task_id"))
            ordered = _match(items, references)
            out = []
            for message, reference, item in zip(group, references, ordered, strict=True):
                if not isinstance(item, Mapping):
                    raise TypeError("a result item is not an object")
                error = self._item_error(response, channel, item)
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
                    currency=_text(_field(item, "currency")) or _text(
                        _field(outer, "currency")),
                    error=error, provider=PROVIDER, reference=reference, raw=raw,
                ))
        return out

    def estimate(self, messages: Sequence[Message]) -> Price:
        """Ask ``sms/price`` or ``viber/price`` what sending ``messages`` would cost."""
        channels = {m.channel for m in messages}
        if len(channels) != 1:
            raise ValidationError("estimate one channel at a time", field="channel")
        channel = channels.pop()
        references = message_references(messages)
        group_keys = {(validity_hours(m.validity) if channel == "sms"
                       else validity_seconds(m.validity), tariff_of(m.options, self.settings),
                       m.send_at if channel == "sms" else None) for m in messages}
        if len(group_keys) != 1:
            raise ValidationError("estimate messages sharing validity, tariff and send time",
                                  field="messages")
        body = (sms_body(messages, references, self.settings) if channel == "sms"
                else viber_body(messages, references, self.settings))
        response = self.request("POST", f"{channel}/price", operation="estimate", json=body)
        payload = self.check(response, channel)
        with response.reading("price answer"):
            outer = _flat(payload)
            total = parse_decimal(_field(outer, "totalprice")
                                  if _field(outer, "totalprice") is not None
                                  else _field(outer, "total_price"))
            if total is None:
                raise ValueError("no totalprice")
            return Price(channel=channel, price=total, currency=_text(_field(outer, "currency")),
                         raw=payload)
