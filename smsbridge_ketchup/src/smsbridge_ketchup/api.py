"""KetchUp Loyalty REST API: URLs, request bodies and answer parsing.

Every module (``sms``, ``viber``, ``hlr``, ``stat``, ``message``) lives under the base
URL; every request carries the ``X-API-KEY`` header. Creating requests answer
``"error": "0"`` (or 0, or nothing for reads) beside the data; a non-zero code comes
with ``errorDescription``. A single object may arrive flat or wrapped in ``result``,
a list of created objects in ``result`` or ``messages``, and the Viber answer inside a
one-element list.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from smsbridge import jsonutil
from smsbridge.errors import (
    DeliveryUnknown,
    DuplicateMessage,
    InvalidResponse,
    NotFound,
    ProviderError,
    SmsBridgeError,
    ValidationError,
)
from smsbridge.ids import fit_reference, new_reference, path_segment
from smsbridge.models import (
    DeliveryState,
    HlrResult,
    HlrStatus,
    Message,
    Price,
    SendResult,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.parsing import as_int, as_str, parse_bool, parse_decimal
from smsbridge.phones import normalize_msisdn
from smsbridge.text import segments
from smsbridge.transport import HttpResponse, Transport, http_error
from smsbridge_ketchup.errors import DUPLICATE_CODES, delivery_state, hlr_status, provider_error
from smsbridge_ketchup.settings import KetchupSettings

__all__ = [
    "CHANNELS",
    "EXPORT_FORMATS",
    "REFERENCE_LENGTH",
    "KetchupApi",
    "MessageId",
    "parse_message_id",
    "parse_push",
    "provider_reference",
    "stat_body",
    "statistics",
    "validate_message",
]

logger = logging.getLogger("smsbridge.ketchup")

PROVIDER = "ketchup"
REFERENCE_LENGTH = 32
ORIGINATOR_LENGTH = 14
SMS_VALIDITY_HOURS = (1, 72)
VIBER_VALIDITY_SECONDS = (15, 86400)
TARIFFS = range(0, 10)
STAT_MESSAGE_IDS = 300
CHANNELS = ("sms", "viber", "hlr")
EXPORT_FORMATS = ("json", "xml", "csv")

SMS_OPTIONS = frozenset({"tariff"})
VIBER_OPTIONS = frozenset(
    {"tariff", "is_promotional", "callback_url", "image", "caption", "action"})
HLR_OPTIONS = frozenset({"reference", "tariff", "callback_url"})

STAT_SOURCE_TYPES = frozenset({"api", "web", "smpp", "xml", "http", "json"})
STAT_MESSAGE_TYPES = frozenset({"sms", "hlr", "viber"})
STAT_STATUSES = frozenset({
    "Delivered", "Rejected", "Scheduled", "Moderation", "Accepted", "Sending", "Sent",
    "Expired", "Failed", "Undelivered", "Unknown", "Read", "not-viber-user",
})
STAT_COMPARISONS = frozenset({"<", ">", "="})
STAT_FILTERS = frozenset({
    "msisdn", "originator", "source_type", "message_type", "time_sent_from",
    "time_sent_to", "country_name", "operator_id", "status", "sl_clicks",
    "sl_clicks_comp", "sl_clicks_count", "callback_url",
})
STAT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PROVIDER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_URL = re.compile(r"^https?://\S+$")
_ERROR_DESCRIPTION = "errordescription"


# -- message ids --------------------------------------------------------------------


class MessageId:
    """What a driver message id names: a channel and a provider id or our reference.

    SMS ids are the provider's id as it is (``"22125"``); Viber ids carry the channel
    (``"viber:22125"``) so :meth:`KetchupApi.status` asks the right module; an id the
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
    """Read an id :meth:`KetchupApi.send` (or ``hlr``) returned; ValidationError otherwise."""
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


# -- tolerant reading ---------------------------------------------------------------


def _field(payload: Mapping[str, Any], name: str) -> Any:
    """A field by name, ignoring case and stray spaces in keys (``" errorDescription"``)."""
    if name in payload:
        return payload[name]
    wanted = name.lower()
    for key, value in payload.items():
        if isinstance(key, str) and key.strip().lower() == wanted:
            return value
    return None


def _code(value: Any) -> int | None:
    """An error code as int (``"0"``, ``0``, ``" 20 "``); None when absent."""
    try:
        return as_int(value)
    except (ValueError, ArithmeticError):
        raise ValueError(f"error code is not a number: {value!r}") from None


def _error_of(payload: Any) -> tuple[int, str | None] | None:
    """``(code, description)`` for a non-zero ``error`` field, else None."""
    if not isinstance(payload, Mapping):
        return None
    code = _code(_field(payload, "error"))
    if not code:
        return None
    description = as_str(_field(payload, _ERROR_DESCRIPTION))
    return code, description


def _text(value: Any) -> str | None:
    """A stripped string (``" AE"`` -> ``"AE"``), None for empty."""
    return as_str(value)


