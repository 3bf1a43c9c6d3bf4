"""The operations a driver implements, as pluggy hook specifications.

A driver is a class whose methods are marked with :data:`hookimpl` and named after
these specifications. Every specification is ``firstresult``: the driver answers,
extension plugins may wrap the call. Implementations never give their arguments
default values. Arguments are only ever added, never renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pluggy

from smsbridge.models import (
    Balance,
    HlrResult,
    IncomingMessage,
    Lookup,
    Message,
    Price,
    SentMessage,
    Statistics,
    StatusReport,
)

PROJECT = "smsbridge"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: Operation hooks, in the order the documentation lists them.
OPERATIONS = (
    "send",
    "status",
    "balance",
    "prices",
    "hlr",
    "hlr_result",
    "lookup",
    "report",
    "inbox",
    "parse_callback",
    "validate",
)


@hookspec(firstresult=True)
def send(messages: Sequence[Message]) -> list[SentMessage]:  # type: ignore[empty-body]
    """Send one chunk of messages in as few provider requests as the provider allows.

    :param messages: at most the driver's ``batch_size`` messages, already validated
        by :func:`validate`, numbers normalized to digits. Unless the driver declares
        ``mixed_batches``, every message of a chunk shares text, sender, send time,
        validity, reference, channel and options. The chunk's ``reference`` is the
        id to reuse on retries (see :func:`smsbridge.ids.fit_reference`).
    :returns: one :class:`SentMessage` per message, in order. A recipient the provider
        refused while accepting others carries ``error``.
    :raises ProviderError: when the provider refused the whole request.
    :raises DeliveryUnknown: when the request may have reached the provider.
    """


@hookspec(firstresult=True)
def validate(messages: Sequence[Message]) -> bool:  # type: ignore[empty-body]
    """Check messages against the provider's documented limits, without network I/O.

    :param messages: messages with numbers normalized to digits.
    :returns: True when every message is acceptable.
    :raises ValidationError: naming the first problem found.
    """


@hookspec(firstresult=True)
def status(message_id: str) -> StatusReport:  # type: ignore[empty-body]
    """Fetch the delivery state of a message.

    :param message_id: an id that :func:`send` returned.
    :returns: the message's :class:`StatusReport`.
    :raises NotFound: when the provider does not know the id.
    :raises ValidationError: when the id is not one this driver issues.
    """


@hookspec(firstresult=True)
def balance() -> Balance:  # type: ignore[empty-body]
    """Fetch the account balance.

    :returns: the :class:`Balance`.
    :raises AuthError: when the credentials are refused.
    """


@hookspec(firstresult=True)
def prices(channel: str | None, filters: Mapping[str, Any]) -> list[Price]:  # type: ignore[empty-body]
    """List prices.

    :param channel: ``"sms"``, ``"viber"``, ``"hlr"``, or None for every channel.
    :param filters: provider-specific filters (``tariff``, ``country``, ...).
    :returns: a list of :class:`Price`.
    """


@hookspec(firstresult=True)
def hlr(msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:  # type: ignore[empty-body]
    """Create HLR requests for phone numbers.

    :param msisdns: numbers normalized to digits.
    :param options: provider-specific options (``reference``, ``tariff``, ...).
    :returns: one :class:`HlrResult` per number, usually with ``status`` ``sent``.
    """


@hookspec(firstresult=True)
def hlr_result(hlr_id: str) -> HlrResult:  # type: ignore[empty-body]
    """Fetch the result of an HLR request created earlier.

    :param hlr_id: an id that :func:`hlr` returned.
    :returns: the :class:`HlrResult`.
    :raises NotFound: when the provider does not know the id.
    """


@hookspec(firstresult=True)
def lookup(msisdn: str) -> Lookup:  # type: ignore[empty-body]
    """Look up region, operator and time zone of a phone number.

    :param msisdn: the number, normalized to digits.
    :returns: the :class:`Lookup`.
    :raises NotFound: when the provider has no data for the number.
    """


@hookspec(firstresult=True)
def report(start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:  # type: ignore[empty-body]
    """Summarize messages sent between two aware datetimes.

    :param start: beginning of the period (aware).
    :param end: end of the period (aware), after ``start``.
    :param filters: provider-specific filters.
    :returns: the :class:`Statistics`.
    """


@hookspec(firstresult=True)
def inbox(start: datetime, end: datetime) -> list[IncomingMessage]:  # type: ignore[empty-body]
    """List messages received between two aware datetimes.

    :param start: beginning of the period (aware).
    :param end: end of the period (aware), after ``start``.
    :returns: a list of :class:`IncomingMessage`.
    """


@hookspec(firstresult=True)
def parse_callback(body: bytes, content_type: str | None) -> list[Any]:  # type: ignore[empty-body]
    """Parse a delivery or HLR report the provider pushed to the application.

    :param body: the raw request body the provider sent.
    :param content_type: the request's Content-Type header, when known.
    :returns: a list of :class:`StatusReport` and/or :class:`HlrResult`.
    :raises InvalidResponse: when the body cannot be understood.
    """
