"""How a worker turns a send's result or error into each recipient's outcome, and which
errors it repeats."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    DuplicateMessage,
    InvalidRecipient,
    RateLimited,
    TransportError,
)
from smsbridge.integrations.celery.ledger import Record
from smsbridge.integrations.celery.worker import (
    _retry_later,
    chunk_reference,
    records_for,
    records_for_error,
    scheduled_for,
)
from smsbridge.models import Message, SendResult, SentMessage

NUMBERS = ["996555000001", "996555000002", "996555000003", "996555000004"]


def test_a_result_gives_accepted_and_refused_recipients() -> None:
    refused = InvalidRecipient("bad number", provider="nikita", code=7)
    result = SendResult(messages=[
        SentMessage(recipient=NUMBERS[0], message_id="A1:996555000001"),
        SentMessage(recipient=NUMBERS[1], message_id=None, error=refused),
    ])
    assert records_for(result) == [
        Record(NUMBERS[0], "A1:996555000001", "accepted", None),
        Record(NUMBERS[1], None, "failed", "nikita: [7] bad number"),
    ]


def test_an_unknown_outcome_keeps_what_was_accepted_and_the_rest_is_uncertain() -> None:
    error = DeliveryUnknown("answer lost", provider="devino")
    error.partial = SendResult(messages=[SentMessage(recipient=NUMBERS[0], message_id="9")])
    error.unknown = (Message(to=NUMBERS[1], text="hi"),)
    records = records_for_error(NUMBERS, error)
    assert [(r.recipient, r.message_id, r.outcome) for r in records] == [
        (NUMBERS[0], "9", "accepted"),
        (NUMBERS[1], None, "uncertain"),
        (NUMBERS[2], None, "uncertain"),
        (NUMBERS[3], None, "uncertain"),
    ]
    assert records[1].error == "DeliveryUnknown: answer lost"


def test_a_refusal_fails_all_but_the_unknown_ones() -> None:
    error = AuthError("wrong password", provider="devino", code=4)
    error.unknown = (Message(to=NUMBERS[3], text="hi"),)
    outcomes = [r.outcome for r in records_for_error(NUMBERS, error)]
    assert outcomes == ["failed", "failed", "failed", "uncertain"]


def test_a_duplicate_answer_is_uncertain_never_failed() -> None:
    # The provider holds an earlier attempt of this chunk; its ids are not known here.
    error = DuplicateMessage("repeated id", provider="nikita", code=10)
    assert {r.outcome for r in records_for_error(NUMBERS, error)} == {"uncertain"}


@pytest.mark.parametrize(("error", "retry_safe", "attempt", "delay"), [
    (TransportError("connection refused"), True, 1, 1.0),
    (TransportError("connection refused"), True, 3, 4.0),
    (DeliveryUnknown("answer lost"), True, 2, 2.0),
    (DeliveryUnknown("answer lost"), False, 1, None),
    (RateLimited("slow down", retry_after=7.0), True, 1, 7.0),
    (AuthError("wrong password"), True, 1, None),
])
def test_only_safe_transient_errors_are_repeated(error: Exception, retry_safe: bool,
                                                 attempt: int, delay: float | None) -> None:
    error.retry_safe = retry_safe  # type: ignore[attr-defined]
    assert _retry_later(error, attempt) == delay  # type: ignore[arg-type]


def test_chunk_references_are_the_same_for_every_attempt_and_differ_per_chunk() -> None:
    assert chunk_reference("c0ffee", 10) == chunk_reference("c0ffee", 10) == "c0ffee.10"
    references = {chunk_reference(c, i) for c in ("spring", "spring1", "spring-1")
                  for i in range(1000)}
    assert len(references) == 3000


def test_a_chunk_running_after_the_campaigns_send_at_sends_now() -> None:
    """A backlog can run a chunk hours after send_at; the client refuses past times."""
    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    assert scheduled_for(None, now) is None
    assert scheduled_for("2026-12-02T11:00:00+00:00", now) is None
    assert scheduled_for("2026-12-02T13:00:00+06:00", now) is None  # 07:00 UTC
    assert scheduled_for("2026-12-02T13:00:00+00:00", now) == datetime(
        2026, 12, 2, 13, 0, tzinfo=timezone.utc)
