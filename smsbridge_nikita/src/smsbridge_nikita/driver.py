"""The Nikita driver: hook implementations over :mod:`smsbridge_nikita.api`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.checks import SenderRule
from smsbridge.driver import Driver
from smsbridge.errors import (
    DeliveryUnknown,
    SmsBridgeError,
    ValidationError,
    settle_send_error,
)
from smsbridge.hookspecs import hookimpl
from smsbridge.ids import fit_reference
from smsbridge.models import Balance, Lookup, Message, Price, SentMessage, StatusReport
from smsbridge_nikita import api, parsing, sending
from smsbridge_nikita.errors import (
    PROVIDER_ERRORS,
    STATUS_BUSY,
    STATUS_DUPLICATE,
    STATUS_OK,
    STATUS_TEST_MODE,
)
from smsbridge_nikita.settings import NikitaSettings

__all__ = ["NikitaDriver"]

logger = logging.getLogger("smsbridge.nikita")


class NikitaDriver(Driver[NikitaSettings]):
    """SMSPRO Nikita (smspro.nikita.kg): XML over POST, at most 50 phones per request.

    Every request may be repeated (``idempotent``): reads change nothing and the
    provider refuses a second message with the same id, so even a repeated send cannot
    double.
    """

    name = "nikita"
    batch_size = api.MAX_PHONES
    mixed_batches = False
    # The provider refuses a second message with our id: repeats cannot double.
    features = frozenset({"send_at", "deduplication"})
    sender_rule = SenderRule(
        required=True, patterns=(r"[A-Za-z0-9.\-]{1,11}", r"[0-9]{1,14}"),
        hint="up to 11 latin letters, digits, dots and dashes, or up to 14 digits")
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_nikita.simulator:NikitaSimulator"

    def check_message(self, message: Message) -> None:
        """Check validity, text and time against Nikita's limits too."""
        super().check_message(message)
        if message.validity is not None:
            raise ValidationError(
                "nikita has no validity period (its API has no such field); send without "
                "validity", field="validity")
        if len(message.text) > api.MAX_TEXT_LENGTH:
            raise ValidationError(f"text is {len(message.text)} characters; nikita allows "
                                  f"{api.MAX_TEXT_LENGTH}", field="text")
        if api.XML_ILLEGAL.search(message.text):
            raise ValidationError("text contains control characters that XML cannot carry",
                                  field="text")
        if message.send_at is not None:
            api.bishkek_time(message.send_at)

    def check_recipient(self, number: str) -> None:
        """Nikita takes international numbers only."""
        if not api.PHONE.match(number):
            raise ValidationError(f"invalid phone number {number!r}", field="to")
        if number.startswith("0"):
            # No country code starts with 0: "0550 123 456" is a national number, which
            # the provider documents in the international form only (996555123456).
            raise ValidationError(
                f"invalid phone number {number!r}: a national number; nikita takes the "
                "international form with the country code (996550123456)", field="to")

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send one chunk (at most 50 phones) as one ``message`` request.

        A repeated id (status 10) is an earlier acceptance of this chunk (a lost answer,
        a redelivered task, a rerun with the same reference): ``dr`` lists the numbers
        the id holds and the chunk's result is that acceptance, or
        :class:`DuplicateMessage` when the id belongs to another send.
        """
        settings = self.settings
        # One id for the chunk, kept for every repeat, so the provider deduplicates.
        request_id = fit_reference(messages[0].reference, api.ID_LENGTH)
        request = api.send_request(settings, request_id, messages)
        repeated = False  # True once an earlier request with this id may have been taken
        maybe_taken = False  # True once an attempt got no readable answer
        busy_rounds = 0
        while True:
            answer = self.perform(request, operation="send", send=True)
            maybe_taken = maybe_taken or answer.maybe_accepted
            repeated = repeated or answer.attempts > 1 or maybe_taken
            code, root = api.read_status(answer)
            if code == STATUS_TEST_MODE and settings.test:
                return sending.parse_sent(answer, root, messages, request_id)
            if code == STATUS_OK:
                held = None
                if sending.named_refusals(answer, root, messages) is None:
                    # Fewer numbers recognized than sent, and the answer does not say
                    # which: the numbers the id holds tell.
                    held = self._held(request_id, certain=False)
                return sending.parse_sent(answer, root, messages, request_id, held)
            if code == STATUS_DUPLICATE:
                held = self._held(request_id, certain=not repeated)
                return sending.accepted_earlier(answer, root, messages, request_id, held)
            if code == STATUS_BUSY and busy_rounds < settings.busy_retries:
                busy_rounds += 1
                repeated = True
                delay = api.busy_delay(settings, self.retry.jitter())
                logger.warning("nikita is busy (status 9) with request %s; repeat %d of %d "
                               "in %.1f s", request_id, busy_rounds, settings.busy_retries,
                               delay)
                self.retry.sleep(delay)
                continue
            error = sending.send_error(answer, root, code, settings)
            # After a lost answer, a refusal may answer a copy of a message already taken.
            raise settle_send_error(error, maybe_accepted=maybe_taken)

    def _held(self, request_id: str, *, certain: bool) -> list[str]:
        """The numbers the provider holds under ``request_id`` (``dr`` without a phone).

        Asked after an answer that accepted, or refused as a repeat, the chunk: when the
        question fails, the chunk's outcome per recipient is unknown. ``certain`` says
        whether "no report for this id" proves that no earlier request of ours was
        taken (then the id is someone else's); otherwise that is unknown too.
        """
        try:
            answer = self.perform(api.dr_request(self.settings, request_id, None),
                                  operation="send")
            return sending.parse_held(answer, certain=certain)
        except SmsBridgeError as exc:
            raise DeliveryUnknown(
                f"nikita/send: request {request_id} was taken, but which of its numbers "
                f"the provider holds could not be read ({exc.message}); a repeat of this "
                "send with the same reference returns them",
                provider=self.name, operation="send") from exc

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Poll ``dr`` for one recipient of a request."""
        request_id, phone = api.split_message_id(message_id)
        answer = self.perform(api.dr_request(self.settings, request_id, phone),
                              operation="status")
        return parsing.parse_status(answer, request_id, phone)

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Parse a delivery-report push into StatusReports with ``send``'s message ids."""
        pushed = Answer.of_push(body, provider=self.name, redactor=self.redactor)
        return list(parsing.parse_callback(pushed))

    @hookimpl
    def lookup(self, msisdn: str) -> Lookup:
        """Region, operator and UTC offset of a Kyrgyz GSM number (``def``)."""
        answer = self.perform(api.lookup_request(self.settings, msisdn), operation="lookup")
        return parsing.parse_lookup(answer, msisdn)

    @hookimpl
    def balance(self) -> Balance:
        """The money on the account (``info``); an inactive account is logged as a warning.

        ``raw["state"]`` keeps the provider's flag ("0" active, "1" inactive or blocked);
        :meth:`account_active` answers the question directly.
        """
        answer = self.perform(api.info_request(self.settings), operation="balance")
        return parsing.parse_balance(answer)

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """The account's price of one SMS part (``info`` ``smsprice``)."""
        if filters:
            raise ValidationError(
                f"nikita prices take no filters, got {', '.join(sorted(filters))}",
                field="filters")
        if channel not in (None, "sms"):
            return []
        answer = self.perform(api.info_request(self.settings), operation="prices")
        return [parsing.parse_price(answer)]

    def account_active(self) -> bool:
        """True when the account is active; False when it is inactive or blocked."""
        answer = self.perform(api.info_request(self.settings), operation="account_active")
        return parsing.parse_account_active(answer)
