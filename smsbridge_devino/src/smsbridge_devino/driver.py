"""The Devino Telecom driver: hook implementations over :mod:`smsbridge_devino.api`."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from smsbridge import (
    Balance,
    IncomingMessage,
    Message,
    SentMessage,
    Statistics,
    StatusReport,
    ValidationError,
    hookimpl,
)
from smsbridge.checks import SenderRule, check_local_time, check_whole_minutes
from smsbridge.sessionkit import SessionDriver
from smsbridge_devino import api
from smsbridge_devino.errors import PROVIDER_ERRORS
from smsbridge_devino.settings import DevinoSettings

__all__ = [
    "MAX_INBOX_AGE",
    "MAX_REPORT_PERIOD",
    "MAX_SEGMENTS",
    "MAX_TEXT_LENGTH",
    "MAX_VALIDITY_MINUTES",
    "DevinoDriver",
]

#: Data: "не более 2000 символов".
MAX_TEXT_LENGTH = 2000
#: Validity is a .NET Int (minutes).
MAX_VALIDITY_MINUTES = 2**31 - 1
#: Sms/In: minDateUTC at most one year before now.
MAX_INBOX_AGE = timedelta(days=365)
#: Sms/Statistics: "не более 3 месяцев" / "более 90 дней" is refused.
MAX_REPORT_PERIOD = timedelta(days=90)
#: Most segment ids one message id may join (2000 UCS-2 characters need 30 parts; a
#: guard against fanning a malformed id out into hundreds of requests).
MAX_SEGMENTS = 64


class DevinoDriver(SessionDriver[DevinoSettings]):
    """Devino Telecom (integrationapi.net): session-id REST API with JSON answers."""

    name = "devino"
    batch_setting = "bulk_size"
    mixed_batches = False
    features = frozenset({"send_at", "local_time"})
    send_options = frozenset({"local_time"})
    # SourceAddress: "не более 11 латинских символов или 15 цифр".
    sender_rule = SenderRule(
        required=True,
        patterns=(r"[0-9]{1,15}", r"(?=.*[A-Za-z])[A-Za-z0-9 .\-_&'!]{1,11}"),
        hint="Devino takes up to 11 latin letters and digits or up to 15 digits")
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_devino.simulator:DevinoSimulator"

    login_request = staticmethod(api.login_request)
    parse_login = staticmethod(api.parse_session)

    def check_message(self, message: Message) -> None:
        """Check text length, validity and local_time against Devino's limits."""
        super().check_message(message)
        if len(message.text) > MAX_TEXT_LENGTH:
            raise ValidationError(
                f"text has {len(message.text)} characters; Devino takes at most "
                f"{MAX_TEXT_LENGTH}", field="text")
        check_whole_minutes(message.validity, "Devino", most=MAX_VALIDITY_MINUTES)
        check_local_time(message.options, message.send_at)

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send a chunk through Sms/Send or Sms/SendBulk (by time zone when asked)."""
        return self.session.call(
            functools.partial(api.send_request, messages=messages),
            functools.partial(api.parse_send, messages=messages, provider=self.name),
            operation="send", send=True, idempotent=False)

    @hookimpl
    def status(self, message_id: str) -> StatusReport:
        """Query Sms/State for every segment of the message and aggregate them."""
        segment_ids = api.split_message_id(message_id)
        if not segment_ids:
            raise ValidationError(f"not a Devino message id: {message_id!r}",
                                  field="message_id")
        if len(segment_ids) > MAX_SEGMENTS:
            raise ValidationError(
                f"a Devino message id joins at most {MAX_SEGMENTS} segment ids",
                field="message_id")
        return api.aggregate(message_id, [
            self.session.call(functools.partial(api.state_request, segment_id=segment),
                              functools.partial(api.parse_state, segment_id=segment),
                              operation="status")
            for segment in segment_ids])

    @hookimpl
    def balance(self) -> Balance:
        """Fetch User/Balance."""
        return self.session.call(api.balance_request, api.parse_balance,
                                 operation="balance")

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """List incoming messages through Sms/In (start at most a year ago)."""
        if start < datetime.now(timezone.utc) - MAX_INBOX_AGE:
            raise ValidationError("Devino keeps incoming messages for one year: start must "
                                  "be less than a year ago", field="start")
        return self.session.call(
            functools.partial(api.inbox_request, start=start, end=end),
            api.parse_incoming, operation="inbox")

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Fetch Sms/Statistics for a period of at most 90 days."""
        if filters:
            raise ValidationError(
                f"Devino's statistics take no filters, got {', '.join(sorted(filters))}",
                field=sorted(filters)[0])
        if end - start > MAX_REPORT_PERIOD:
            raise ValidationError("Devino's statistics cover at most 90 days", field="end")
        return self.session.call(
            functools.partial(api.statistics_request, start=start, end=end),
            api.parse_statistics, operation="report")
