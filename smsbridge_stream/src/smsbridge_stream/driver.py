"""The Stream Telecom driver: hook implementations over :mod:`smsbridge_stream.api`."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from smsbridge.driver import Driver
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
from smsbridge.text import segments
from smsbridge_stream import api
from smsbridge_stream.errors import PROVIDER_ERRORS
from smsbridge_stream.settings import StreamSettings

__all__ = ["SEND_OPTIONS", "StreamDriver"]

#: Driver-specific keyword arguments of ``send()`` (they arrive in ``Message.options``).
SEND_OPTIONS = frozenset({"local_time"})

# "До 11 латинских символов или до 15 цифровых"; the document's own example has a space.
_ALPHA_SENDER = re.compile(r"^[A-Za-z0-9 !\"#$%&'()*+,\-./:;<=>?@_]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^[0-9]{1,15}$")
_MESSAGE_ID = re.compile(r"^[\w.\-]{1,64}$")

_REPORT_STATES = {
    "deliver": "deliver", "not_deliver": "not_deliver", "expired": "expired", "sent": "sent",
    DeliveryState.DELIVERED.value: "deliver", DeliveryState.UNDELIVERED.value: "not_deliver",
    DeliveryState.EXPIRED.value: "expired",
}
_REPORT_FORMATS = {"csv": "0", "xls": "1"}


def _check_sender(sender: str | None) -> None:
    if not sender:
        raise ValidationError("Stream needs a sender (sourceAddress): pass sender= or set "
                              "the 'sender' setting", field="sender")
    if _NUMERIC_SENDER.match(sender) or (not sender.isdigit() and _ALPHA_SENDER.match(sender)):
        return
    raise ValidationError(f"invalid sender {sender!r}: Stream allows up to 11 latin "
                          "characters or up to 15 digits", field="sender")


def _check_validity(validity: timedelta | None) -> None:
    if validity is None:
        return
    seconds = validity.total_seconds()
    if seconds < 60 or seconds % 60:
        raise ValidationError(f"validity must be a whole number of minutes (at least 1) for "
                              f"Stream, got {validity}", field="validity")


def _check_options(message: Message) -> None:
    unknown = set(message.options) - SEND_OPTIONS
    if unknown:
        raise ValidationError(f"unknown Stream send option(s) {', '.join(sorted(unknown))}; "
                              f"valid: {', '.join(sorted(SEND_OPTIONS))}",
                              field=sorted(unknown)[0])
    local_time = message.options.get("local_time", False)
    if not isinstance(local_time, bool):
        raise ValidationError("local_time must be True or False", field="local_time")
    if local_time and message.send_at is None:
        raise ValidationError("local_time=True needs send_at: its clock time is the "
                              "recipient's local time to send at", field="send_at")


class StreamDriver(Driver[StreamSettings]):
    """Stream Telecom (gateway.api.sc) over its REST API.

    Extras beyond the hooks: :meth:`request_detailed_report` and
    :meth:`fetch_detailed_report` (``Statistic/all_stat.php``).
    """

    name = "stream"
    settings_class = StreamSettings
    batch_size = 100
    mixed_batches = True
    features = frozenset({"send_at", "local_time"})
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_stream.simulator:StreamSimulator"

    def __init__(self, settings: StreamSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        assert isinstance(settings, StreamSettings)
        # The chunk size is a setting; the class attribute is only its default.
        self.batch_size = settings.bulk_size
        self.api = api.StreamApi(transport=lambda: self, login=settings.login,
                                 password=settings.password, redactor=self.redactor)

    # -- sending ----------------------------------------------------------------------

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check sender, validity and options against Stream's documented limits."""
        for message in messages:
            if message.channel != "sms":
                raise ValidationError(f"Stream sends SMS only, not {message.channel!r}",
                                      field="channel")
            _check_sender(message.sender)
            _check_validity(message.validity)
            _check_options(message)
        return True

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
                ids = self.api.call(
                    "POST", planned.path, operation="send", fields=planned.fields,
                    parse=functools.partial(api.parse_ids, count=len(planned.indexes)),
                    send=True, idempotent=False,
                )
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
        return self.api.call("GET", api.STATE_PATH, operation="status",
                             fields={"messageId": message_id},
                             parse=lambda r: api.parse_state(r, message_id))

    @hookimpl
    def balance(self) -> Balance:
        """Read ``Balance/``."""
        return self.api.call("GET", api.BALANCE_PATH, operation="balance", fields={},
                             parse=api.parse_balance)

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """Read ``Incoming/`` between two UTC times."""
        return self.api.call("GET", api.INCOMING_PATH, operation="inbox",
                             fields={"minDateUTC": api.format_utc(start),
                                     "maxDateUTC": api.format_utc(end)},
                             parse=api.parse_incoming)

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Read ``Statistic/`` between two UTC times (no filters exist)."""
        if filters:
            raise ValidationError(
                f"Stream's report takes no filters (got {', '.join(sorted(filters))}); use "
                "client.driver.request_detailed_report() to filter", field=sorted(filters)[0])
        return self.api.call("GET", api.STATISTIC_PATH, operation="report",
                             fields={"startDateTime": api.format_utc(start),
                                     "endDateTime": api.format_utc(end)},
                             parse=api.parse_statistics)

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
        fields = {"startTime": api.format_utc(start), "endTime": api.format_utc(end)}
        if state is not None:
            key = state.value if isinstance(state, DeliveryState) else str(state)
            if key not in _REPORT_STATES:
                raise ValidationError(f"unknown report state {state!r}; valid: deliver, "
                                      "not_deliver, expired, sent", field="state")
            fields["state"] = _REPORT_STATES[key]
        if phone is not None:
            digits = phone.lstrip("+")
            if not digits.isdigit() or not 7 <= len(digits) <= 15:
                raise ValidationError(f"invalid phone number {phone!r}", field="phone")
            fields["phone"] = digits
        if file_format not in _REPORT_FORMATS:
            raise ValidationError(f"file_format must be csv or xls, got {file_format!r}",
                                  field="file_format")
        fields["c_base"] = "1" if address_base else "0"
        fields["sub_stat"] = "1" if sub_accounts else "0"
        fields["type_load"] = _REPORT_FORMATS[file_format]
        # Each request builds a report and the provider allows two at a time: never repeat.
        return self.api.call("POST", api.DETAILED_REPORT_PATH, operation="detailed_report",
                             fields=fields, parse=api.parse_report_id, idempotent=False)

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
        return self.api.call("GET", api.DETAILED_REPORT_PATH, operation="detailed_report_file",
                             fields={"id_report": report_id}, parse=api.parse_report_file)
