from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from smsbridge.answers import Answer
from smsbridge.errors import (
    AuthError,
    InsufficientFunds,
    InvalidResponse,
    InvalidSender,
    ProviderError,
)
from smsbridge.redaction import Redactor
from smsbridge.sessionkit import (
    SessionCache,
    SessionProvider,
    code_desc,
    message_ids,
    parse_dotnet_date,
    read_code_desc,
    session_expired,
    session_id,
)
from smsbridge.testing.fixtures import FakeClock
from smsbridge.transport import Request


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


UTC = timezone.utc


@pytest.mark.parametrize(("value", "expected"), [
    ("/Date(1294045911213)/", datetime(2011, 1, 3, 9, 11, 51, 213000, tzinfo=UTC)),
    ("\\/Date(1294045911213)\\/", datetime(2011, 1, 3, 9, 11, 51, 213000, tzinfo=UTC)),
    ("/Date(-1000)/", datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("/Date(0+0300)/", datetime(1970, 1, 1, tzinfo=UTC)),
    ("/Date(-62135596800000)/", None),
    (None, None),
    ("", None),
])
def test_dotnet_dates(value: str | None, expected: datetime | None) -> None:
    assert parse_dotnet_date(value) == expected


def test_a_malformed_dotnet_date_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_dotnet_date("2011-01-03")


def test_code_desc() -> None:
    assert code_desc({"Code": 4, "Desc": "Invalid user login or password"}) == (
        "4", "Invalid user login or password")
    assert code_desc({"code": "9"}) == ("9", None)
    assert code_desc(["1", "2"]) is None
    assert code_desc({"Desc": "x"}) is None



def _answer(body: bytes, status: int = 200) -> Answer:
    return Answer(status_code=status, headers={}, content=body, url="https://p.test/op",
                  provider="p", operation="send",
                  redactor=Redactor(["s3cret-pw"]))


def _read(answer: Answer) -> object:
    return read_code_desc(
        answer, {5: InsufficientFunds, 10: ProviderError},
        refine=lambda code, desc: InvalidSender if desc and "source" in desc else None,
        repair=lambda text: {"Code": 5, "Desc": "bare keys"} if "Code:" in text else None)


def test_read_code_desc_trusts_the_body_code_over_the_http_status() -> None:
    with pytest.raises(InsufficientFunds) as funds:
        _read(_answer(b'{"Code": 5, "Desc": "No money"}'))
    assert (funds.value.code, funds.value.http_status) == ("5", 200)
    with pytest.raises(InvalidSender) as sender:
        _read(_answer(b'{"Code": "1", "Desc": "Invalid source address; password=s3cret-pw"}',
                      400))
    assert "s3cret-pw" not in str(sender.value) and sender.value.code == "1"
    with pytest.raises(ProviderError) as down:
        _read(_answer(b"<html>down</html>", 500))
    assert down.value.http_status == 500
    with pytest.raises(InsufficientFunds, match="bare keys"):
        _read(_answer(b'{ Code: 5, Desc: "bare keys" }'))
    assert _read(_answer(b'["id1", "id2"]')) == ["id1", "id2"]


@pytest.mark.parametrize("body", [b"5", b'"5"', b' "5" '])
def test_read_code_desc_reads_a_bare_code_of_an_error_status(body: bytes) -> None:
    with pytest.raises(InsufficientFunds) as caught:
        _read(_answer(body, 400))
    assert (caught.value.code, caught.value.http_status) == ("5", 400)


@pytest.mark.parametrize("body, status", [(b"5", 200), (b'"5"', 200), (b"404", 404),
                                          (b'"abc"', 400)])
def test_read_code_desc_leaves_other_bare_scalars_alone(body: bytes, status: int) -> None:
    if status == 200:
        assert _read(_answer(body, status)) in (5, "5")
        return
    with pytest.raises(ProviderError) as caught:
        _read(_answer(body, status))
    assert caught.value.code is None


class _Driver:
    """What SessionProvider needs of a driver: perform() and a redactor."""

    def __init__(self, answers: list[tuple[bytes, int]]) -> None:
        self.redactor = Redactor()
        self.answers = answers
        self.made: list[tuple[Request, str, bool, bool]] = []

    def perform(self, request: Request, *, operation: str, send: bool = False,
                idempotent: bool = True) -> Answer:
        self.made.append((request, operation, send, idempotent))
        body, status = self.answers.pop(0)
        return Answer(status_code=status, headers={}, content=body, url="https://p.test/x",
                      provider="p", operation=operation, is_send=send)


def _family_read(answer: Answer) -> object:
    return read_code_desc(answer, {3: AuthError, 4: AuthError})


def _provider(driver: _Driver) -> SessionProvider:
    return SessionProvider(
        driver,  # type: ignore[arg-type]
        login_request=lambda: Request(method="POST", path="login", data={"password": "pw"}),
        parse_login=lambda answer: session_id(answer, _family_read))


def test_session_provider_builds_performs_and_parses_renewing_an_expired_session() -> None:
    driver = _Driver([(b'"SESSION1SESSION1"', 200), (b'{"Code": 3, "Desc": "expired"}', 400),
                      (b'"SESSION2SESSION2"', 200), (b"42", 200)])
    provider = _provider(driver)
    result = provider.call(lambda sid: Request(method="GET", path="op", params={"sid": sid}),
                           _family_read, operation="op", send=True,
                           idempotent=False)
    assert result == 42
    assert [(r.path, r.params, op, send, idem) for r, op, send, idem in driver.made] == [
        ("login", None, "login", False, True),
        ("op", {"sid": "SESSION1SESSION1"}, "op", True, False),
        ("login", None, "login", False, True),
        ("op", {"sid": "SESSION2SESSION2"}, "op", True, False),
    ]
    assert "SESSION2" not in repr(provider)
    assert driver.redactor.text("SESSION2SESSION2") != "SESSION2SESSION2"


def test_session_provider_does_not_retry_a_refused_login() -> None:
    driver = _Driver([(b'{"Code": 4, "Desc": "Invalid user login or password"}', 401)])
    with pytest.raises(AuthError):
        _provider(driver).call(lambda sid: Request(method="GET", path="op"),
                               lambda answer: None, operation="op")
    assert len(driver.made) == 1


@pytest.mark.parametrize("body", [b'"10"', b"10", b"[]", b'[""]', b'[true]', b'{"Id": 1}'])
def test_message_ids_take_only_a_list_of_ids(body: bytes) -> None:
    answer = _answer(body)
    with pytest.raises(InvalidResponse):
        message_ids(answer, answer.json())


def test_message_ids_read_strings_and_numbers() -> None:
    answer = _answer(b'["579700854169272358", 151103141334228, "1.2"]')
    assert message_ids(answer, answer.json()) == ["579700854169272358", "151103141334228",
                                                  "1.2"]