def _utc(value: Any) -> datetime | None:
    """Read a provider time: ISO 8601 with offset, or ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    text = as_str(value)
    if text is None or text.startswith("0000-00-00"):
        return None
    try:
        parsed = datetime.strptime(text, PROVIDER_TIME_FORMAT)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        # The document gives no zone for these times; the platform's ISO times say UTC.
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return parse_bool(value)


def _items(payload: Any) -> list[Any]:
    """The created objects of a create answer, flat or wrapped."""
    if isinstance(payload, list):
        if len(payload) == 1 and isinstance(payload[0], Mapping) and (
                "messages" in payload[0] or "result" in payload[0]):
            return _items(payload[0])
        return payload
    if not isinstance(payload, Mapping):
        raise TypeError("the answer is neither an object nor a list")
    for key in ("result", "messages"):
        if key in payload:
            inner = payload[key]
            if isinstance(inner, list):
                return inner
            if isinstance(inner, Mapping):
                return _items(inner) if ("result" in inner or "messages" in inner) else [inner]
            raise TypeError(f"{key!r} is neither an object nor a list")
    return [payload]


def _outer(payload: Any) -> Mapping[str, Any]:
    """The object holding totals and ``task_id``: the answer or its one list element."""
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], Mapping):
        return payload[0]
    if isinstance(payload, Mapping):
        return payload
    return {}


def _flat(payload: Any) -> Any:
    """One object, flat or wrapped in ``result`` (an object or a one-element list)."""
    if isinstance(payload, Mapping) and "result" in payload:
        inner = payload["result"]
        if isinstance(inner, list) and len(inner) == 1:
            inner = inner[0]
        if isinstance(inner, Mapping):
            return {**{k: v for k, v in payload.items() if k != "result"}, **inner}
    if isinstance(payload, list) and len(payload) == 1:
        return payload[0]
    return payload


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


# -- validation ---------------------------------------------------------------------


def _check_tariff(value: Any, field: str = "tariff") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in TARIFFS:
        raise ValidationError(f"{field} must be an integer from 0 to 9, got {value!r}",
                              field=field)
    return value


def _check_url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise ValidationError(f"{field} must be an http(s) URL, got {value!r}", field=field)
    return value


def validity_hours(validity: timedelta | None) -> int | None:
    """SMS validity in whole hours (partial hours round up), within 1-72."""
    if validity is None:
        return None
    low, high = SMS_VALIDITY_HOURS
    seconds = validity.total_seconds()
    if not low * 3600 <= seconds <= high * 3600:
        raise ValidationError(
            f"KetchUp SMS validity must be {low} to {high} hours, got {validity}",
            field="validity")
    return math.ceil(seconds / 3600)


def validity_seconds(validity: timedelta | None) -> int | None:
    """Viber validity in whole seconds, within 15-86400."""
    if validity is None:
        return None
    low, high = VIBER_VALIDITY_SECONDS
    seconds = math.ceil(validity.total_seconds())
    if not low <= seconds <= high:
        raise ValidationError(
            f"KetchUp Viber validity must be {low} to {high} seconds, got {validity}",
            field="validity")
    return seconds


def validate_message(message: Message) -> None:
    """Check one message against the document's limits."""
    if message.channel not in ("sms", "viber"):
        raise ValidationError(f"KetchUp sends sms and viber, not {message.channel!r}",
                              field="channel")
    sender = message.sender
    if not sender or not sender.strip():
        name = "originator" if message.channel == "sms" else "alpha_name"
        raise ValidationError(
            f"KetchUp needs a sender ({name}): pass sender= or set the 'sender' setting",
            field="sender")
    allowed = SMS_OPTIONS if message.channel == "sms" else VIBER_OPTIONS
    unknown = sorted(set(message.options) - allowed)
    if unknown:
        raise ValidationError(
            f"unknown KetchUp {message.channel} option(s) {', '.join(unknown)}; valid: "
            f"{', '.join(sorted(allowed))}", field=unknown[0])
    options = message.options
    if "tariff" in options:
        _check_tariff(options["tariff"])
    if message.channel == "sms":
        if len(sender) > ORIGINATOR_LENGTH:
            raise ValidationError(
                f"KetchUp originator is at most {ORIGINATOR_LENGTH} characters, got "
                f"{len(sender)} ({sender!r})", field="sender")
        validity_hours(message.validity)
        return
    validity_seconds(message.validity)
    if "is_promotional" in options and not isinstance(options["is_promotional"], bool):
        raise ValidationError("is_promotional must be True or False", field="is_promotional")
    for name in ("callback_url", "image", "action"):
        if name in options:
            _check_url(options[name], name)
    if "caption" in options and (not isinstance(options["caption"], str)
                                 or not options["caption"].strip()):
        raise ValidationError("caption must be a non-empty string", field="caption")


# -- the API ------------------------------------------------------------------------


