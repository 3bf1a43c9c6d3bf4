"""Eight threads share one client per driver, against its simulator over real HTTP.

For session providers the simulator expires every session again and again meanwhile:
after every ``EXPIRE_EVERY`` requests since the last login. The rhythm is counted in
requests, not seconds: to meet two expiries, one call would have to stall while 24 other
requests pass (the driver renews a session once per call, by design), which a slow
machine alone does not cause.
The simulator's ledger must hold every message exactly once (none lost, none doubled),
every send must report success, and the simulator must never see two logins at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from smsbridge import SendResult
from tests.reliability.conftest import DRIVERS, FIGURES, DriverCase, connect

THREADS = 8
SENDS_PER_THREAD = 16
EXPIRE_EVERY = 24
LOGIN_PATHS = ("user/sessionid", "Session/session.php")


def _numbers(case: DriverCase, thread: int, send: int, count: int) -> list[str]:
    base = case.numbers[0][:-4]
    return [f"{base}{thread}{send % 10}{k:02d}" for k in range(count)]


class LoginWatch:
    """Wraps a simulator's handler: counts logins and the most at once, and expires the
    sessions after every ``expire_every`` other requests (0: never)."""

    def __init__(self, sim: Any, expire_every: int) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.logins = 0
        self.since_login = 0
        handle = sim.handle

        def watched(request: Any) -> Any:
            login = request.path.endswith(LOGIN_PATHS)
            if login:
                with self.lock:
                    self.now += 1
                    self.logins += 1
                    self.most = max(self.most, self.now)
                    self.since_login = 0
                time.sleep(0.01)  # widen the window two logins would need to overlap
            try:
                return handle(request)
            finally:
                with self.lock:
                    if login:
                        self.now -= 1
                    else:
                        self.since_login += 1
                        if expire_every and self.since_login >= expire_every:
                            sim.expire_sessions()
                            self.since_login = 0

        sim.handle = watched


@pytest.mark.parametrize("case", DRIVERS, ids=[case.name for case in DRIVERS])
def test_eight_threads_share_a_client_and_every_message_arrives_once(case: DriverCase) -> None:
    sim = case.simulator()
    session_provider = hasattr(sim, "expire_sessions")
    watch = LoginWatch(sim, EXPIRE_EVERY if session_provider else 0)
    expected: Counter[tuple[str, str]] = Counter()
    reported: Counter[tuple[str, str]] = Counter()
    failures: list[BaseException] = []

    with sim.serve() as url, connect(case, sim, base=url, timeout=10) as client:

        def sender(thread: int) -> None:
            try:
                for send in range(SENDS_PER_THREAD):
                    numbers = _numbers(case, thread, send, 1 if send % 2 else 3)
                    text = f"thread {thread} send {send}"
                    result: SendResult = client.send(numbers, text)
                    with watch.lock:
                        expected.update((n, text) for n in numbers)
                        reported.update((m.recipient, text) for m in result if m.ok)
                    assert result.ok, result.failed
            except BaseException as exc:  # collected and re-raised in the main thread
                failures.append(exc)

        threads = [threading.Thread(target=sender, args=(t,)) for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a sending thread hangs"

    if failures:
        raise failures[0]
    ledger = Counter((entry.recipient, entry.text) for entry in sim.ledger())
    FIGURES["threads: messages lost or doubled"] += sum(((ledger - expected)
                                                         + (expected - ledger)).values())
    FIGURES["threads: most logins at once"] = max(FIGURES["threads: most logins at once"],
                                                  watch.most)
    assert ledger == expected  # every message exactly once: none lost, none doubled
    assert reported == expected  # and the library reported exactly those
    assert sum(expected.values()) == THREADS * SENDS_PER_THREAD * 2
    assert watch.most <= 1  # one login at a time
    if session_provider:
        assert watch.logins > 1  # sessions did expire and were renewed meanwhile
        FIGURES["threads: session renewals"] += watch.logins - 1
    FIGURES["threads: messages checked against the ledger"] += sum(expected.values())
