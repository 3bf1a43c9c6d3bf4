"""Result and input types shared by every driver: frozen, keyword-only attrs classes.

Money is :class:`~decimal.Decimal`, datetimes are timezone-aware, ``raw`` keeps the
parsed provider payload and takes part in neither equality nor repr.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from smsbridge.errors import ProviderError

__all__ = [
    "Balance",
    "DeliveryState",
    "HlrResult",
    "HlrStatus",
    "IncomingMessage",
    "Lookup",
    "Message",
    "Price",
    "Segments",
    "SendResult",
    "SentMessage",
    "Statistics",
    "StatusReport",
]


def _raw() -> Any:
    return attrs.field(default=None, eq=False, repr=False)


class DeliveryState(str, enum.Enum):
    """Where a message is on its way to the handset."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    EXPIRED = "expired"
    REJECTED = "rejected"
    CANCELED = "canceled"
    READ = "read"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """True when the state will not change any more."""
        return self in _FINAL_STATES

    def __str__(self) -> str:
        return self.value


_FINAL_STATES = frozenset(
    {
        DeliveryState.DELIVERED,
        DeliveryState.UNDELIVERED,
        DeliveryState.EXPIRED,
        DeliveryState.REJECTED,
        DeliveryState.CANCELED,
        DeliveryState.READ,
    }
)


class HlrStatus(str, enum.Enum):
    """Outcome of an HLR request."""

    SENT = "sent"
    ABSENT = "absent"
    ACTIVE = "active"
    UNKNOWN = "unknown"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


def _report_id(kind: str, *values: object) -> str:
    """A short stable id of a report's content: the same report pushed twice gets the
    same id, a newer report about the same message a different one."""
    text = "\x1f".join("" if v is None else str(v) for v in (kind, *values))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _options(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class Message:
    """One message to one recipient, as the application asks for it.

    ``options`` carries channel-specific extras (Viber buttons, images, ...).
    """

    to: str
    text: str
    sender: str | None = None
    send_at: datetime | None = None
    validity: timedelta | None = None
    reference: str | None = None
    channel: str = "sms"
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_options, hash=False)


@attrs.frozen(kw_only=True)
class SentMessage:
    """The provider's answer for one recipient of a send."""

    recipient: str
    message_id: str | None
    parts: int | None = None
    price: Decimal | None = None
    currency: str | None = None
    error: ProviderError | None = attrs.field(default=None, eq=False)
    provider: str | None = None
    reference: str | None = None
    raw: Any = _raw()

    @property
    def ok(self) -> bool:
        """True when the provider accepted this recipient."""
        return self.error is None and self.message_id is not None


@attrs.frozen(kw_only=True)
class SendResult:
    """Every recipient's :class:`SentMessage` of one send."""

    messages: list[SentMessage] = attrs.field(factory=list)
    raw: Any = _raw()

    @property
    def ids(self) -> list[str]:
        """Message ids of the accepted recipients, in order."""
        return [m.message_id for m in self.messages if m.message_id is not None]

    @property
    def total_price(self) -> Decimal | None:
        """Sum of the known prices, or None when the provider gave none."""
        prices = [m.price for m in self.messages if m.price is not None]
        return sum(prices, Decimal(0)) if prices else None

    @property
    def currency(self) -> str | None:
        """The currency of the prices when they agree on one."""
        found = {m.currency for m in self.messages if m.currency}
        return found.pop() if len(found) == 1 else None

    @property
    def failed(self) -> list[SentMessage]:
        """Recipients the provider refused."""
        return [m for m in self.messages if not m.ok]

    @property
    def ok(self) -> bool:
        """True when every recipient was accepted."""
        return all(m.ok for m in self.messages)

    def __iter__(self) -> Iterator[SentMessage]:
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)


@attrs.frozen(kw_only=True)
class StatusReport:
    """Delivery state of one message."""

    message_id: str
    state: DeliveryState
    recipient: str | None = None
    provider_state: str | None = None
    description: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    price: Decimal | None = None
    currency: str | None = None
    raw: Any = _raw()

    @property
    def report_id(self) -> str:
        """A stable id of this report: a provider's retried push of the same report
        has the same id (store it to handle each report once)."""
        return _report_id("status", self.message_id, self.recipient, self.state.value,
                          self.provider_state, self.sent_at, self.delivered_at)


@attrs.frozen(kw_only=True)
class Balance:
    """Money left on the account."""

    amount: Decimal
    currency: str | None = None
    credit_limit: Decimal | None = None
    raw: Any = _raw()


@attrs.frozen(kw_only=True)
class Price:
    """Price of one message (or HLR request) for a destination."""

    channel: str
    price: Decimal
    currency: str | None = None
    country: str | None = None
    country_name: str | None = None
    mcc: str | None = None
    raw: Any = _raw()


@attrs.frozen(kw_only=True)
class HlrResult:
    """An HLR (home location register) request and, once known, its answer."""

    id: str | None
    msisdn: str
    status: HlrStatus = HlrStatus.UNKNOWN
    reference: str | None = None
    network: str | None = None
    ported: bool | None = None
    roaming: bool | None = None
    price: Decimal | None = None
    currency: str | None = None
    error: str | None = None
    raw: Any = _raw()

    @property
    def report_id(self) -> str:
        """A stable id of this result: a provider's retried push of the same result
        has the same id (store it to handle each result once)."""
        return _report_id("hlr", self.id, self.reference, self.msisdn, self.status.value,
                          self.network, self.ported, self.roaming, self.error)


@attrs.frozen(kw_only=True)
class Lookup:
    """What the provider knows about a phone number."""

    msisdn: str
    region: str | None = None
    operator: str | None = None
    utc_offset: int | None = None
    raw: Any = _raw()


@attrs.frozen(kw_only=True)
class Statistics:
    """Counts of messages over a period; None where the provider has no figure."""

    sent: int | None = None
    delivered: int | None = None
    undelivered: int | None = None
    in_progress: int | None = None
    expired: int | None = None
    rejected: int | None = None
    total: int | None = None
    raw: Any = _raw()

    @property
    def delivery_ratio(self) -> float | None:
        """Delivered share of the total, or None when it cannot be computed."""
        total = self.total
        if total is None:
            known = [self.delivered, self.undelivered, self.in_progress, self.expired,
                     self.rejected]
            total = sum(n for n in known if n is not None) if any(
                n is not None for n in known) else None
        if not total or self.delivered is None:
            return None
        return self.delivered / total


@attrs.frozen(kw_only=True)
class IncomingMessage:
    """A message a handset sent to the account."""

    id: str | None
    sender: str | None
    recipient: str | None
    text: str
    received_at: datetime | None = None
    prefix: str | None = None
    raw: Any = _raw()


@attrs.frozen(kw_only=True)
class Segments:
    """How a text splits into SMS parts."""

    encoding: str
    parts: int
    length: int
