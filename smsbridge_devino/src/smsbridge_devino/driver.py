"""The Devino Telecom driver: hook implementations over :mod:`smsbridge_devino.api`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from smsbridge import (
    Balance,
    Driver,
    IncomingMessage,
    Message,
    SentMessage,
    Statistics,
    StatusReport,
    ValidationError,
    hookimpl,
)
from smsbridge.auth import SessionCache, session_expired
from smsbridge_devino import api
from smsbridge_devino.errors import PROVIDER_ERRORS
from smsbridge_devino.settings import DevinoSettings

if TYPE_CHECKING:
    import requests

    from smsbridge.transport import RetryPolicy

__all__ = [
    "MAX_INBOX_AGE",
    "MAX_REPORT_PERIOD",
    "MAX_SEGMENTS",
    "MAX_TEXT_LENGTH",
    "MAX_VALIDITY_MINUTES",
    "SEND_OPTIONS",
    "DevinoDriver",
]

T = TypeVar("T")

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
#: Driver-specific keyword options of ``send()``.
SEND_OPTIONS = frozenset({"local_time"})

# SourceAddress: "не более 11 латинских символов или 15 цифр".
_DIGIT_SENDER = re.compile(r"^[0-9]{1,15}$")
_LATIN_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_&'!]{1,11}$")


def _check_sender(sender: str | None) -> None:
    if not sender:
        raise ValidationError("Devino needs a sender (SourceAddress): pass sender= or set "
                              "the 'sender' setting", field="sender")
    if not (_DIGIT_SENDER.match(sender) or _LATIN_SENDER.match(sender)):
        raise ValidationError(
            f"invalid sender {sender!r}: Devino takes up to 11 latin letters and digits "
            "or up to 15 digits", field="sender")


def _check_options(message: Message) -> None:
    unknown = sorted(set(message.options) - SEND_OPTIONS)
    if unknown:
        raise ValidationError(
            f"unknown send option(s) for Devino: {', '.join(unknown)}; valid options: "
            f"{', '.join(sorted(SEND_OPTIONS))}", field=unknown[0])
    local = message.options.get("local_time", False)
    if not isinstance(local, bool):
        raise ValidationError("local_time must be True or False", field="local_time")
    if local and message.send_at is None:
        raise ValidationError(
            "local_time=True needs send_at: its wall-clock time is when each recipient "
            "gets the message in their own time zone", field="send_at")


def _check_validity(validity: timedelta | None) -> None:
    if validity is None:
        return
    seconds = validity.total_seconds()
    if seconds % 60 or seconds < 60:
        raise ValidationError(
            f"Devino takes validity in whole minutes (at least one), got {validity}",
            field="validity")
    if seconds // 60 > MAX_VALIDITY_MINUTES:
        raise ValidationError(f"validity {validity} is too long for Devino", field="validity")


class DevinoDriver(Driver[DevinoSettings]):
    """Devino Telecom (integrationapi.net): session-id REST API with JSON answers."""

    name = "devino"
    settings_class = DevinoSettings
    batch_size = 100
    mixed_batches = False
    features = frozenset({"send_at", "local_time"})
    url_credentials = ("login", "password")
    error_table = PROVIDER_ERRORS
    simulator = "smsbridge_devino.simulator:DevinoSimulator"

    def __init__(
        self,
        settings: DevinoSettings,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(settings, session=session, retry=retry)
        assert isinstance(settings, DevinoSettings)
        self._devino: DevinoSettings = settings
        # The chunk size is a setting; the facade reads it from the instance.
        self.batch_size = settings.bulk_size
        self.sessions = SessionCache(self._login, redactor=self.redactor)

    def _login(self) -> str:
        return api.login(self, self._devino.login, self._devino.password)

    def _with_session(self, request: Callable[[str], T]) -> T:
        """Run a request with the session id, logging in again once if it expired."""
        return self.sessions.call(request, session_expired)

    @hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        """Check text, sender, validity and options against Devino's documented limits."""
        for message in messages:
            if len(message.text) > MAX_TEXT_LENGTH:
                raise ValidationError(
                    f"text has {len(message.text)} characters; Devino takes at most "
                    f"{MAX_TEXT_LENGTH}", field="text")
            _check_sender(message.sender)
            _check_validity(message.validity)
            _check_options(message)
        return True

    @hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        """Send a chunk through Sms/Send or Sms/SendBulk (by time zone when asked)."""
        return self._with_session(
            lambda sid: api.send(self, sid, messages, self.name))

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
        return api.aggregate(message_id, [self._segment_state(s) for s in segment_ids])

    def _segment_state(self, segment_id: str) -> StatusReport:
        return self._with_session(lambda sid: api.state(self, sid, segment_id))

    @hookimpl
    def balance(self) -> Balance:
        """Fetch User/Balance."""
        return self._with_session(lambda sid: api.balance(self, sid))

    @hookimpl
    def inbox(self, start: datetime, end: datetime) -> list[IncomingMessage]:
        """List incoming messages through Sms/In (start at most a year ago)."""
        if start < datetime.now(timezone.utc) - MAX_INBOX_AGE:
            raise ValidationError("Devino keeps incoming messages for one year: start must "
                                  "be less than a year ago", field="start")
        return self._with_session(lambda sid: api.incoming(self, sid, start, end))

    @hookimpl
    def report(self, start: datetime, end: datetime, filters: Mapping[str, Any]) -> Statistics:
        """Fetch Sms/Statistics for a period of at most 90 days."""
        if filters:
            raise ValidationError(
                f"Devino's statistics take no filters, got {', '.join(sorted(filters))}",
                field=sorted(filters)[0])
        if end - start > MAX_REPORT_PERIOD:
            raise ValidationError("Devino's statistics cover at most 90 days", field="end")
        return self._with_session(
            lambda sid: api.statistics(self, sid, start, end))
