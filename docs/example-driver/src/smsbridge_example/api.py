"""The Example SMS wire protocol: the requests the driver makes and how to read the answers.

Pure functions, no I/O: ``<operation>_request(settings, ...)`` builds a
:class:`~smsbridge.transport.Request`; ``parse_<operation>(answer, ...)`` reads the
:class:`~smsbridge.answers.Answer` the driver got for it, raising errors only through
the answer's error builder. Every request carries ``Authorization: Bearer <api_key>``;
bodies and answers are JSON; an error is ``{"error": {"code": "...", "message": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from smsbridge.answers import Answer
from smsbridge.errors import ProviderError
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, StatusReport
from smsbridge.parsing import as_count, as_str, parse_decimal
from smsbridge.transport import Request, retry_after
from smsbridge_example.errors import MESSAGE_STATES, PROVIDER_ERRORS
from smsbridge_example.settings import ExampleSettings

__all__ = [
    "MAX_TEXT_LENGTH",
    "balance_request",
    "parse_balance",
    "parse_send",
    "parse_status",
    "read_json",
    "send_request",
    "status_request",
]

#: The longest text the provider takes, in characters.
MAX_TEXT_LENGTH = 1600


# -- requests ------------------------------------------------------------------------


def _headers(settings: ExampleSettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.api_key}"}


def send_request(settings: ExampleSettings, messages: Sequence[Message]) -> Request:
    """``POST /messages``: the chunk's text (one text per chunk) to its recipients."""
    first = messages[0]
    body: dict[str, Any] = {"to": [message.to for message in messages], "text": first.text}
    if first.sender:
        body["sender"] = first.sender
    if first.options.get("flash"):
        body["flash"] = True
    return Request(method="POST", path="messages", json=body, headers=_headers(settings))


def status_request(settings: ExampleSettings, message_id: str) -> Request:
    """``GET /messages/{id}``."""
    # Quoted whole: an id is the caller's input and must stay one path segment.
    return Request(method="GET", path=f"messages/{quote(message_id, safe='')}",
                   headers=_headers(settings))


def balance_request(settings: ExampleSettings) -> Request:
    """``GET /balance``."""
    return Request(method="GET", path="balance", headers=_headers(settings))


# -- answers -------------------------------------------------------------------------


def read_json(answer: Answer) -> Any:
    """The JSON payload of an answer, after raising the error it reports.

    The body's error code wins over the HTTP status (a gateway in front of the provider
    may answer 500 for anything); an HTTP failure without one is ``answer.http_error()``.
    """
    payload = answer.json()
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and as_str(error.get("code")):
        raise answer.error(PROVIDER_ERRORS, as_str(error["code"]), as_str(error.get("message")),
                           retry_after=retry_after(answer.headers))
    if not answer.ok:
        raise answer.http_error()
    return payload


def parse_send(answer: Answer, messages: Sequence[Message]) -> list[SentMessage]:
    """One :class:`SentMessage` per message of the chunk, in order.

    A recipient the provider refused while it took the others carries ``error``.
    """
    payload = read_json(answer)
    sent: list[SentMessage] = []
    with answer.reading("the send answer"):
        items = payload["messages"]
        if not isinstance(items, list) or len(items) != len(messages):
            raise ValueError(f"expected {len(messages)} messages in the answer")
        for message, item in zip(messages, items, strict=True):
            error = item.get("error")
            if error is not None:
                refused = answer.error(PROVIDER_ERRORS, as_str(error["code"]),
                                       as_str(error.get("message")))
                if not isinstance(refused, ProviderError):
                    raise refused  # the answer proves no refusal: the chunk is unknown
                sent.append(SentMessage(recipient=message.to, message_id=None, error=refused,
                                        provider=answer.provider,
                                        reference=message.reference, raw=item))
                continue
            message_id = as_str(item["id"])
            if message_id is None:
                raise ValueError("a message has no id")
            sent.append(SentMessage(recipient=message.to, message_id=message_id,
                                    parts=as_count(item.get("parts")),
                                    provider=answer.provider, reference=message.reference,
                                    raw=item))
    return sent


def parse_status(answer: Answer, message_id: str) -> StatusReport:
    """A :class:`StatusReport` from ``GET /messages/{id}``."""
    payload = read_json(answer)
    with answer.reading("the message status"):
        provider_state = as_str(payload["status"])
        if provider_state is None:
            raise ValueError("the message has no status")
        state = MESSAGE_STATES.get(provider_state, DeliveryState.UNKNOWN)
        updated = payload.get("updated_at")
        when = datetime.fromisoformat(updated.replace("Z", "+00:00")) if updated else None
        if when is not None and when.tzinfo is None:
            raise ValueError(f"updated_at has no time zone: {updated!r}")
    return StatusReport(
        message_id=message_id,
        recipient=as_str(payload.get("to")),
        state=state,
        provider_state=provider_state,
        sent_at=when if state is DeliveryState.SENT else None,
        delivered_at=when if state is DeliveryState.DELIVERED else None,
        raw=payload,
    )


def parse_balance(answer: Answer) -> Balance:
    """A :class:`Balance` from ``GET /balance``."""
    payload = read_json(answer)
    with answer.reading("the balance"):
        amount = parse_decimal(payload["balance"])
        if amount is None:
            raise ValueError("the balance is empty")
        currency = as_str(payload.get("currency"))
    return Balance(amount=amount, currency=currency, raw=payload)
