"""The ``memory`` driver: accepts messages into an outbox instead of sending them.

For applications' own tests (see the ``sms_outbox`` pytest fixture) and for trying
smsbridge without an account::

    sms = smsbridge.connect("memory")
    sms.send("+996 550 123 456", "hello")
    sms.driver.outbox[0].text  # 'hello'

Delivery moves through the states of the ``progression`` setting (default: straight to
``delivered``), one step per ``status()`` query or per :meth:`MemoryDriver.advance`.
:meth:`MemoryDriver.callback_body` makes the push a provider would send about those
steps, which ``parse_callback`` reads back: webhook code can be tested end to end::

    sms = smsbridge.connect("memory://?progression=queued,sent,delivered")
    result = sms.send("996550123456", "hello")
    body = sms.driver.callback_body(sms.driver.advance())   # one report: state "sent"
    sms.parse_callback(body)[0].state                        # DeliveryState.SENT
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from smsbridge.converter import to_data
from smsbridge.driver import Driver
from smsbridge.errors import ConfigError, InvalidResponse, NotFound, ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, StatusReport
from smsbridge.phones import country_setting
from smsbridge.settings import BaseSettings
from smsbridge.text import segments

if TYPE_CHECKING:
    from smsbridge.client import Client

__all__ = ["MemoryDriver", "MemorySettings", "Outbox", "ProviderChecks", "stand_in"]

#: The fields of a StatusReport a memory push carries, in this order.
_PUSHED = ("message_id", "recipient", "state", "sent_at", "delivered_at")


@attrs.frozen(kw_only=True)
class MemorySettings(BaseSettings):
    """Settings of the memory driver.

    :ivar max_parts: messages longer than this many SMS parts are refused, as a real
        provider would.
    :ivar balance: the figure ``balance()`` reports.
    :ivar progression: the delivery states every message goes through, comma-separated
        (``"queued,sent,delivered"``); a message starts in the first.
    :ivar default_country: national numbers are read as this country's, as the driver
        the memory client stands in for would read them (None: none).
    """

    max_parts: int = 10
    balance: Decimal = Decimal("100")
    progression: str = "delivered"
    default_country: str | None = country_setting()


def _progression(value: str) -> tuple[DeliveryState, ...]:
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    known = {state.value: state for state in DeliveryState}
    unknown = [name for name in names if name not in known]
    if not names or unknown:
        raise ConfigError(
            f"progression must list delivery states ({', '.join(known)}), got {value!r}",
            key="progression")
    return tuple(known[name] for name in names)


@attrs.define(kw_only=True)
class _Sent:
    message: Message
    step: int = 0
    sent_at: datetime
    changed_at: datetime


class Outbox(list[Message]):
    """The messages a memory driver accepted, oldest first."""

    @property
    def last(self) -> Message:
        """The newest message; IndexError saying so when the outbox is empty."""
        if not len(self):
            raise IndexError("the outbox is empty: nothing was sent")
        return self[-1]

    def to(self, number: str) -> list[Message]:
        """Messages sent to ``number`` (digits only, as normalized)."""
        return [m for m in self if m.to == number]

    @property
    def texts(self) -> list[str]:
        """Every accepted text, oldest first."""
        return [m.text for m in self]


class MemoryDriver(Driver[MemorySettings]):
    """Keeps every accepted message in ``outbox``; delivery follows ``progression``."""

    name = "memory"
    settings_class = MemorySettings
    batch_size = 1000
    mixed_batches = True
    features = frozenset({"send_at", "viber"})

    #: Makes each driver's outbox; the pytest plugin points it at the fixture's outbox.
    outbox_factory: ClassVar[Any] = Outbox

    def __init__(self, settings: MemorySettings, *, outbox: Outbox | None = None,
                 **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.progression = _progression(settings.progression)
        self.outbox: Outbox = type(self).outbox_factory() if outbox is None else outbox
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._sent: dict[str, _Sent] = {}

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Refuse texts longer than ``max_parts`` SMS parts."""
        for text in {message.text for message in messages}:
            parts = segments(text).parts
            if parts > self.settings.max_parts:
                raise ValidationError(
                    f"text needs {parts} SMS parts; the memory driver allows "
                    f"{self.settings.max_parts}", field="text")
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Record the messages in the outbox."""
        results = []
        parts = {text: segments(text).parts for text in {m.text for m in messages}}
        now = datetime.now(timezone.utc)
        with self._lock:
            for message in messages:
                message_id = f"mem-{next(self._ids)}"
                self.outbox.append(message)
                self._sent[message_id] = _Sent(message=message, sent_at=now, changed_at=now)
                results.append(SentMessage(
                    recipient=message.to, message_id=message_id,
                    parts=parts[message.text], provider=self.name,
                    reference=message.reference,
                ))
        return results

    def _report(self, message_id: str, sent: _Sent) -> StatusReport:
        state = self.progression[sent.step]
        return StatusReport(
            message_id=message_id, recipient=sent.message.to, state=state,
            provider_state=state.value, sent_at=sent.sent_at,
            delivered_at=sent.changed_at if state is DeliveryState.DELIVERED else None)

    def _find(self, message_id: str, operation: str) -> _Sent:
        sent = self._sent.get(message_id)
        if sent is None:
            raise NotFound(f"no such message: {message_id!r}", provider=self.name,
                           code=None, operation=operation)
        return sent

    def _step(self, message_id: str, sent: _Sent) -> bool:
        if sent.step + 1 >= len(self.progression):
            return False
        sent.step += 1
        sent.changed_at = datetime.now(timezone.utc)
        return True

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Move a recorded message one step along ``progression`` and report it."""
        with self._lock:
            sent = self._find(message_id, "status")
            self._step(message_id, sent)
            return self._report(message_id, sent)

    def advance(self, message_id: str | None = None) -> list[StatusReport]:
        """Move one message (or every message) one step; the reports of those that moved."""
        with self._lock:
            if message_id is not None:
                chosen = [(message_id, self._find(message_id, "advance"))]
            else:
                chosen = list(self._sent.items())
            return [self._report(mid, sent) for mid, sent in chosen if self._step(mid, sent)]

    def reports(self) -> list[StatusReport]:
        """The current report of every recorded message."""
        with self._lock:
            return [self._report(mid, sent) for mid, sent in self._sent.items()]

    @staticmethod
    def callback_body(reports: Iterable[StatusReport]) -> bytes:
        """The JSON push about ``reports`` that :meth:`parse_callback` reads."""
        items = [{key: data[key] for key in _PUSHED} for data in to_data(list(reports))]
        return json.dumps({"reports": items}).encode("utf-8")

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Read a push made by :meth:`callback_body`."""
        try:
            document = json.loads(body.decode("utf-8"))
            items = document["reports"]
            if not isinstance(items, list):
                raise TypeError("reports is not a list")
            return [_parse_report(item) for item in items]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidResponse(
                f"memory/parse_callback: not a memory push: {type(exc).__name__}: {exc}",
                body=body[:500].decode("utf-8", "replace"), provider=self.name,
                operation="parse_callback") from exc

    @hookimpl
    def balance(self) -> Balance:
        """The configured balance."""
        return Balance(amount=self.settings.balance, currency=None)


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"naive time {value!r}")
    return parsed.astimezone(timezone.utc)


def _parse_report(item: Any) -> StatusReport:
    state = DeliveryState(item["state"])
    return StatusReport(message_id=str(item["message_id"]), recipient=item.get("recipient"),
                        state=state, provider_state=state.value,
                        sent_at=_parse_time(item.get("sent_at")),
                        delivered_at=_parse_time(item.get("delivered_at")), raw=item)


class ProviderChecks:
    """A plugin that checks messages with another driver's ``validate`` (its provider's
    limits: text length, sender format, ...), for a memory client standing in for it."""

    def __init__(self, driver: Driver[Any]) -> None:
        self.driver = driver

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool | None:
        """The stood-in driver's checks; None (the memory driver's) when it has none."""
        check = getattr(self.driver, "validate", None)
        if check is None or not hasattr(check, "smsbridge_impl"):
            return None
        return bool(check(messages))


def stand_in(driver: Driver[Any], outbox: Outbox) -> Client:
    """A memory client recording into ``outbox`` in place of ``driver``: the same default
    sender and country, the same provider checks, nothing sent."""
    from smsbridge.client import Client

    memory = MemoryDriver(MemorySettings(
        sender=driver.settings.sender,
        default_country=getattr(driver.settings, "default_country", None)), outbox=outbox)
    return Client(memory, plugins=[ProviderChecks(driver)])
