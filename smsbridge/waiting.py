"""Waiting until messages reach a final delivery state, polling their status."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from smsbridge.checks import check_id, check_iterable
from smsbridge.errors import ValidationError, WaitTimeout
from smsbridge.models import SendResult, StatusReport

__all__ = ["MAX_POLL", "wait_for_final"]

#: The longest pause between two rounds of status queries, in seconds.
MAX_POLL = 60.0
#: Pauses grow by this factor each round, so a slow delivery costs few requests.
_GROWTH = 1.5
_SHOWN_IDS = 5


def _ids(ids: str | Iterable[str] | SendResult) -> list[str]:
    if isinstance(ids, SendResult):
        ids = ids.ids
    elif isinstance(ids, str):
        ids = [ids]
    return [check_id(message_id, "ids")
            for message_id in dict.fromkeys(check_iterable(ids, "ids"))]


def _seconds(value: float, field: str, *, zero: bool) -> float:
    # NaN would never reach the deadline: the wait would poll for ever.
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value)):
        raise ValidationError(f"{field} must be a finite number of seconds, got {value!r}",
                              field=field)
    if value < 0 or (value == 0 and not zero):
        raise ValidationError(f"{field} must be positive, got {value!r}", field=field)
    return float(value)


def wait_for_final(
    status: Callable[[str], StatusReport],
    ids: str | Iterable[str] | SendResult,
    *,
    timeout: float,
    poll: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, StatusReport]:
    """Ask ``status`` about every id until each one's state is final.

    Each round asks only about the ids not final yet; the pause between rounds starts
    at ``poll`` seconds and grows by half each round up to :data:`MAX_POLL` (or ``poll``
    when that is longer). The last round runs at the deadline.

    :returns: every id's final :class:`StatusReport`, by id, in the order given.
    :raises WaitTimeout: when ``timeout`` seconds passed first; it keeps the last report
        of every id (``reports``) and the ids still in progress (``pending``).
    :raises ValidationError: for no ids, an empty id or a bad ``timeout``/``poll``.
    """
    wanted = _ids(ids)
    if not wanted:
        raise ValidationError("no message ids to wait for", field="ids")
    timeout = _seconds(timeout, "timeout", zero=True)
    pause = _seconds(poll, "poll", zero=False)
    longest = max(pause, MAX_POLL)
    deadline = clock() + timeout
    reports: dict[str, StatusReport] = {}
    pending = wanted
    while True:
        for message_id in pending:
            reports[message_id] = status(message_id)
        pending = [i for i in pending if not reports[i].state.is_final]
        if not pending:
            return {message_id: reports[message_id] for message_id in wanted}
        left = deadline - clock()
        if left <= 0:
            shown = ", ".join(pending[:_SHOWN_IDS]) + (", ..." if len(pending) > _SHOWN_IDS
                                                        else "")
            raise WaitTimeout(
                f"{len(pending)} of {len(wanted)} messages not in a final state after "
                f"{timeout:g} s: {shown}",
                reports={message_id: reports[message_id] for message_id in wanted},
                pending=pending)
        sleep(min(pause, left))
        pause = min(pause * _GROWTH, longest)
