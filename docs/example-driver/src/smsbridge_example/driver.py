"""The Example SMS driver: what the provider takes, and one hook per operation."""

from __future__ import annotations

from collections.abc import Sequence

from smsbridge.checks import SenderRule
from smsbridge.driver import Driver
from smsbridge.errors import ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Balance, Message, SentMessage, StatusReport
from smsbridge_example import api
from smsbridge_example.errors import PROVIDER_ERRORS
from smsbridge_example.settings import ExampleSettings

__all__ = ["ExampleDriver"]


class ExampleDriver(Driver[ExampleSettings]):
    """Example SMS: up to 100 recipients of one text per request."""

    name = "example"
    batch_size = 100
    send_options = frozenset({"flash"})
    sender_rule = SenderRule(
        patterns=(r"[A-Za-z][A-Za-z0-9 .\-]{0,10}", r"[0-9]{3,15}"),
        hint="Example SMS takes up to 11 latin letters, digits, spaces, dots and "
             "hyphens starting with a letter, or a number of 3 to 15 digits",
    )
    url_credentials = (None, "api_key")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_example.simulator:ExampleSimulator"

    def check_message(self, message: Message) -> None:
        """Add the provider's limits to the base checks: text length, no send time."""
        super().check_message(message)
        if len(message.text) > api.MAX_TEXT_LENGTH:
            raise ValidationError(f"text is {len(message.text)} characters long; Example "
                                  f"SMS takes at most {api.MAX_TEXT_LENGTH}", field="text")
        if message.validity is not None:
            raise ValidationError("Example SMS has no validity period", field="validity")
        if not isinstance(message.options.get("flash", False), bool):
            raise ValidationError("flash must be True or False", field="flash")

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send one chunk (one text) in one request."""
        request = api.send_request(self.settings, messages)
        # The provider does not deduplicate: a send whose answer is lost is not repeated.
        answer = self.perform(request, operation="send", send=True, idempotent=False)
        return api.parse_send(answer, messages)

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Ask for the state of one message."""
        answer = self.perform(api.status_request(self.settings, message_id),
                              operation="status")
        return api.parse_status(answer, message_id)

    @hookimpl
    def balance(self) -> Balance:
        """Ask for the account's balance."""
        answer = self.perform(api.balance_request(self.settings), operation="balance")
        return api.parse_balance(answer)
