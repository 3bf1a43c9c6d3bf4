"""The Phoenix driver: hook implementations and the provider's extras."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smsbridge.answers import Answer
from smsbridge.driver import Driver
from smsbridge.errors import ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import Balance, Message, SentMessage, StatusReport
from smsbridge.text import segments
from smsbridge_phoenix import api
from smsbridge_phoenix.api import AddressBook, Contact
from smsbridge_phoenix.errors import PROVIDER_ERRORS
from smsbridge_phoenix.settings import DEFAULT_DISPATCH_SIZE, PhoenixSettings

__all__ = ["PhoenixDriver"]

class PhoenixDriver(Driver[PhoenixSettings]):
    """Phoenix (ГП РОС «Феникс») SMS dispatches: one send to many phones per request.

    A dispatch's id is shared by its recipients; each recipient's message id is
    ``"<dispatch id>:<phone>"`` so ids stay unique per recipient, and ``status()``
    reports the dispatch's state for it. Extras: :meth:`address_books`,
    :meth:`contacts`, :meth:`cancel_dispatch`, :meth:`run_dispatch`.
    """

    name = "phoenix"
    settings_class = PhoenixSettings
    batch_size = DEFAULT_DISPATCH_SIZE
    mixed_batches = False
    features = frozenset({"send_at"})
    url_credentials = (None, "token")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_phoenix.simulator:PhoenixSimulator"

    def __init__(self, settings: PhoenixSettings, **kwargs: Any) -> None:
        if not isinstance(settings, PhoenixSettings):
            raise TypeError(f"PhoenixDriver needs PhoenixSettings, got {type(settings).__name__}")
        super().__init__(settings, **kwargs)
        self._settings = settings
        # The dispatch size is a setting here, so this instance sets its own batch size.
        self.batch_size = settings.dispatch_size
        self._prefix = api.api_prefix(settings.base_url)

    def _request(self, method: str, path: str, *, operation: str, json: Any = None,
                 send: bool = False, idempotent: bool = True) -> Answer:
        return self.request(
            method, self._prefix + path, operation=operation,
            params={"token": self._settings.token}, json=json,
            send=send, idempotent=idempotent,
        )

    # -- operations ---------------------------------------------------------------

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check numbers, text length, send time and options against the document."""
        now = api.utc_now()
        for message in messages:
            api.check_message(message, now)
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Create one dispatch for the chunk; every recipient gets the dispatch's id."""
        body = api.dispatch_body(messages, self._settings.zone)
        # Phoenix has no deduplication key: a send whose answer is lost must not repeat.
        response = self._request("POST", "dispatches", operation="send", json=body,
                                 send=True, idempotent=False)
        dispatch_id = api.parse_dispatch_id(response)
        parts = segments(messages[0].text).parts
        return [
            SentMessage(
                recipient=message.to,
                message_id=api.make_message_id(dispatch_id, phone),
                parts=parts,
                provider=self.name,
                reference=message.reference,
                raw={"idDispatch": dispatch_id},
            )
            for message, phone in zip(messages, body["phonesList"], strict=True)
        ]

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Report the state of the message's dispatch."""
        dispatch_id, phone = api.parse_message_id(message_id)
        response = self._request("GET", f"dispatches/{dispatch_id}", operation="status")
        return api.parse_status(response, message_id, phone, self._settings.zone)

    @hookimpl
    def balance(self) -> Balance:
        """Fetch the balance and credit limit; the period figures stay in ``raw``."""
        return api.parse_balance(self._request("GET", "finance/balance", operation="balance"))

    # -- extras -------------------------------------------------------------------

    def address_books(self) -> list[AddressBook]:
        """List the account's address books (``{"id": 1, "name": "..."}`` each)."""
        response = self._request("GET", "addressbooks", operation="address_books")
        return api.parse_address_books(response)

    def contacts(self, address_book_id: int) -> list[Contact]:
        """List the contacts of an address book (``{"phone": ..., "comment": ...}`` each).

        :raises NotFound: when the address book does not exist.
        """
        if (isinstance(address_book_id, bool) or not isinstance(address_book_id, int)
                or address_book_id < 1):
            raise ValidationError(
                f"an address book id is a positive integer, got {address_book_id!r}",
                field="address_book_id")
        response = self._request("GET", f"addressbooks/{address_book_id}/contacts",
                                 operation="contacts")
        return api.parse_contacts(response)

    def cancel_dispatch(self, dispatch: int | str) -> None:
        """Cancel a dispatch, given its id or any of its message ids.

        Not repeated when the answer is lost (a repeat would fail as "can not be
        canceled"); check :meth:`status` after a :class:`TransportError`.

        :raises NotFound: when the dispatch does not exist.
        :raises ProviderError: ``DISPATCH_CAN_NOT_BE_CANCELED`` when its state forbids it.
        """
        body = {"idDispatch": api.dispatch_id_of(dispatch)}
        response = self._request("POST", "dispatches/cancel", operation="cancel_dispatch",
                                 json=body, idempotent=False)
        api.check_no_content(response)

    def run_dispatch(self, dispatch: int | str) -> None:
        """Run a dispatch again (after a cancel or a lack of money), given its id or any
        of its message ids.

        Running sends messages, so like a send it is never repeated after a lost answer.

        :raises NotFound: when the dispatch does not exist.
        :raises ProviderError: ``DISPATCH_CAN_NOT_BE_RUN`` when its state forbids it.
        :raises DeliveryUnknown: when the request may have reached the provider.
        """
        body = {"idDispatch": api.dispatch_id_of(dispatch)}
        response = self._request("POST", "dispatches/run", operation="run_dispatch",
                                 json=body, send=True, idempotent=False)
        api.check_no_content(response)

    @staticmethod
    def dispatch_id(message_id: int | str) -> int:
        """The dispatch id inside a message id that :meth:`send` returned."""
        return api.dispatch_id_of(message_id)
