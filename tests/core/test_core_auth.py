from __future__ import annotations

import threading
import time

import pytest

from smsbridge.auth import SessionCache, session_expired
from smsbridge.errors import AuthError, ProviderError
from smsbridge.redaction import Redactor
from smsbridge.testing.fixtures import FakeClock


def test_logs_in_lazily_reuses_and_renews_before_the_end_of_life() -> None:
    clock, logins = FakeClock(1000.0), []

    def login() -> str:
        logins.append(clock.now)
        return f"SID{len(logins)}"

    cache = SessionCache(login, lifetime=7200, margin=300, clock=clock)
    assert logins == []
    assert cache.get() == "SID1"
    clock.now += 6800
    assert cache.get() == "SID1"
    clock.now += 101  # 6901 s: inside the 5-minute margin
    assert cache.get() == "SID2"
    assert len(logins) == 2


def test_an_expired_session_is_renewed_once_and_the_call_repeated() -> None:
    tokens = iter(["OLD", "NEW"])
    cache = SessionCache(lambda: next(tokens))
    calls: list[str] = []

    def request(sid: str) -> str:
        calls.append(sid)
        if sid == "OLD":
            raise ProviderError("SessionID expired", code=3)
        return "done"

    assert cache.call(request, session_expired) == "done"
    assert calls == ["OLD", "NEW"]


def test_a_session_refused_every_time_is_not_looped() -> None:
    logins: list[int] = []
    cache = SessionCache(lambda: str(logins.append(1) or "SID"))
    calls: list[str] = []

    def request(sid: str) -> str:
        calls.append(sid)
        raise AuthError("Invalid session", code=4, http_status=401)

    with pytest.raises(AuthError):
        cache.call(request, session_expired)
    assert len(calls) == 2
    assert len(logins) == 2


def test_a_call_straddling_two_expiries_never_reuses_a_session_it_saw_expire() -> None:
    """Another thread renews the session, then the provider expires sessions again."""
    tokens = iter(["SID1", "SID2", "SID3"])
    cache = SessionCache(lambda: next(tokens))
    valid = {"SID1"}
    calls: list[str] = []

    def request(sid: str) -> str:
        calls.append(sid)
        if sid == "SID1":
            # Meanwhile another thread saw SID1 expire and logged in; then the provider
            # expired every session once more.
            cache.invalidate("SID1")
            assert cache.get() == "SID2"
            valid.clear()
        if sid not in valid:
            raise ProviderError("SessionID expired", code=3)
        return "done"

    def renewing_request(sid: str) -> str:
        if sid == "SID3":
            valid.add("SID3")
        return request(sid)

    assert cache.call(renewing_request, session_expired) == "done"
    assert calls == ["SID1", "SID2", "SID3"]


def test_a_session_seen_expired_is_not_handed_out_again() -> None:
    tokens = iter(["SID1", "SID2"])
    cache = SessionCache(lambda: next(tokens))
    assert cache.get() == "SID1"
    assert cache.get(stale={"SID1"}) == "SID2"
    assert cache.get(stale={"SID1"}) == "SID2"


def test_other_errors_pass_through_without_a_new_login() -> None:
    logins: list[int] = []
    cache = SessionCache(lambda: str(logins.append(1) or "SID"))

    def request(sid: str) -> str:
        raise ProviderError("Invalid source address", code=6)

    with pytest.raises(ProviderError):
        cache.call(request, session_expired)
    assert len(logins) == 1


def test_threads_share_one_login() -> None:
    logins: list[int] = []

    def slow_login() -> str:
        logins.append(1)
        time.sleep(0.05)
        return "SID"

    cache = SessionCache(slow_login)
    threads = [threading.Thread(target=cache.get) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert logins == [1]


def test_new_session_ids_are_taught_to_the_redactor() -> None:
    redactor = Redactor()
    SessionCache(lambda: "Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1", redactor=redactor).get()
    assert redactor.text("sessionId=Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1") == "sessionId=***"
    assert "Z5CY" not in repr(SessionCache(lambda: "Z5CY"))


@pytest.mark.parametrize(("error", "expired"), [
    (ProviderError("x", code=3), True), (ProviderError("x", code=4), True),
    (ProviderError("x", http_status=401), True), (ProviderError("x", code=5), False),
    (ValueError("x"), False),
])
def test_session_expired(error: Exception, expired: bool) -> None:
    assert session_expired(error) is expired
