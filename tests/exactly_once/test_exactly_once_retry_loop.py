"""A Celery-style task: catch, check ``retry_safe``, repeat the same call a bounded number
of times. Whatever the wire does, no simulator ever holds a message twice, and what the
last attempt reported agrees with the ledger.
"""

from __future__ import annotations

from typing import Any

import pytest

from smsbridge.errors import SmsBridgeError

MAX_ATTEMPTS = 6

#: One fault per attempt: (kind, parameters), aimed at the many-number send requests.
SCHEDULES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "lost-answers": [("drop_after_accept", {"skip": 1, "times": 3}),
                     ("drop_after_accept", {"times": 3})],
    "server-errors": [("status", {"after_accept": True, "skip": 1, "times": 3, "status": 500}),
                      ("status", {"after_accept": True, "skip": 2, "times": 3,
                                 "status": 503})],
    "unreadable": [("body", {"after_accept": True, "skip": 2, "body": b"<html>oops</html>"}),
                   ("body", {"after_accept": True, "body": b""})],
    "mixed": [("drop", {"skip": 1, "times": 3}),
              ("status", {"after_accept": True, "times": 3, "status": 502}),
              ("body", {"after_accept": True, "skip": 1, "body": b'{"resu'})],
}


def _task(world: Any, numbers: list[str], schedule: list[tuple[str, dict[str, Any]]],
          fresh_worker: bool) -> tuple[Any, SmsBridgeError | None, int]:
    """Run the task until it succeeds, fails for good, or runs out of attempts."""
    client = world.connect()
    error: SmsBridgeError | None = None
    for attempt in range(MAX_ATTEMPTS):
        world.sim.clear_faults()
        if attempt < len(schedule):
            kind, params = schedule[attempt]
            world.inject(kind, **params)
        if fresh_worker and attempt:
            client = world.connect()  # redelivered to another worker
        try:
            return client.send(numbers, "Sale at noon", reference="task-31"), None, attempt
        except SmsBridgeError as exc:
            error = exc
            if not exc.retry_safe:
                break
    return None, error, attempt


@pytest.mark.parametrize("fresh_worker", [False, True], ids=["same-worker", "new-worker"])
@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_retry_loop_never_doubles(world, schedule, fresh_worker):
    numbers = world.campaign()

    result, error, attempts = _task(world, numbers, SCHEDULES[schedule], fresh_worker)

    books = world.books(numbers, result, error)
    if world.provider.deduplicating:
        # Every fault is repeatable here: the task ends with the whole campaign sent once.
        assert error is None, repr(error)
        assert books.accepted == numbers
        assert sorted(books.held) == sorted(numbers)
        assert attempts == len(SCHEDULES[schedule])
    else:
        # The first uncertain answer stops the task: it is not safe to repeat.
        assert error is not None and not error.retry_safe
        assert attempts == 0
