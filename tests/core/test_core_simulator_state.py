"""The simulator kit's state: accounts, the message book and its progression, sessions,
refusals, latency and lasting faults (over HTTP on 127.0.0.1 where a request is involved)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from smsbridge.errors import ConfigError
from smsbridge.testing.accounts import Accounts
from smsbridge.testing.answers import Refusal, json_answer, params
from smsbridge.testing.kit import KitSimulator, SessionSimulator
from smsbridge.testing.messages import Ids, MessageBook, Progression
from smsbridge.testing.routes import route
from smsbridge.testing.sessions import ExpiredSession, Sessions, UnknownSession
from smsbridge.testing.simulator import SimulatedMessage, SimulatorUnavailable

START = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc).timestamp()


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Toy(SessionSimulator):
    """A tiny provider: ``/api/login``, ``/api/send`` (charges, records), ``/api/state``."""

    failing_suffix = "0000"
    session_lifetime = 60.0
    root = "/api"

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.add_account("acme", "pässword", balance="1.00", price="0.25")

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url}

    def handle(self, request: Request) -> Response:
        handler = self.route_for(request)
        with self.lock:
            return json_answer(handler({k: v[0] for k, v in params(request).items()}))

    @route("/login", methods=("GET", "POST"))
    def _login(self, args: dict[str, str]) -> Any:
        account = self.accounts.authenticate(args.get("login", ""), args.get("password", ""))
        if account is None:
            raise Refusal(4, "bad login", status=401)
        return {"sid": self.sessions.open(account.login)}

    @route("/send", methods=("GET", "POST"))
    def _send(self, args: dict[str, str]) -> Any:
        try:
            account = self.accounts[self.sessions.login_of(args.get("sid", ""))]
        except (UnknownSession, ExpiredSession) as exc:
            raise Refusal(3, type(exc).__name__) from None
        records = self.record(account, args["to"].split(","), parts=1,
                              unpaid=Refusal(7, "no money"), id=self.ids.next(),
                              text=args["text"])
        return [r.id for r in records]

    @route("/state", methods=("GET", "POST"))
    def _state(self, args: dict[str, str]) -> Any:
        records = self.messages.find(args["id"])
        self.look(records)
        return [r.state for r in records]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def toy(clock: Clock) -> Toy:
    return Toy(clock)


@pytest.fixture
def url(toy: Toy) -> Iterator[str]:
    with toy.serve() as base:
        yield base


def _login(url: str) -> str:
    answer = requests.post(url + "/api/login", data={"login": "acme", "password": "pässword"},
                           timeout=5)
    return str(answer.json()["sid"])


def test_accounts_hold_decimal_money_and_charge_only_what_is_covered() -> None:
    accounts = Accounts()
    demo = accounts.add("demo", "pw", balance=5, price="0.50", senders=["ACME"])
    accounts.add("other", "pw2")

    assert accounts.demo is demo and accounts.logins() == ["demo", "other"]
    assert demo.balance == Decimal("5") and demo.price == Decimal("0.50")
    assert demo.cost(parts=2, recipients=3) == Decimal("3.00")
    assert demo.charge(Decimal("3.00")) and demo.balance == Decimal("2.00")
    assert not demo.charge(Decimal("2.01")) and demo.balance == Decimal("2.00")
    assert demo.approves("ACME") and not demo.approves("OTHER")
    assert accounts["other"].approves("ANY") and accounts["other"].admits("10.0.0.1")
    demo.balance = "7.5"  # type: ignore[assignment]  # converted as set
    assert demo.balance == Decimal("7.5")


def test_authenticate_compares_any_text_without_failing() -> None:
    accounts = Accounts()
    accounts.add("demo", "pässword")

    assert accounts.authenticate("demo", "pässword") is accounts.demo
    assert accounts.authenticate("demo", "пароль") is None
    assert accounts.authenticate("nobody", "pässword") is None


def test_ids_count_from_a_start_or_are_random() -> None:
    counted = Ids(579700854169272358, prefix="m")
    assert [counted.next(), counted.next()] == ["m579700854169272358", "m579700854169272359"]
    drawn = Ids.random(8, "AB")
    assert len(drawn.next()) == 8 and set(drawn.next()) <= {"A", "B"}


def test_per_look_progression_moves_one_step_per_status_query(clock: Clock) -> None:
    book = MessageBook(clock)
    record = book.add(id="1", recipient="996550123456", text="hi")

    assert [record.state] + [r.state for _ in range(3) for r in book.look([record])] == [
        "queued", "sent", "delivered"]
    assert book.look([record]) == []
    assert book.ledger() == [SimulatedMessage(
        recipient="996550123456", text="hi", provider_id="1", reference=None, channel="sms",
        accepted_at=datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc), state="delivered")]


def test_timed_progression_follows_the_clock_and_stamps_due_times(clock: Clock) -> None:
    book = MessageBook(clock, Progression.timed(deliver_after=10, sent_after=2))
    record = book.add(id="1", recipient="1", text="hi")

    assert book.look([record]) == [] and record.state == "queued"
    clock.now += 5
    assert book.look([record]) == [record] and record.state == "sent"
    clock.now += 100
    assert [entry.state for entry in book.ledger()] == ["delivered"]
    assert record.reached("sent") == START + 2 and record.reached("delivered") == START + 10


def test_progression_waits_for_a_scheduled_time_and_can_hold(clock: Clock) -> None:
    book = MessageBook(clock)
    later = book.add(id="1", recipient="1", text="hi", not_before=START + 60)

    assert not book.step(later) and later.state == "queued"
    clock.now += 60
    book.progression = Progression.held()
    assert not book.step(later)
    book.progression = Progression.timed(0)
    assert book.tick() == [later] and later.state == "delivered"
    with pytest.raises(ValueError, match="sent_after <= deliver_after"):
        Progression.timed(deliver_after=1, sent_after=2)


def test_sessions_expire_after_their_lifetime_or_on_demand(clock: Clock) -> None:
    sessions = Sessions(clock, lifetime=60)
    sid = sessions.open("acme")

    assert sessions.login_of(sid) == "acme" and sessions.logins == 1 and list(sessions) == [sid]
    clock.now += 59
    assert sessions.login_of(sid) == "acme"
    clock.now += 1
    with pytest.raises(ExpiredSession):
        sessions.login_of(sid)
    fresh = sessions.open("acme")
    sessions.expire_all()
    with pytest.raises(ExpiredSession):
        sessions.login_of(fresh)
    with pytest.raises(UnknownSession):
        sessions.login_of("nope")


def test_a_simulator_on_the_kit_serves_state_over_http(toy: Toy, url: str,
                                                       clock: Clock) -> None:
    sid = _login(url)
    sent = requests.post(url + "/api/send", timeout=5,
                         data={"sid": sid, "to": "996550123456,996550120000", "text": "hi"})

    assert sent.json() == ["1", "1"]  # one id per request, one record per recipient
    assert toy.balance_of() == Decimal("0.50") and toy.logins == 1
    states = [requests.get(url + "/api/state", params={"id": "1"}, timeout=5).json()
              for _ in range(3)]
    assert states == [["sent", "sent"], ["delivered", "undelivered"],
                      ["delivered", "undelivered"]]
    assert [(e.recipient, e.state) for e in toy.ledger()] == [
        ("996550123456", "delivered"), ("996550120000", "undelivered")]


def test_refusals_are_rendered_by_the_simulator(toy: Toy, url: str) -> None:
    bad = requests.post(url + "/api/login", data={"login": "acme", "password": "x"}, timeout=5)
    assert (bad.status_code, bad.json()) == (401, {"code": 4, "description": "bad login"})

    sid = _login(url)
    poor = requests.post(url + "/api/send", timeout=5,
                         data={"sid": sid, "to": "1,2,3,4,5", "text": "hi"})
    assert (poor.status_code, poor.json()) == (200, {"code": 7, "description": "no money"})
    assert toy.ledger() == [] and toy.balance_of() == Decimal("1.00")

    toy.expire_sessions()
    stale = requests.post(url + "/api/send", data={"sid": sid, "to": "1", "text": "hi"},
                          timeout=5)
    assert stale.json() == {"code": 3, "description": "ExpiredSession"}
    assert requests.get(url + "/api/nowhere", timeout=5).status_code == 404
    assert requests.put(url + "/api/send", timeout=5).headers["Allow"] == "GET, POST"


def test_progression_is_settable_at_run_time(toy: Toy, url: str, clock: Clock) -> None:
    toy.deliver_after = 30
    sid = _login(url)
    requests.post(url + "/api/send", data={"sid": sid, "to": "1", "text": "hi"}, timeout=5)

    assert requests.get(url + "/api/state", params={"id": "1"}, timeout=5).json() == ["sent"]
    clock.now += 30
    assert requests.get(url + "/api/state", params={"id": "1"}, timeout=5).json() == [
        "delivered"]
    toy.deliver_after = None
    assert toy.progression == Progression()


def test_latency_delays_every_request_and_is_settable_at_run_time(toy: Toy, url: str) -> None:
    toy.latency = 0.3
    started = time.monotonic()
    requests.get(url + "/api/nowhere", timeout=5)
    assert time.monotonic() - started >= 0.3

    toy.latency = 0.0
    started = time.monotonic()
    requests.get(url + "/api/nowhere", timeout=5)
    assert time.monotonic() - started < 0.3


def test_a_fault_without_a_count_lasts_until_cleared(toy: Toy, url: str) -> None:
    toy.inject("status", status=503, times=None, path="/api/state")

    assert [requests.get(url + "/api/state", params={"id": "1"}, timeout=5).status_code
            for _ in range(3)] == [503, 503, 503]
    toy.clear_faults()
    assert requests.get(url + "/api/state", params={"id": "1"}, timeout=5).status_code == 200


def test_only_session_providers_have_session_state(clock: Clock) -> None:
    class Plain(KitSimulator):
        pass

    assert not hasattr(Plain(clock=clock), "expire_sessions")
    assert hasattr(Toy(clock), "expire_sessions")


def test_serve_names_the_extra_when_werkzeug_is_missing() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["werkzeug"] = None
        from smsbridge_nikita.simulator import NikitaSimulator
        sim = NikitaSimulator()
        try:
            with sim.serve():
                print("served")
        except Exception as exc:
            print(type(exc).__name__, exc)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)

    assert result.stdout == ("SimulatorUnavailable the NikitaSimulator needs werkzeug, which "
                             'is not installed: pip install "smsbridge-nikita[simulator]"\n')
    assert issubclass(SimulatorUnavailable, ConfigError)
