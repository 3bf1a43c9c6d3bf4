"""The ``memory`` driver: accepts messages into an outbox instead of sending them.

For applications' own tests (see the ``sms_outbox`` pytest fixture) and for trying
smsbridge without an account::

    sms = smsbridge.connect("memory")
    sms.send("+996 550 123 456", "hello")
    sms.driver.outbox[0].text  # 'hello'
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from smsbridge.driver import Driver
from smsbridge.errors import NotFound, ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, StatusReport
from smsbridge.settings import BaseSettings
from smsbridge.text import segments

__all__ = ["MemoryDriver", "MemorySettings", "Outbox"]


@attrs.frozen(kw_only=True)
class MemorySettings(BaseSettings):
    """Settings of the memory driver.

    :ivar max_parts: messages longer than this many SMS parts are refused, as a real
        provider would.
    :ivar balance: the figure ``balance()`` reports.
    """

    max_parts: int = 10
    balance: Decimal = Decimal("100")


class Outbox(list[Message]):
    """The messages a memory driver accepted, oldest first."""

    @property
    def last(self) -> Message:
        """The newest message; IndexError when the outbox is empty."""
        return self[-1]

    def to(self, number: str) -> list[Message]:
        """Messages sent to ``number`` (digits only, as normalized)."""
        return [m for m in self if m.to == number]

    @property
    def texts(self) -> list[str]:
        """Every accepted text, oldest first."""
        return [m.text for m in self]


class MemoryDriver(Driver):
    """Keeps every accepted message in ``outbox``; every message reads as delivered."""

    name = "memory"
    settings_class = MemorySettings
    batch_size = 1000
    mixed_batches = True
    features = frozenset({"send_at", "viber"})

    #: Makes each driver's outbox; the pytest plugin points it at the fixture's outbox.
    outbox_factory: ClassVar[Any] = Outbox

    def __init__(self, settings: BaseSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.outbox: Outbox = type(self).outbox_factory()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._sent: dict[str, Message] = {}

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Refuse texts longer than ``max_parts`` SMS parts."""
        assert isinstance(self.settings, MemorySettings)
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
        with self._lock:
            for message in messages:
                message_id = f"mem-{next(self._ids)}"
                self.outbox.append(message)
                self._sent[message_id] = message
                results.append(SentMessage(
                    recipient=message.to, message_id=message_id,
                    parts=parts[message.text], provider=self.name,
                    reference=message.reference,
                ))
        return results

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Report a recorded message as delivered."""
        message = self._sent.get(message_id)
        if message is None:
            raise NotFound("no such message", provider=self.name, code=None,
                           operation="status")
        return StatusReport(message_id=message_id, recipient=message.to,
                            state=DeliveryState.DELIVERED, provider_state="delivered")

    @hookimpl
    def balance(self) -> Balance:
        """The configured balance."""
        assert isinstance(self.settings, MemorySettings)
        return Balance(amount=self.settings.balance, currency=None)
