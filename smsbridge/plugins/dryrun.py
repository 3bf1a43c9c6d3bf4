"""The ``dryrun`` plugin: validate as usual, send nothing, return what would be sent.

::

    sms = smsbridge.connect("nikita", ..., plugins=["dryrun"])
    result = sms.send(numbers, "Sale starts Monday")   # checked against Nikita's limits
    result.ids                                         # ['dryrun-1', 'dryrun-2', ...]
    find_plugin(sms, DryRunPlugin).outbox              # the messages, as the driver got them

The client still validates every message with the driver's own rules (numbers, text
length, sender) before ``send`` is called; the plugin answers ``send`` and ``hlr`` (the
operations that create something at the provider and cost money) in the driver's
place, and ``status``/``hlr_result`` for its own ids. Every other operation (balance,
prices, reports, ...) still reaches the provider: reads change nothing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from smsbridge.errors import ConfigError
from smsbridge.hookspecs import hookimpl
from smsbridge.memory import Outbox
from smsbridge.models import (
    DeliveryState,
    HlrResult,
    HlrStatus,
    Message,
    SentMessage,
    StatusReport,
)
from smsbridge.text import segments

if TYPE_CHECKING:
    from smsbridge.driver import Driver

__all__ = ["DRYRUN_PREFIX", "DryRunPlugin"]

#: Every id the plugin hands out starts with this.
DRYRUN_PREFIX = "dryrun-"
_DESCRIPTION = "dry run: nothing was sent"


class DryRunPlugin:
    """Answer ``send`` and ``hlr`` without any request; keep what would have been sent.

    :ivar outbox: the messages ``send`` got, oldest first (an :class:`~smsbridge.memory.Outbox`).
    :ivar hlr_requests: the numbers ``hlr`` got.

    Returned :class:`SentMessage` objects have ids ``dryrun-<n>`` and ``provider``
    ``"dryrun"`` (no provider accepted them).
    """

    def __init__(self, driver: Driver[Any] | None = None, **unknown: Any) -> None:
        if unknown:
            raise ConfigError(
                f"unknown dryrun option(s) {', '.join(sorted(map(repr, unknown)))}; the "
                "dryrun plugin takes none", key="plugins")
        self.driver = driver
        self.outbox = Outbox()
        self.hlr_requests: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<DryRunPlugin {len(self.outbox)} message(s) not sent>"

    def _next_id(self) -> str:
        return f"{DRYRUN_PREFIX}{next(self._ids)}"

    @hookimpl(tryfirst=True)
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Record the chunk and answer for every message, sending nothing."""
        results = []
        with self._lock:
            for message in messages:
                self.outbox.append(message)
                results.append(SentMessage(
                    recipient=message.to, message_id=self._next_id(),
                    parts=segments(message.text).parts, provider="dryrun",
                    reference=message.reference,
                ))
        return results

    @hookimpl(tryfirst=True)
    def status(self, message_id: str) -> StatusReport | None:
        """Answer for the plugin's own ids; leave any other id to the driver."""
        if not message_id.startswith(DRYRUN_PREFIX):
            return None
        return StatusReport(message_id=message_id, state=DeliveryState.UNKNOWN,
                            provider_state="dryrun", description=_DESCRIPTION)

    @hookimpl(tryfirst=True)
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Record the numbers and answer for each, creating no HLR request."""
        with self._lock:
            self.hlr_requests.extend(msisdns)
            return [HlrResult(id=self._next_id(), msisdn=number, status=HlrStatus.UNKNOWN,
                              reference=options.get("reference"), error=_DESCRIPTION)
                    for number in msisdns]

    @hookimpl(tryfirst=True)
    def hlr_result(self, hlr_id: str) -> HlrResult | None:
        """Answer for the plugin's own HLR ids; leave any other id to the driver."""
        if not hlr_id.startswith(DRYRUN_PREFIX):
            return None
        return HlrResult(id=hlr_id, msisdn="", status=HlrStatus.UNKNOWN, error=_DESCRIPTION)
