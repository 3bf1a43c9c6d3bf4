"""Test drivers: one that answers from memory with a secret setting, one that breaks
its contract by returning None."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from smsbridge import BaseSettings, Driver, hookimpl, secret
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, StatusReport
from smsbridge.transport import Request


@attrs.frozen(kw_only=True)
class EchoSettings(BaseSettings):
    login: str
    password: str = secret()
    base_url: str = "https://echo.test/api"
    flag: bool = False


class EchoDriver(Driver):
    """Sends through HTTP POST /send (one request per chunk of 3) and echoes status."""

    name = "testecho"
    settings_class = EchoSettings
    batch_size = 3
    url_credentials = ("login", "password")

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        response = self.perform(
            Request(method="POST", path="/send",
                    json={"to": [m.to for m in messages], "text": messages[0].text,
                          "reference": messages[0].reference}),
            operation="send", send=True, idempotent=False)
        ids = response.json()["ids"]
        return [SentMessage(recipient=m.to, message_id=str(i), provider=self.name,
                            reference=m.reference)
                for m, i in zip(messages, ids, strict=True)]

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        return StatusReport(message_id=message_id, state=DeliveryState.SENT)


class NoneDriver(Driver):
    """Returns None from balance and a wrong type from status: a buggy driver."""

    name = "testnone"

    @hookimpl
    def balance(self) -> Balance:
        return None  # type: ignore[return-value]

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        return "delivered"  # type: ignore[return-value]
