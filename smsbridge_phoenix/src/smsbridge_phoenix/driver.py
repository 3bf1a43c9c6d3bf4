"""The Phoenix driver: hook implementations and the provider's extras."""

from __future__ import annotations

from collections.abc import Sequence

from smsbridge.driver import Driver
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Balance, Message, SentMessage, StatusReport
from smsbridge_phoenix import api
from smsbridge_phoenix.api import AddressBook, Contact
from smsbridge_phoenix.errors import PROVIDER_ERRORS
from smsbridge_phoenix.formats import (
    check_limits,
    dispatch_id_of,
    parse_message_id,
    utc_now,
    wire_phone,
)
from smsbridge_phoenix.settings import PhoenixSettings

__all__ = ["PhoenixDriver"]


class PhoenixDriver(Driver[PhoenixSettings]):
    """Phoenix (ГП РОС «Феникс») SMS dispatches: one send to many phones per request.

    A dispatch's id is shared by its recipients; each recipient's message id is
    ``"<dispatch id>:<phone>"`` so ids stay unique per recipient, and ``status()``
    reports the dispatch's state for it. Extras: :meth:`address_books`,
    :meth:`contacts`, :meth:`cancel_dispatch`, :meth:`run_dispatch`.
    """

    name = "phoenix"
    batch_setting = "dispatch_size"
    mixed_batches = False
    features = frozenset({"send_at"})
    url_credentials = (None, "token")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_phoenix.simulator:PhoenixSimulator"

    def check_message(self, message: Message) -> None:
        """Check text length, send time and the absent sender against the document."""
        super().check_message(message)
        check_limits(message, utc_now())

    def check_recipient(self, number: str) -> None:
        """Phoenix takes its own numbers only (38071xxxxxxx and the forms converted to it)."""
        wire_phone(number)

    # -- operations ---------------------------------------------------------------

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Create one dispatch for the chunk; every recipient gets the dispatch's id."""
        request = api.send_request(self.settings, messages)
        # Phoenix has no deduplication key: a send whose answer is lost must not repeat.
        answer = self.perform(request, operation="send", send=True, idempotent=False)
        return api.parse_send(answer, messages)

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Report the state of the message's dispatch."""
        dispatch_id, phone = parse_message_id(message_id)
        answer = self.perform(api.status_request(self.settings, dispatch_id),
                              operation="status")
        return api.parse_status(answer, message_id, phone, self.settings.zone)

    @hookimpl
    def balance(self) -> Balance:
        """Fetch the balance and credit limit; the period figures stay in ``raw``."""
        answer = self.perform(api.balance_request(self.settings), operation="balance")
        return api.parse_balance(answer)

    # -- extras -------------------------------------------------------------------

    def address_books(self) -> list[AddressBook]:
        """List the account's address books (``{"id": 1, "name": "..."}`` each)."""
        answer = self.perform(api.address_books_request(self.settings),
                              operation="address_books")
        return api.parse_address_books(answer)

    def contacts(self, address_book_id: int) -> list[Contact]:
        """List the contacts of an address book (``{"phone": ..., "comment": ...}`` each).

        :raises NotFound: when the address book does not exist.
        """
        answer = self.perform(api.contacts_request(self.settings, address_book_id),
                              operation="contacts")
        return api.parse_contacts(answer)

    def cancel_dispatch(self, dispatch: int | str) -> None:
        """Cancel a dispatch, given its id or any of its message ids.

        Not repeated when the answer is lost (a repeat would fail as "can not be
        canceled"); check :meth:`status` after a :class:`TransportError`.

        :raises NotFound: when the dispatch does not exist.
        :raises ProviderError: ``DISPATCH_CAN_NOT_BE_CANCELED`` when its state forbids it.
        """
        request = api.cancel_request(self.settings, dispatch_id_of(dispatch))
        answer = self.perform(request, operation="cancel_dispatch", idempotent=False)
        api.parse_no_content(answer)

    def run_dispatch(self, dispatch: int | str) -> None:
        """Run a dispatch again (after a cancel or a lack of money), given its id or any
        of its message ids.

        Running sends messages, so like a send it is never repeated after a lost answer.

        :raises NotFound: when the dispatch does not exist.
        :raises ProviderError: ``DISPATCH_CAN_NOT_BE_RUN`` when its state forbids it.
        :raises DeliveryUnknown: when the request may have reached the provider.
        """
        request = api.run_request(self.settings, dispatch_id_of(dispatch))
        answer = self.perform(request, operation="run_dispatch", send=True, idempotent=False)
        api.parse_no_content(answer)

    @staticmethod
    def dispatch_id(message_id: int | str) -> int:
        """The dispatch id inside a message id that :meth:`send` returned."""
        return dispatch_id_of(message_id)
