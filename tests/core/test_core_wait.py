"""Client.wait: poll status until every message is final, bounded by a timeout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

import smsbridge
from smsbridge import DeliveryState, StatusReport, ValidationError, WaitTimeout
from smsbridge.testing.fixtures import FakeClock
from smsbridge.waiting import wait_for_final


def provider(progress: dict[str, list[DeliveryState]]) -> tuple[list[str], object]:
    """A status function answering each id's states in turn (the last one repeats)."""
    asked: list[str] = []
    states: dict[str, Iterator[DeliveryState]] = {}

    def status(message_id: str) -> StatusReport:
        asked.append(message_id)
        if message_id not in states:
            states[message_id] = iter(progress[message_id])
        state = next(states[message_id], progress[message_id][-1])
        return StatusReport(message_id=message_id, state=state)

    return asked, status


Q, S, D, U = (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.DELIVERED,
              DeliveryState.UNDELIVERED)


def test_only_messages_in_progress_are_asked_again_with_growing_pauses() -> None:
    asked, status = provider({"a": [Q, S, D], "b": [U], "c": [Q, Q, Q, Q, S, D]})
    fake = FakeClock(1000.0)

    reports = wait_for_final(status, ["a", "b", "c", "a"], timeout=60, poll=2,  # type: ignore[arg-type]
                             clock=fake.time, sleep=fake.sleep)

    assert list(reports) == ["a", "b", "c"]
    assert [r.state for r in reports.values()] == [D, U, D]
    assert asked == ["a", "b", "c", "a", "c", "a", "c", "c", "c", "c"]
    assert fake.sleeps == [2, 3, 4.5, 6.75, 10.125]


def test_pauses_stop_growing_at_a_minute_and_never_pass_the_deadline() -> None:
    asked, status = provider({"a": [Q]})
    fake = FakeClock(1000.0)

    with pytest.raises(WaitTimeout) as caught:
        wait_for_final(status, "a", timeout=200, poll=40, clock=fake.time,  # type: ignore[arg-type]
                       sleep=fake.sleep)

    assert fake.sleeps == [40, 60, 60, 40]
    assert len(asked) == 5  # one more round at the deadline
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.pending == ["a"]
    assert caught.value.reports["a"].state is Q
    assert caught.value.retry_safe
    assert "1 of 1 messages not in a final state after 200 s: a" in str(caught.value)


def test_bad_arguments_are_validation_errors() -> None:
    sms = smsbridge.connect("memory")
    for call in (lambda: sms.wait([]), lambda: sms.wait([""]),
                 lambda: sms.wait("a", timeout=-1), lambda: sms.wait("a", poll=0),
                 lambda: sms.wait("a", timeout="10")):  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            call()


@pytest.mark.parametrize("ids, options", [
    (None, {}), (["a\x00b"], {}),
    # A NaN deadline is never reached: the wait would poll for ever.
    ("a", {"timeout": float("nan")}), ("a", {"poll": float("nan")}),
    ("a", {"timeout": float("inf")}),
])
def test_ids_and_times_that_would_break_or_never_end_a_wait_are_refused(
        ids: object, options: dict[str, float]) -> None:
    asked: list[str] = []
    with pytest.raises(ValidationError):
        wait_for_final(asked.append, ids, timeout=options.get("timeout", 10.0),  # type: ignore[arg-type]
                       poll=options.get("poll", 1.0))
    assert asked == []


def test_wait_takes_a_send_result(sms_outbox: list[smsbridge.Message]) -> None:
    sms = smsbridge.connect("memory")
    result = sms.send(["996550123456", "996550123457"], "hi")

    reports = sms.wait(result, timeout=1, poll=0.01)

    assert list(reports) == result.ids
    assert all(r.state is DeliveryState.DELIVERED for r in reports.values())


@pytest.fixture
def nikita() -> Iterator[smsbridge.Client]:
    simulator = pytest.importorskip("smsbridge_nikita.simulator")
    sim = simulator.NikitaSimulator()
    with sim.serve() as url, smsbridge.connect("nikita", **sim.client_settings(url)) as sms:
        yield sms


def test_wait_follows_messages_to_their_final_state_over_http(
        nikita: smsbridge.Client) -> None:
    sms = nikita
    result = sms.send(["996550123456", "996550120000"], "hi")  # ...0000 ends undelivered

    reports = sms.wait(result.ids, timeout=10, poll=0.01)

    assert [r.state for r in reports.values()] == [D, U]


def test_wait_gives_up_at_the_timeout_with_the_last_reports(
        nikita: smsbridge.Client) -> None:
    sms = nikita
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    scheduled = sms.send("996550123456", "later", send_at=later).ids[0]
    now = sms.send("996550123457", "now").ids[0]

    with pytest.raises(WaitTimeout) as caught:
        sms.wait([scheduled, now], timeout=0.2, poll=0.05)

    assert caught.value.pending == [scheduled]
    assert caught.value.reports[scheduled].state is Q
    assert caught.value.reports[now].state is D
