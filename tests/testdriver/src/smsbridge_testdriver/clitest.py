"""A driver for the command line's tests: every operation, canned answers, chosen failures.

Registered through the ``clitest`` entry point of the installed smsbridge-testdriver
distribution, so discovery works as it does for users.

Behaviour picked by input (the setting ``dedup=true`` claims deduplication):

- send: a number ending in ``0000`` is refused (InvalidRecipient, code 7); the text
  ``leak`` makes the provider echo the password in an error; ``unknown`` raises
  DeliveryUnknown on the second request; ``funds`` raises InsufficientFunds on the
  third request; ``offline`` raises TransportError; ``interrupt`` is Ctrl-C during
  the second request.
- status: ``c-N`` goes queued -> sent -> delivered, one step per query; ids ending in
  ``-x`` end undelivered; ids starting with ``stuck`` stay queued; ``missing`` is
  NotFound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import attrs

from smsbridge import BaseSettings, Driver, hookimpl, secret
from smsbridge.errors import (
    DeliveryUnknown,
    InsufficientFunds,
    InvalidRecipient,
    NotFound,
    ProviderError,
    TransportError,
)
from smsbridge.models import (
    Balance,
    DeliveryState,
    HlrResult,
    HlrStatus,
    IncomingMessage,
    Lookup,
    Message,
    Price,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.text import segments

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
_PROGRESS = (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.DELIVERED)


@attrs.frozen(kw_only=True)
class CliTestSettings(BaseSettings):
    login: str
    password: str = secret()
    base_url: str = "https://clitest.invalid/api"
    flat_price: bool = False
    #: Claim the provider deduplicates by reference (for the CLI's resume tests).
    dedup: bool = False


class CliTestDriver(Driver):
    """Answers from memory; see the module docstring."""

    name = "clitest"
    settings_class = CliTestSettings
    batch_size = 10
    features = frozenset({"send_at"})
    url_credentials = ("login", "password")

    def __init__(self, settings: BaseSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.requests: list[list[Message]] = []
        self.queries: dict[str, int] = {}
        if self.cli_settings.dedup:
            self.features = self.features | {"deduplication"}

    @property
    def cli_settings(self) -> CliTestSettings:
        assert isinstance(self.settings, CliTestSettings)
        return self.settings

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        self.requests.append(list(messages))
        request = len(self.requests)
        text = messages[0].text
        if text == "leak":
            raise ProviderError(f"bad credentials for password {self.cli_settings.password}",
                                provider=self.name, code=3, operation="send")
        if text == "unknown" and request == 2:
            raise DeliveryUnknown("clitest/send: ReadTimeout after the request may have "
                                  "reached the provider", provider=self.name,
                                  operation="send")
        if text == "funds" and request == 3:
            raise InsufficientFunds("not enough money", provider=self.name, code=5,
                                    operation="send", http_status=402)
        if text == "interrupt" and request == 2:
            raise KeyboardInterrupt
        if text == "offline":
            raise TransportError("clitest/send: ConnectionError", provider=self.name,
                                 operation="send")
        parts = segments(text).parts
        results = []
        for index, message in enumerate(messages):
            if message.to.endswith("0000"):
                results.append(SentMessage(
                    recipient=message.to, message_id=None, provider=self.name,
                    error=InvalidRecipient("number not served", provider=self.name, code=7,
                                           operation="send")))
                continue
            results.append(SentMessage(
                recipient=message.to, message_id=f"c-{request}-{index}", parts=parts,
                price=Decimal("0.25") * parts, currency="KGS", provider=self.name,
                reference=message.reference))
        return results

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        if message_id == "missing":
            raise NotFound("no such message", provider=self.name, code=404,
                           operation="status")
        count = self.queries.get(message_id, 0)
        self.queries[message_id] = count + 1
        if message_id.startswith("stuck"):
            state = DeliveryState.QUEUED
        else:
            state = _PROGRESS[min(count, len(_PROGRESS) - 1)]
            if message_id.endswith("-x") and state is DeliveryState.DELIVERED:
                state = DeliveryState.UNDELIVERED
        return StatusReport(message_id=message_id, state=state, recipient="996550123456",
                            provider_state=str(count), price=Decimal("0.25"),
                            currency="KGS")

    @hookimpl
    def balance(self) -> Balance:
        return Balance(amount=Decimal("12.50"), currency="KGS", credit_limit=Decimal("5"))

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        prices = [Price(channel="sms", price=Decimal("0.25"), currency="KGS", country="KG",
                        country_name="Kyrgyzstan", mcc="437")]
        if not self.cli_settings.flat_price:
            prices.append(Price(channel="sms", price=Decimal("0.40"), currency="KGS",
                                country="KZ", country_name="Kazakhstan", mcc="401"))
        prices.append(Price(channel="hlr", price=Decimal("0.05"), currency="KGS"))
        if "country" in filters:
            prices = [p for p in prices if p.country == filters["country"]]
        return [p for p in prices if channel is None or p.channel == channel]

    @hookimpl
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        return [HlrResult(id=f"h-{n}", msisdn=n, status=HlrStatus.SENT) for n in msisdns]

    @hookimpl
    def hlr_result(self, hlr_id: str) -> HlrResult:
        return HlrResult(id=hlr_id, msisdn="996550123456", status=HlrStatus.ACTIVE,
                         network="MegaCom", ported=False, roaming=False,
                         price=Decimal("0.05"), currency="KGS")

    @hookimpl
    def lookup(self, msisdn: str) -> Lookup:
        return Lookup(msisdn=msisdn, region="Bishkek", operator="MegaCom", utc_offset=6)

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        return Statistics(sent=10, delivered=8, undelivered=1, in_progress=1, total=10)

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        return [IncomingMessage(id="in-1", sender="996550123456", recipient="ACME",
                                text="STOP", received_at=WHEN)]
