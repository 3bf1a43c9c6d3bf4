"""The KetchUp Loyalty driver: hook implementations over :mod:`smsbridge_ketchup.api`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import smsbridge
from smsbridge import Driver, hookimpl
from smsbridge.models import HlrResult, Message, Price, SentMessage, Statistics, StatusReport
from smsbridge.phones import normalize_many, normalize_msisdn
from smsbridge_ketchup.api import KetchupApi
from smsbridge_ketchup.errors import PROVIDER_ERRORS
from smsbridge_ketchup.push import parse_push
from smsbridge_ketchup.references import provider_reference
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import validate_message

__all__ = ["KetchupDriver"]


class KetchupDriver(Driver[KetchupSettings]):
    """KetchUp Loyalty (api.smsketchuployalty.com.ua): SMS, Viber, HLR, statistics."""

    name = "ketchup"
    settings_class = KetchupSettings
    batch_size = 1000
    # sms/create "individual" carries a text and originator per recipient.
    mixed_batches = True
    # The platform refuses a second message with our reference: repeats cannot double.
    features = frozenset({"send_at", "viber", "deduplication"})
    url_credentials = (None, "api_key")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_ketchup.simulator:KetchupSimulator"

    def __init__(self, settings: KetchupSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        assert isinstance(settings, KetchupSettings)
        self.settings: KetchupSettings = settings
        # The facade reads the chunk size from the driver; this one is a setting.
        self.batch_size = settings.chunk_size
        self.api = KetchupApi(lambda: self, settings)

    # -- hooks ----------------------------------------------------------------------

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check senders, validity, options and channels against the document."""
        for message in messages:
            validate_message(message)
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send SMS (``phone``/``phones``/``individual``) and Viber messages."""
        return self.api.send(messages)

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Fetch ``sms/{id}``, ``viber/{id}`` or their ``reference/{reference}`` forms."""
        return self.api.status(message_id)

    @hookimpl
    def prices(self, channel: str | None, filters: Mapping[str, Any]) -> list[Price]:
        """List ``{sms,viber,hlr}/prices/{tariff}``."""
        return self.api.prices(channel, filters)

    @hookimpl
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Create HLR requests (``hlr/create``)."""
        return self.api.hlr(msisdns, options)

    @hookimpl
    def hlr_result(self, hlr_id: str) -> HlrResult:
        """Fetch ``hlr/{id}`` or, for ``ref:<reference>``, ``hlr/reference/{reference}``."""
        return self.api.hlr_result(hlr_id)

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Export the period's statistics, wait for the file and count it."""
        return self.api.report(start, end, filters, self.retry.sleep)

    @hookimpl
    def parse_callback(self, body: bytes, content_type: str | None) -> list[Any]:
        """Parse an HLR report (or message status) the provider pushed."""
        try:
            return parse_push(body)
        except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            raise smsbridge.InvalidResponse(
                f"ketchup/parse_callback: not a KetchUp report: {type(exc).__name__}: {exc}",
                body=self.redactor.text(body), provider=self.name,
                operation="parse_callback") from exc

    # -- extras ---------------------------------------------------------------------

    def estimate(self, to: str | Iterable[str], text: str, *, sender: str | None = None,
                 send_at: datetime | None = None, validity: timedelta | None = None,
                 channel: str = "sms", **options: Any) -> Price:
        """What a send would cost (``sms/price`` or ``viber/price``), as a :class:`Price`."""
        messages = [Message(to=n, text=text, sender=sender or self.settings.sender,
                            send_at=send_at, validity=validity, channel=channel,
                            options=options) for n in normalize_many(to)]
        return self.estimate_messages(messages)

    def estimate_messages(self, messages: Sequence[Message]) -> Price:
        """What sending these messages would cost (numbers already normalized)."""
        if not messages:
            raise smsbridge.ValidationError("no messages", field="messages")
        messages = [m if m.sender else Message(
            to=m.to, text=m.text, sender=self.settings.sender, send_at=m.send_at,
            validity=m.validity, reference=m.reference, channel=m.channel,
            options=m.options) for m in messages]
        self.validate(messages)
        return self.api.estimate(messages)

    def status_by_reference(self, reference: str, channel: str = "sms",
                            recipient: str | None = None) -> StatusReport:
        """Status of a message by the reference it was sent with.

        The reference is mapped exactly as ``send()`` mapped it; give ``recipient`` for a
        request that sent one reference to several numbers.
        """
        prefix = "viber:" if channel == "viber" else ""
        number = None if recipient is None else normalize_msisdn(recipient)
        return self.api.status(f"{prefix}ref:{provider_reference(reference, number)}")

    def task_status(self, task_id: str) -> Statistics:
        """Counts of a many-number send by its ``task_id`` (kept in ``SentMessage.raw``)."""
        return self.api.task_status(task_id)

    def hlr_by_reference(self, reference: str, msisdn: str | None = None) -> HlrResult:
        """An HLR request by its reference (``hlr/reference/{reference}``).

        The reference is mapped exactly as ``hlr()`` mapped it; give ``msisdn`` for a
        request that created several HLR requests with one reference.
        """
        number = None if msisdn is None else normalize_msisdn(msisdn)
        return self.api.hlr_result(f"ref:{provider_reference(reference, number)}")

    def create_export(self, *, message_ids: Sequence[str | int] | None = None,
                      start: datetime | None = None, end: datetime | None = None,
                      **filters: Any) -> str:
        """Request a statistics export (``stat/create``); return the file key."""
        return self.api.create_export(message_ids=message_ids, start=start, end=end,
                                      **filters)

    def export_rows(self, key: str) -> list[dict[str, Any]]:
        """The message rows of an export (JSON); ``ProviderError`` 91 while not ready."""
        return self.api.export_rows(key)

    def export_file(self, key: str, file_format: str = "json") -> bytes:
        """Download an export as ``json``, ``xml`` or ``csv`` bytes."""
        return self.api.export_file(key, file_format)

    def list_exports(self) -> Any:
        """The exports the provider keeps (``stat/list``), as answered."""
        return self.api.list_exports()

    def delete_export(self, key: str) -> None:
        """Delete an export (the provider keeps at most five)."""
        self.api.delete_export(key)

    @property
    def is_test_key(self) -> bool:
        """True when the API key is a test key (the provider answers with random data)."""
        return self.api.is_test_key()


