"""The Nikita driver: hook implementations over :mod:`smsbridge_nikita.api`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.answers import Answer
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
from smsbridge_nikita import api
from smsbridge_nikita.errors import (
    DR_DESCRIPTIONS,
    DR_ERRORS,
    DR_NOT_FOUND,
    INFO_DESCRIPTIONS,
    INFO_ERRORS,
    LOOKUP_DESCRIPTIONS,
    LOOKUP_ERRORS,
    PROVIDER_ERRORS,
    SEND_DESCRIPTIONS,
    STATUS_BUSY,
    STATUS_DUPLICATE,
    STATUS_OK,
    STATUS_TEST_MODE,
)
from smsbridge_nikita.settings import NikitaSettings

__all__ = ["NikitaDriver"]

logger = logging.getLogger("smsbridge.nikita")


class NikitaDriver(Driver[NikitaSettings]):
    """SMSPRO Nikita (smspro.nikita.kg): XML over POST, at most 50 phones per request."""

    name = "nikita"
    settings_class = NikitaSettings
    batch_size = api.MAX_PHONES
    mixed_batches = False
    # The provider refuses a second message with our id: repeats cannot double.
    features = frozenset({"send_at", "deduplication"})
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_nikita.simulator:NikitaSimulator"

    @property
    def nikita_settings(self) -> NikitaSettings:
        """The settings, typed as this driver's own."""
        assert isinstance(self.settings, NikitaSettings)
        return self.settings

    def _post(self, path: str, body: bytes, *, operation: str, send: bool = False) -> Answer:
        # Every request may be repeated: reads change nothing and the provider refuses a
        # second message with the same id, so even a repeated send cannot double.
        return self.request("POST", path, operation=operation, data=body,
                                      headers=api.XML_HEADERS, send=send, idempotent=True)

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check sender, text, numbers, time and options against Nikita's limits."""
        for message in messages:
            api.check_message(message)
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send one chunk (at most 50 phones) as one ``message`` request.

        A repeated id (status 10) is an earlier acceptance of this chunk (a lost answer,
        a redelivered task, a rerun with the same reference): ``dr`` lists the numbers
        the id holds and the chunk's result is that acceptance, or
        :class:`DuplicateMessage` when the id belongs to another send.
        """
        settings = self.nikita_settings
        # One id for the chunk, kept for every repeat, so the provider deduplicates.
        request_id = fit_reference(messages[0].reference, api.ID_LENGTH)
        body = api.message_body(settings, request_id, messages)
        repeated = False  # True once an earlier request with this id may have been taken
        maybe_taken = False  # True once an attempt got no readable answer
        busy_rounds = 0
        while True:
            response = self._post("message", body, operation="send", send=True)
            maybe_taken = maybe_taken or response.maybe_accepted
            repeated = repeated or response.attempts > 1 or maybe_taken
            code, root = api.answer(response)
            if code == STATUS_TEST_MODE and settings.test:
                return api.parse_sent(response, root, messages, request_id)
            if code == STATUS_OK:
                held = None
                if api.named_refusals(response, root, messages) is None:
                    # Fewer numbers recognized than sent, and the answer does not say
                    # which: the numbers the id holds tell.
                    held = self._held(request_id, response, certain=False)
                return api.parse_sent(response, root, messages, request_id, held)
            if code == STATUS_DUPLICATE:
                held = self._held(request_id, response, certain=not repeated)
                return api.accepted_earlier(response, root, messages, request_id, held)
            if code == STATUS_BUSY and busy_rounds < settings.busy_retries:
                busy_rounds += 1
                repeated = True
                delay = api.busy_delay(settings, self.retry.jitter())
                logger.warning("nikita is busy (status 9) with request %s; repeat %d of %d "
                               "in %.1f s", request_id, busy_rounds, settings.busy_retries,
                               delay)
                self.retry.sleep(delay)
                continue
            if code == STATUS_TEST_MODE:
                raise api.provider_error(
                    response, {}, code, PROVIDER_ERRORS,
                    {code: "the provider answered in test mode (status 11) although the "
                           "'test' setting is off; nothing was sent"},
                    operation="send")
            error = api.provider_error(response, root, code, PROVIDER_ERRORS,
                                       SEND_DESCRIPTIONS, operation="send",
                                       retry_after=settings.busy_delay_max)
            # After a lost answer, a refusal may answer a copy of a message already taken.
            raise settle_send_error(error, maybe_accepted=maybe_taken)

    def _held(self, request_id: str, sent: Answer, *, certain: bool) -> list[str]:
        """The numbers the provider holds under ``request_id`` (``dr`` without a phone).

        Asked after an answer that accepted, or refused as a repeat, the chunk: when the
        question fails, the chunk's outcome per recipient is unknown. ``certain`` says
        whether "no report for this id" proves that no earlier request of ours was
        taken (then the id is someone else's); otherwise that is unknown too.
        """
        try:
            response = self._post("dr", api.dr_body(self.nikita_settings, request_id, None),
                                  operation="send")
            code, root = api.answer(response, force_list=("phone",))
            if code == STATUS_OK:
                return api.held_phones(response, root)
            if code == DR_NOT_FOUND and certain:
                return []
            raise api.provider_error(response, root, code, DR_ERRORS, DR_DESCRIPTIONS,
                                     operation="send")
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
        response = self._post("dr", api.dr_body(self.nikita_settings, request_id, phone),
                              operation="status")
        code, root = api.answer(response, force_list=("phone", "dr"))
        if code != STATUS_OK:
            raise api.provider_error(response, root, code, DR_ERRORS, DR_DESCRIPTIONS,
                                     operation="status")
        return api.parse_status(response, root, request_id, phone)

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Parse a delivery-report push into StatusReports with ``send``'s message ids."""
        return list(api.parse_callback(body, self.redactor))

    @hookimpl
    def lookup(self, msisdn: str) -> Lookup:
        """Region, operator and UTC offset of a Kyrgyz GSM number (``def``)."""
        response = self._post("def", api.lookup_body(self.nikita_settings, msisdn),
                              operation="lookup")
        code, root = api.answer(response)
        if code != STATUS_OK:
            raise api.provider_error(response, root, code, LOOKUP_ERRORS, LOOKUP_DESCRIPTIONS,
                                     operation="lookup")
        return api.parse_lookup(response, root, msisdn)

    def _info(self, operation: str) -> tuple[Answer, dict[str, Any]]:
        response = self._post("info", api.info_body(self.nikita_settings),
                              operation=operation)
        code, root = api.answer(response)
        if code != STATUS_OK:
            raise api.provider_error(response, root, code, INFO_ERRORS, INFO_DESCRIPTIONS,
                                     operation=operation)
        return response, root

    @hookimpl
    def balance(self) -> Balance:
        """The money on the account (``info``); an inactive account is logged as a warning.

        ``raw["state"]`` keeps the provider's flag ("0" active, "1" inactive or blocked);
        :meth:`account_active` answers the question directly.
        """
        response, root = self._info("balance")
        return api.parse_balance(response, root)

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """The account's price of one SMS part (``info`` ``smsprice``)."""
        if filters:
            raise ValidationError(
                f"nikita prices take no filters, got {', '.join(sorted(filters))}",
                field="filters")
        if channel not in (None, "sms"):
            return []
        response, root = self._info("prices")
        return [api.parse_price(response, root)]

    def account_active(self) -> bool:
        """True when the account is active; False when it is inactive or blocked."""
        response, root = self._info("account_active")
        return api.account_active(response, root)
