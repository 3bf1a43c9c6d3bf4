"""The Stream Telecom driver: hook implementations over :mod:`smsbridge_stream.api`."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from smsbridge.checks import SenderRule, check_local_time, check_whole_minutes
from smsbridge.errors import ProviderError, SmsBridgeError, ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import (
    Balance,
    DeliveryState,
    IncomingMessage,
    Message,
    SendResult,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.sessionkit import SessionDriver
from smsbridge.text import segments
from smsbridge_stream import api
from smsbridge_stream.errors import PROVIDER_ERRORS
from smsbridge_stream.settings import StreamSettings

__all__ = ["StreamDriver"]

_MESSAGE_ID = re.compile(r"^[\w.\-]{1,64}$")


class StreamDriver(SessionDriver[StreamSettings]):
    """Stream Telecom (gateway.api.sc) over its REST API.

    Extras beyond the hooks: :meth:`request_detailed_report` and
    :meth:`fetch_detailed_report` (``Statistic/all_stat.php``).
    """

    name = "stream"
    batch_setting = "bulk_size"
    mixed_batches = True
    features = frozenset({"send_at", "local_time"})
    send_options = frozenset({"local_time"})
    # "До 11 латинских символов или до 15 цифровых"; the document's own example has a space.
    sender_rule = SenderRule(
        required=True,
        patterns=(r"[0-9]{1,15}", r"(?![0-9]+$)[A-Za-z0-9 !\"#$%&'()*+,\-./:;<=>?@_]{1,11}"),
        hint="Stream allows up to 11 latin characters or up to 15 digits")
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_stream.simulator:StreamSimulator"

    login_request = staticmethod(api.login_request)
    parse_login = staticmethod(api.parse_session)

    def check_message(self, message: Message) -> None:
        """Check validity and local_time against Stream's documented limits."""
        super().check_message(message)
        check_whole_minutes(message.validity, "Stream")
        check_local_time(message.options, message.send_at)

    # -- sending ----------------------------------------------------------------------

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send a chunk through SendSms, SendBulk, SendBulkPacket or SendByTime.

        Sends are never repeated after an uncertain answer (``DeliveryUnknown``). When
        the chunk needs several requests and a later one is refused, its recipients
        carry the error; when a later one fails uncertainly, the error's ``partial``
        holds the recipients already accepted.
        """
        results: list[SentMessage | None] = [None] * len(messages)
        accepted = False
        for planned in api.plan_requests(messages):
            try:
                ids = self.session.call(
                    functools.partial(api.send_request, planned=planned),
                    functools.partial(api.parse_ids, count=len(planned.indexes)),
                    operation="send", send=True, idempotent=False)
            except ProviderError as exc:
                if not accepted:
                    raise
                for index in planned.indexes:
                    results[index] = self._sent(messages[index], None, error=exc)
                continue
            except SmsBridgeError as exc:
                if accepted:
                    exc.partial = SendResult(messages=[r for r in results if r is not None])
                raise
            accepted = True
            for index, message_id in zip(planned.indexes, ids, strict=True):
                results[index] = self._sent(messages[index], message_id)
        return [r for r in results if r is not None]

    def _sent(self, message: Message, message_id: str | None,
              error: ProviderError | None = None) -> SentMessage:
        return SentMessage(recipient=message.to, message_id=message_id,
                           parts=segments(message.text).parts, error=error,
                           provider=self.name, reference=message.reference)

    # -- queries ----------------------------------------------------------------------

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Read ``State/`` for one message id."""
        message_id = message_id.strip()
        if not _MESSAGE_ID.match(message_id):
            raise ValidationError(f"not a Stream message id: {message_id!r}",
                                  field="message_id")
        return self.session.call(
            functools.partial(api.state_request, message_id=message_id),
            functools.partial(api.parse_state, message_id=message_id), operation="status")

    @hookimpl
    def balance(self) -> Balance:
        """Read ``Balance/``."""
        return self.session.call(api.balance_request, api.parse_balance,
                                 operation="balance")

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """Read ``Incoming/`` between two UTC times."""
        return self.session.call(
            functools.partial(api.inbox_request, start=start, end=end),
            api.parse_incoming, operation="inbox")

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Read ``Statistic/`` between two UTC times (no filters exist)."""
        if filters:
            raise ValidationError(
                f"Stream's report takes no filters (got {', '.join(sorted(filters))}); use "
                "client.driver.request_detailed_report() to filter", field=sorted(filters)[0])
        return self.session.call(
            functools.partial(api.report_request, start=start, end=end),
            api.parse_statistics, operation="report")

    # -- extras -----------------------------------------------------------------------

    def request_detailed_report(
        self,
        start: datetime,
        end: datetime,
        *,
        state: str | DeliveryState | None = None,
        phone: str | None = None,
        address_base: bool = False,
        sub_accounts: bool = False,
        file_format: str = "csv",
    ) -> str:
        """Ask ``Statistic/all_stat.php`` to build a detailed report; return its id.

        :param start: beginning of the period (aware).
        :param end: end of the period (aware), after ``start``.
        :param state: only messages in this state: ``deliver``, ``not_deliver``,
            ``expired``, ``sent`` (or DeliveryState delivered/undelivered/expired).
        :param phone: only messages to this number (digits).
        :param address_base: include the address-book data (``c_base=1``).
        :param sub_accounts: include the sub-logins' messages (``sub_stat=1``).
        :param file_format: ``csv`` or ``xls``.
        :raises RateLimited: when two reports are already being built.
        """
        for value, name in ((start, "start"), (end, "end")):
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValidationError(f"{name} must be an aware datetime", field=name)
        if end <= start:
            raise ValidationError("end must be after start", field="end")
        key = state.value if isinstance(state, DeliveryState) else state
        if key is not None and (not isinstance(key, str) or key not in api.REPORT_STATES):
            raise ValidationError(f"unknown report state {state!r}; valid: deliver, "
                                  "not_deliver, expired, sent", field="state")
        if phone is not None:
            digits = phone.lstrip("+")
            if not digits.isdigit() or not 7 <= len(digits) <= 15:
                raise ValidationError(f"invalid phone number {phone!r}", field="phone")
        if file_format not in api.REPORT_FORMATS:
            raise ValidationError(f"file_format must be csv or xls, got {file_format!r}",
                                  field="file_format")
        # Each request builds a report and the provider allows two at a time: never repeat.
        return self.session.call(
            functools.partial(api.detailed_report_request, start=start, end=end, state=key,
                              phone=phone, address_base=address_base,
                              sub_accounts=sub_accounts, file_format=file_format),
            api.parse_report_id, operation="detailed_report", idempotent=False)

    def fetch_detailed_report(self, report_id: str) -> bytes:
        """Download a detailed report's file (CSV or XLS bytes) once it is ready.

        :raises RateLimited: "Report is not ready yet" (ask again later).
        :raises NotFound: "Id report not found" or "File not exist".
        """
        text = (report_id.strip() if isinstance(report_id, str)
                else str(report_id) if type(report_id) is int and 0 < report_id < 10**18
                else "")
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise ValidationError(f"not a Stream report id: {str(report_id)[:40]!r}",
                                  field="report_id")
        report_id = text
        return self.session.call(
            functools.partial(api.detailed_report_file_request, report_id=report_id),
            api.parse_report_file, operation="detailed_report_file")