class KetchupApi:
    """Requests to KetchUp and the models read from its answers."""

    def __init__(self, transport: Callable[[], Transport], settings: KetchupSettings) -> None:
        self._transport = transport
        self.settings = settings

    # plumbing

    def request(self, method: str, path: str, *, operation: str, **kwargs: Any) -> HttpResponse:
        """Make a request carrying the API key header."""
        headers = {"X-API-KEY": self.settings.api_key, **kwargs.pop("headers", {})}
        return self._transport().request(method, path, operation=operation, headers=headers,
                                         **kwargs)

    def check(self, response: HttpResponse, module: str, *,
              duplicate_ok: bool = False) -> Any:
        """Parse a JSON answer and raise the provider's error when it reports one.

        ``duplicate_ok`` accepts a "reference exists" answer to a repeated request: the
        first attempt created the object and its answer was lost.
        """
        payload = response.json()
        try:
            error = _error_of(payload)
            if error is None and isinstance(payload, list) and len(payload) == 1:
                error = _error_of(payload[0])
        except ValueError as exc:
            raise response.unreadable(str(exc)) from exc
        if error is not None:
            code, description = error
            if duplicate_ok and code in DUPLICATE_CODES.get(module, ()):
                return payload
            raise self._refusal(response, module, code, description)
        if not response.ok:
            raise http_error(response)
        if not isinstance(payload, (Mapping, list)):
            raise response.invalid("the answer is not a JSON object")
        return payload

    def _item_error(self, response: HttpResponse, module: str,
                    item: Mapping[str, Any]) -> ProviderError | None:
        error = _error_of(item)
        if error is None:
            return None
        code, description = error
        return self._refusal(response, module, code, description)

    @staticmethod
    def _refusal(response: HttpResponse, module: str, code: int,
                 description: str | None) -> ProviderError:
        """The error for a provider code; its text is masked (providers echo requests)."""
        shown = response.redactor.text(description) if description is not None else None
        return provider_error(module, code, shown, provider=PROVIDER,
                              operation=response.operation, http_status=response.status_code,
                              body=response.redactor.text(response.content)[:500] or None)

    def _tariff(self, options: Mapping[str, Any]) -> int | None:
        value = options.get("tariff", self.settings.tariff)
        return None if value is None else int(value)

    # references

    @staticmethod
    def references(messages: Sequence[Message]) -> list[str]:
        """One provider reference per message, the same on every retry of this chunk.

        A reference used by one message is kept (fitted to 32 letters and digits); one
        shared by several (``send()`` to many numbers) is derived per recipient from the
        reference and the number, so retries and repeated chunks reuse it; none gives a
        random reference.
        """
        counts = Counter(m.reference for m in messages if m.reference is not None)
        seen: Counter[tuple[str, str]] = Counter()
        out: list[str] = []
        for message in messages:
            ref = message.reference
            if ref is None:
                out.append(new_reference(REFERENCE_LENGTH))
            elif counts[ref] == 1:
                out.append(provider_reference(ref))
            else:
                occurrence = seen[(ref, message.to)]
                seen[(ref, message.to)] += 1
                suffix = f"#{occurrence}" if occurrence else ""
                out.append(provider_reference(ref, f"{message.to}{suffix}"))
        return out

    # sending

    def _sms_groups(self, indexed: list[tuple[int, Message]]) -> list[list[tuple[int, Message]]]:
        groups: dict[tuple[Any, ...], list[tuple[int, Message]]] = {}
        for index, message in indexed:
            key = (validity_hours(message.validity), self._tariff(message.options),
                   message.send_at)
            groups.setdefault(key, []).append((index, message))
        return list(groups.values())

    def _viber_groups(self, indexed: list[tuple[int, Message]]
                      ) -> list[list[tuple[int, Message]]]:
        groups: dict[tuple[Any, ...], list[tuple[int, Message]]] = {}
        for index, message in indexed:
            key = (validity_seconds(message.validity), self._tariff(message.options))
            groups.setdefault(key, []).append((index, message))
        return list(groups.values())

    def sms_body(self, group: Sequence[Message], references: Sequence[str]) -> dict[str, Any]:
        """The ``sms/create`` (and ``sms/price``) body of messages sharing validity,
        tariff and send time: ``phone``, ``phones`` or ``individual``."""
        first = group[0]
        same_text = all(m.text == first.text and m.sender == first.sender for m in group)
        body: dict[str, Any]
        if len(group) == 1:
            body = {"destination": "phone", "originator": first.sender, "body": first.text,
                    "msisdn": first.to, "reference": references[0]}
        elif same_text:
            body = {"destination": "phones",
                    "phones": [{"msisdn": m.to, "reference": r}
                               for m, r in zip(group, references, strict=True)],
                    "originator": first.sender, "body": first.text}
        else:
            body = {"destination": "individual",
                    "phones": [{"originator": m.sender, "body": m.text, "msisdn": m.to,
                                "reference": r} for m, r in zip(group, references, strict=True)]}
        hours = validity_hours(first.validity)
        if hours is not None:
            body["validity"] = hours
        tariff = self._tariff(first.options)
        if tariff is not None:
            body["tariff"] = tariff
        if first.send_at is not None:
            key = "scheduledDatetime" if body["destination"] == "individual" else "send_time"
            body[key] = _iso(first.send_at)
        return body

    def viber_body(self, group: Sequence[Message], references: Sequence[str]) -> dict[str, Any]:
        """The ``viber/create`` (and ``viber/price``) body of messages sharing validity and
        tariff; recipients of equal messages share one message object."""
        objects: dict[tuple[Any, ...], dict[str, Any]] = {}
        for message, reference in zip(group, references, strict=True):
            options = message.options
            key = (message.text, message.sender, message.send_at,
                   tuple(sorted((k, v) for k, v in options.items() if k != "tariff")))
            entry = objects.get(key)
            if entry is None:
                entry = {"to": [], "text": message.text, "alpha_name": message.sender}
                if "is_promotional" in options:
                    entry["is_promotional"] = options["is_promotional"]
                callback = options.get("callback_url", self.settings.callback_url)
                if callback:
                    entry["callback_url"] = callback
                viber = {wire: options[name] for name, wire in
                         (("image", "img"), ("caption", "caption"), ("action", "action"))
                         if name in options}
                if viber:
                    entry["options"] = {"viber": viber}
                if message.send_at is not None:
                    entry["scheduledDatetime"] = _iso(message.send_at)
                objects[key] = entry
            # external_id is the document's field; the platform's SDKs (and its dedupe)
            # use reference: send both.
            entry["to"].append({"msisdn": message.to, "external_id": reference,
                                "reference": reference})
        first = group[0]
        body: dict[str, Any] = {}
        tariff = self._tariff(first.options)
        if tariff is not None:
            body["tariff"] = tariff
        seconds = validity_seconds(first.validity)
        if seconds is not None:
            body["validity"] = seconds
        body["messages"] = list(objects.values())
        return body

    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send a chunk: SMS and Viber messages, in as few requests as their options allow.

        A request the provider refuses whole raises, unless another request of the
        chunk was accepted: then its recipients carry the error.
        """
        references = self.references(messages)
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
            body = self.sms_body(group, references)
        else:
            body = self.viber_body(group, references)
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

    def _sent(self, response: HttpResponse, channel: str, payload: Any,
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
        references = self.references(messages)
        group_keys = {(validity_hours(m.validity) if channel == "sms"
                       else validity_seconds(m.validity), self._tariff(m.options),
                       m.send_at if channel == "sms" else None) for m in messages}
        if len(group_keys) != 1:
            raise ValidationError("estimate messages sharing validity, tariff and send time",
                                  field="messages")
        body = (self.sms_body(messages, references) if channel == "sms"
                else self.viber_body(messages, references))
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

    # status

    def status(self, message_id: str) -> StatusReport:
        """Fetch an SMS or Viber message's status by id or reference."""
        parsed = parse_message_id(message_id)
        response = self.request("GET", parsed.path, operation="status")
        payload = self.check(response, parsed.channel)
        with response.reading("status answer"):
            return self.status_report(_flat(payload), message_id)

    @staticmethod
    def status_report(payload: Any, message_id: str | None = None) -> StatusReport:
        """Read a status object (the answer of ``sms/{id}``, ``viber/{id}``, ...)."""
        if not isinstance(payload, Mapping):
            raise TypeError("the status is not an object")
        word = _text(_field(payload, "status"))
        if word is None:
            raise ValueError("no status")
        state = delivery_state(word)
        delivered = _utc(_field(payload, "time_dr"))
        if message_id is None:
            provider_id = as_str(_field(payload, "id"))
            reference = as_str(_field(payload, "reference"))
            if provider_id is not None:
                message_id = provider_id
            elif reference is not None:
                message_id = f"ref:{reference}"
            else:
                raise ValueError("no id or reference")
        return StatusReport(
            message_id=message_id,
            recipient=_text(_field(payload, "msisdn")),
            state=state,
            provider_state=word,
            sent_at=_utc(_field(payload, "time_sent")),
            delivered_at=delivered if state in (DeliveryState.DELIVERED,
                                                DeliveryState.READ) else None,
            price=parse_decimal(_field(payload, "price")),
            currency=_text(_field(payload, "currency")),
            raw=payload,
        )

    def task_status(self, task_id: str) -> Statistics:
        """Counts of a ``phones`` send (``sms/task/{task_id}``)."""
        text = (task_id.strip() if isinstance(task_id, str)
                else str(task_id) if type(task_id) is int and 0 < task_id < 10**18
                else "")
        segment = path_segment(text, field="task_id", what="a KetchUp task id")
        response = self.request("GET", f"sms/task/{segment}", operation="task_status")
        payload = self.check(response, "sms")
        with response.reading("task answer"):
            outer = _flat(payload)
            if not isinstance(outer, Mapping):
                raise TypeError("the task is not an object")
            counts = {name: as_int(_field(outer, name)) for name in
                      ("sent", "delivered", "undeliverable", "expired", "unknown")}
            if all(v is None for v in counts.values()):
                raise ValueError("no counts")
            return Statistics(sent=counts["sent"], delivered=counts["delivered"],
                              undelivered=counts["undeliverable"], expired=counts["expired"],
                              in_progress=counts["unknown"], total=counts["sent"], raw=outer)

    # prices

    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """The price lists of one channel or all three."""
        unknown = sorted(set(filters) - {"tariff", "country"})
        if unknown:
            raise ValidationError(f"unknown KetchUp price filter(s) {', '.join(unknown)}; "
                                  "valid: country, tariff", field=unknown[0])
        if channel is not None and channel not in CHANNELS:
            raise ValidationError(f"KetchUp prices channels are {', '.join(CHANNELS)}, not "
                                  f"{channel!r}", field="channel")
        tariff = filters.get("tariff", self.settings.tariff)
        if tariff is not None:
            tariff = _check_tariff(tariff)
        country = filters.get("country")
        if country is not None and not isinstance(country, str):
            raise ValidationError("country must be an ISO code string", field="country")
        out: list[Price] = []
        for name in ((channel,) if channel else CHANNELS):
            path = f"{name}/prices" + (f"/{tariff}" if tariff is not None else "")
            response = self.request("GET", path, operation="prices")
            payload = self.check(response, name)
            with response.reading("price list"):
                out.extend(_price_list(payload, name))
        if country:
            out = [p for p in out if p.country == country.strip().upper()]
        return out

    # HLR

    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Create HLR requests: one number as form fields, several as ``payload``."""
        unknown = sorted(set(options) - HLR_OPTIONS)
        if unknown:
            raise ValidationError(f"unknown KetchUp HLR option(s) {', '.join(unknown)}; valid: "
                                  f"{', '.join(sorted(HLR_OPTIONS))}", field=unknown[0])
        tariff = options.get("tariff", self.settings.tariff)
        if tariff is not None:
            _check_tariff(tariff)
        callback = options.get("callback_url", self.settings.callback_url)
        if callback is not None:
            _check_url(callback, "callback_url")
        reference = options.get("reference")
        if reference is not None and not isinstance(reference, str):
            raise ValidationError("reference must be a string", field="reference")
        out: list[HlrResult] = []
        size = self.settings.chunk_size
        for start in range(0, len(msisdns), size):
            chunk = list(msisdns[start:start + size])
            ref = reference if start == 0 or reference is None else f"{reference}#{start}"
            messages = [Message(to=n, text="-", reference=ref) for n in chunk]
            references = self.references(messages)
            out.extend(self._hlr_create(chunk, references, tariff, callback))
        return out

    def _hlr_create(self, msisdns: Sequence[str], references: Sequence[str],
                    tariff: int | None, callback: str | None) -> list[HlrResult]:
        entries = []
        for msisdn, reference in zip(msisdns, references, strict=True):
            entry: dict[str, Any] = {"msisdn": msisdn, "reference": reference}
            if tariff is not None:
                entry["tariff"] = tariff
            if callback:
                entry["callback_url"] = callback
            entries.append(entry)
        if len(entries) == 1:
            files = {k: (None, str(v)) for k, v in entries[0].items()}
        else:
            files = {"payload": (None, json.dumps(entries))}
        # multipart/form-data as the document requires; HLR references are deduplicated.
        response = self.request("POST", "hlr/create", operation="hlr", files=files,
                                send=True, idempotent=True)
        payload = self.check(response, "hlr", duplicate_ok=True)
        whole = _error_of(_outer(payload))
        if whole is not None:
            # Refused whole as "exists": created by an earlier request, or someone else's.
            found = [self._existing_hlr(m, r) for m, r in zip(msisdns, references, strict=True)]
            if not any(f.status is not HlrStatus.FAILED for f in found):
                raise provider_error("hlr", whole[0], found[0].error or whole[1],
                                     provider=PROVIDER, operation=response.operation,
                                     http_status=response.status_code)
            return found
        with response.reading("HLR answer"):
            items = _items(payload)
            outer = _outer(payload)
            out = []
            ordered = _match(items, references)
            for msisdn, reference, item in zip(msisdns, references, ordered, strict=True):
                if not isinstance(item, Mapping):
                    raise TypeError("a result item is not an object")
                error = self._item_error(response, "hlr", item)
                if _is_duplicate("hlr", error):
                    out.append(self._existing_hlr(msisdn, reference))
                    continue
                out.append(HlrResult(
                    id=as_str(_field(item, "id")),
                    msisdn=_text(_field(item, "msisdn")) or msisdn,
                    status=HlrStatus.FAILED if error else HlrStatus.SENT,
                    reference=reference,
                    price=parse_decimal(_field(item, "price")),
                    currency=_text(_field(item, "currency")) or _text(
                        _field(outer, "currency")),
                    error=None if error is None else f"[{error.code}] {error.description}",
                    raw=dict(item),
                ))
            return out

    def _existing_hlr(self, msisdn: str, reference: str) -> HlrResult:
        """The HLR request KetchUp already holds under ``reference``, if it is this one.

        One for another number is a conflict: a failed result saying so.
        """
        try:
            found: HlrResult | None = self.hlr_result(f"ref:{reference}")
        except NotFound:
            found = None
        except SmsBridgeError as exc:
            raise DeliveryUnknown(
                f"ketchup/hlr: reference {reference} exists already, but whether it is "
                f"this request could not be read ({exc.message}); a repeat with the same "
                "reference finds out", provider=PROVIDER, operation="hlr") from exc
        if found is None or re.sub(r"\D", "", found.msisdn or "") != msisdn:
            return HlrResult(
                id=None, msisdn=msisdn, status=HlrStatus.FAILED, reference=reference,
                error=f"reference {reference} already belongs to another HLR request (not "
                      "to this number): give it another reference")
        logger.info("ketchup HLR reference %s was created earlier; returning it", reference)
        return found

    def hlr_result(self, hlr_id: str) -> HlrResult:
        """Fetch an HLR request by id, or by reference as ``ref:<reference>``."""
        parsed = parse_message_id(hlr_id, hlr=True)
        response = self.request("GET", parsed.path, operation="hlr_result")
        payload = self.check(response, "hlr")
        with response.reading("HLR answer"):
            return self.hlr_report(_flat(payload))

    @staticmethod
    def hlr_report(payload: Any) -> HlrResult:
        """Read an HLR object (``hlr/{id}`` answer and HLR push)."""
        if not isinstance(payload, Mapping):
            raise TypeError("the HLR result is not an object")
        msisdn = _text(_field(payload, "msisdn"))
        word = _text(_field(payload, "status"))
        if msisdn is None or word is None:
            raise ValueError("no msisdn or status")
        details = _field(payload, "details")
        if details is not None and not isinstance(details, Mapping):
            details = None if details in ("", []) else details
            if details is not None:
                raise TypeError("details is not an object")
        details = details or {}
        network = _text(_field(payload, "network"))
        return HlrResult(
            id=as_str(_field(payload, "id")),
            msisdn=msisdn,
            status=hlr_status(word),
            reference=_text(_field(payload, "reference")),
            network=None if network is None or network.lower() == "unknown" else network,
            ported=_flag(_field(details, "ported")),
            roaming=_flag(_field(details, "roaming")),
            price=parse_decimal(_field(payload, "price")),
            currency=_text(_field(payload, "currency")),
            raw=payload,
        )

    # statistics exports

    def create_export(self, *, message_ids: Sequence[str | int] | None = None,
                      start: datetime | None = None, end: datetime | None = None,
                      **filters: Any) -> str:
        """Request a statistics export (``stat/create``); return its file key."""
        body = stat_body(message_ids=message_ids, start=start, end=end, filters=filters)
        response = self.request("POST", "stat/create", operation="report", json=body)
        payload = self.check(response, "stat")
        with response.reading("export answer"):
            key = _field(_flat(payload), "key")
            if isinstance(key, Mapping) and len(key) == 1:
                key = next(iter(key.values()))
            text = as_str(key)
            if text is None or not _ID.match(text) or text in (".", ".."):
                raise ValueError(f"no usable export key: {key!r}")
            return text

    def export_file(self, key: str, file_format: str = "json") -> bytes:
        """Download an export as it is (``stat/file/id/{key}/format/{format}``)."""
        if file_format not in EXPORT_FORMATS:
            raise ValidationError(f"export format must be one of {', '.join(EXPORT_FORMATS)}",
                                  field="format")
        response = self.request("GET", f"stat/file/id/{_key(key)}/format/{file_format}",
                                operation="report")
        if file_format != "json":
            with contextlib.suppress(InvalidResponse):
                self.check(response, "stat")
            if not response.ok:
                raise http_error(response)
            return response.content
        self.check(response, "stat")
        return response.content

    def export_rows(self, key: str) -> list[dict[str, Any]]:
        """The rows of a JSON export; error 91 while it is being prepared."""
        response = self.request("GET", f"stat/file/id/{_key(key)}/format/json",
                                operation="report")
        payload = self.check(response, "stat")
        with response.reading("export file"):
            return _rows(payload)

    def list_exports(self) -> Any:
        """The exports the provider keeps for this key (``stat/list``), as answered."""
        response = self.request("GET", "stat/list", operation="list_exports")
        return self.check(response, "stat")

    def delete_export(self, key: str) -> None:
        """Delete an export (``DELETE message/list/{key}``)."""
        response = self.request("DELETE", f"message/list/{_key(key)}", operation="delete_export")
        if not response.content.strip():
            if not response.ok:
                raise http_error(response)
            return
        self.check(response, "stat")

    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any],
               sleep: Callable[[float], None]) -> Statistics:
        """Export the period, wait for the file, count its rows by state."""
        key = self.create_export(start=start, end=end, **filters)
        interval = self.settings.report_poll_interval
        polls = 1 + math.ceil(self.settings.report_timeout / interval)
        rows: list[dict[str, Any]] | None = None
        for attempt in range(polls):
            try:
                rows = self.export_rows(key)
                break
            except ProviderError as exc:
                if exc.code == "93":  # "file is empty": nothing was sent in the period
                    rows = []
                    break
                if exc.code != "91" or attempt == polls - 1:
                    raise
            sleep(interval)
        assert rows is not None
        if self.settings.report_cleanup:
            with contextlib.suppress(ProviderError):
                self.delete_export(key)
        return statistics(rows)

    # test key

    def is_test_key(self) -> bool:
        """True for a test key (answers carry random data, nothing is sent)."""
        return self.settings.api_key.strip().lower().startswith("test")


def _key(key: str) -> str:
    text = (key.strip() if isinstance(key, str)
            else str(key) if type(key) is int and 0 < key < 10**18 else "")
    if not _ID.match(text):
        raise ValidationError(f"not a KetchUp export key: {key!r}", field="key")
    return path_segment(text, field="key", what="a KetchUp export key")


def _is_duplicate(module: str, error: ProviderError | None) -> bool:
    """True for a per-recipient "this reference exists" refusal."""
    return error is not None and as_int(error.code) in DUPLICATE_CODES.get(module, ())


def _match(items: Sequence[Any], references: Sequence[str]) -> list[Any]:
    """Order answer items like the request: by reference, the rest by position."""
    slots: list[Any] = [None] * len(references)
    where = {ref: i for i, ref in enumerate(references)}
    rest = []
    for item in items:
        ref = as_str(_field(item, "reference") or _field(item, "external_id")) if isinstance(
            item, Mapping) else None
        index = where.get(ref) if ref is not None else None
        if index is not None and slots[index] is None:
            slots[index] = item
        else:
            rest.append(item)
    free = [i for i, slot in enumerate(slots) if slot is None]
    if len(free) != len(rest):
        raise ValueError(f"{len(items)} result items for {len(references)} recipients")
    for index, item in zip(free, rest, strict=True):
        slots[index] = item
    return slots


def _price_list(payload: Any, channel: str) -> list[Price]:
    rows = _field(_flat(payload), "prices") if isinstance(_flat(payload), Mapping) else payload
    if not isinstance(rows, list):
        raise TypeError("prices is not a list")
    out = []
    for row in rows:
        # The document's own example nests entries in one-element lists.
        entries = row if isinstance(row, list) else [row]
        for entry in entries:
            if not isinstance(entry, Mapping):
                raise TypeError("a price is not an object")
            price = parse_decimal(_field(entry, "price"))
            if price is None:
                raise ValueError("a price without price")
            out.append(Price(
                channel=(_text(_field(entry, "type")) or channel).lower(),
                price=price,
                currency=_text(_field(entry, "currency")),
                country=(_text(_field(entry, "country")) or "").upper() or None,
                country_name=_text(_field(entry, "country_name")),
                mcc=_text(_field(entry, "mcc")),
                raw=entry,
            ))
    return out


def _rows(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, Mapping):
        for key in ("message_data", "result", "data", "messages"):
            found = _field(payload, key)
            if found is not None:
                rows = found
                break
        else:
            rows = [v for k, v in payload.items() if isinstance(v, list)]
            if len(rows) != 1:
                raise ValueError("no message rows in the export")
            rows = rows[0]
    else:
        raise TypeError("the export is neither an object nor a list")
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise TypeError("export rows are not objects")
    for row in rows:
        _text(_field(row, "status"))  # a status that is no word (a list...) is refused here
    return [dict(r) for r in rows]


def statistics(rows: Sequence[Mapping[str, Any]]) -> Statistics:
    """Count export rows by delivery state.

    ``sent`` counts messages handed to the network without a final report yet,
    ``in_progress`` those still on the platform or in an unknown state, ``delivered``
    includes Viber messages read.
    """
    counts: Counter[DeliveryState] = Counter()
    for row in rows:
        counts[delivery_state(_text(_field(row, "status")))] += 1
    return Statistics(
        sent=counts[DeliveryState.SENT],
        delivered=counts[DeliveryState.DELIVERED] + counts[DeliveryState.READ],
        undelivered=counts[DeliveryState.UNDELIVERED],
        expired=counts[DeliveryState.EXPIRED],
        rejected=counts[DeliveryState.REJECTED],
        in_progress=counts[DeliveryState.QUEUED] + counts[DeliveryState.UNKNOWN],
        total=len(rows),
        raw=list(rows),
    )


def stat_body(*, message_ids: Sequence[str | int] | None, start: datetime | None,
              end: datetime | None, filters: Mapping[str, Any]) -> dict[str, Any]:
    """Build and check a ``stat/create`` body."""
    unknown = sorted(set(filters) - STAT_FILTERS)
    if unknown:
        raise ValidationError(f"unknown KetchUp statistics filter(s) {', '.join(unknown)}; "
                              f"valid: {', '.join(sorted(STAT_FILTERS))}", field=unknown[0])
    body: dict[str, Any] = {}
    if message_ids is not None:
        ids = [str(i).strip() for i in message_ids]
        if not ids or len(ids) > STAT_MESSAGE_IDS:
            raise ValidationError(f"give 1 to {STAT_MESSAGE_IDS} message ids", field="message_ids")
        if not all(i.isdigit() for i in ids):
            raise ValidationError("statistics message ids are numeric", field="message_ids")
        body["message_id"] = ids
    elif start is None or end is None:
        raise ValidationError("give message_ids or both start and end", field="start")
    if start is not None and end is not None:
        _check_period(start, end, "time_in")
        body["time_in_from"] = _stat_time(start)
        body["time_in_to"] = _stat_time(end)
    for name, value in filters.items():
        if value is None:
            continue
        body[name] = _stat_filter(name, value)
    if ("time_sent_from" in body) != ("time_sent_to" in body):
        raise ValidationError("give both time_sent_from and time_sent_to", field="time_sent_from")
    if "time_sent_from" in body:
        _check_period(filters["time_sent_from"], filters["time_sent_to"], "time_sent")
    if "operator_id" in body and "country_name" not in body:
        raise ValidationError("operator_id needs country_name", field="operator_id")
    return body


def _check_period(start: Any, end: Any, field: str) -> None:
    for value in (start, end):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValidationError(f"{field} bounds must be timezone-aware datetimes",
                                  field=field)
    if end < start:
        raise ValidationError(f"{field}: the end is before the start", field=field)


def _stat_time(value: datetime) -> str:
    # The document gives the platform's times without a zone; they read as UTC.
    return value.astimezone(timezone.utc).strftime(STAT_TIME_FORMAT)


def _stat_filter(name: str, value: Any) -> Any:
    if name == "msisdn":
        numbers = [value] if isinstance(value, (str, int)) else list(value)
        return [normalize_msisdn(n) for n in numbers]
    if name in ("time_sent_from", "time_sent_to"):
        _check_period(value, value, name)
        return _stat_time(value)
    if name == "source_type" and value not in STAT_SOURCE_TYPES:
        raise ValidationError(f"source_type must be one of {', '.join(sorted(STAT_SOURCE_TYPES))}",
                              field=name)
    if name == "message_type" and value not in STAT_MESSAGE_TYPES:
        raise ValidationError(
            f"message_type must be one of {', '.join(sorted(STAT_MESSAGE_TYPES))}", field=name)
    if name == "status" and value not in STAT_STATUSES:
        raise ValidationError(f"status must be one of {', '.join(sorted(STAT_STATUSES))}",
                              field=name)
    if name == "sl_clicks_comp" and value not in STAT_COMPARISONS:
        raise ValidationError("sl_clicks_comp must be '<', '>' or '='", field=name)
    if name == "sl_clicks_count" and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= 999999):
        raise ValidationError("sl_clicks_count must be an integer from 0 to 999999",
                              field=name)
    if name == "callback_url":
        _check_url(value, name)
    if name in ("originator", "country_name") and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", field=name)
    return value


def parse_push(body: bytes) -> list[Any]:
    """Parse a push: message statistics rows (``message_data``: SMS, Viber and HLR
    rows), a Viber delivery report, or an HLR report."""
    payload = jsonutil.loads(body)
    rows = _field(payload, "message_data") if isinstance(payload, Mapping) else None
    if rows is not None:
        if not isinstance(rows, list):
            raise TypeError("message_data is not a list")
        objects = rows
    else:
        objects = payload if isinstance(payload, list) else [_flat(payload)]
    out: list[Any] = []
    for item in objects:
        if not isinstance(item, Mapping):
            raise TypeError("a pushed report is not an object")
        if _field(item, "message_ID") is not None:
            out.append(stat_report(item))
        elif any(_field(item, k) is not None for k in ("time_in", "time_sent", "time_dr")):
            out.append(KetchupApi.status_report(item))
        else:
            out.append(KetchupApi.hlr_report(item))
    return out


def _stat_price(value: Any) -> tuple[Any, str | None]:
    """``"0.0200000 EUR"`` -> (Decimal("0.0200000"), "EUR")."""
    text = as_str(value)
    if text is None:
        return None, None
    amount, _, currency = text.partition(" ")
    return parse_decimal(amount), currency.strip() or None


def stat_report(row: Mapping[str, Any]) -> StatusReport | HlrResult:
    """One row of message statistics (an export or a push): an SMS or Viber message's
    report, or an HLR result."""
    kind = (_text(_field(row, "message_type")) or "sms").lower()
    provider_id = as_str(_field(row, "message_ID"))
    msisdn = _text(_field(row, "msisdn"))
    if provider_id is None or msisdn is None:
        raise ValueError("no message_ID or msisdn")
    price, currency = _stat_price(_field(row, "price"))
    if kind == "hlr":
        details = _field(row, "body")
        if not isinstance(details, Mapping):
            raise TypeError("the HLR row's body is not an object")
        mcc, mnc = as_str(_field(details, "MCC")), as_str(_field(details, "MNC"))
        return HlrResult(
            id=provider_id, msisdn=msisdn, status=hlr_status(_text(_field(details, "Status"))),
            network=f"{mcc}{mnc.zfill(2)}" if mcc and mnc else None,
            ported=_flag(_field(details, "Ported")), roaming=_flag(_field(details, "Roaming")),
            price=price, currency=currency, raw=row)
    word = _text(_field(row, "Status"))
    if word is None:
        raise ValueError("no Status")
    state = delivery_state(word)
    channel = "viber" if kind == "viber" else "sms"
    return StatusReport(
        message_id=str(MessageId(channel, provider_id)), recipient=msisdn, state=state,
        provider_state=word, sent_at=_utc(_field(row, "Sending date")),
        delivered_at=(_utc(_field(row, "DLR Date"))
                      if state in (DeliveryState.DELIVERED, DeliveryState.READ) else None),
        price=price, currency=currency, raw=row)
