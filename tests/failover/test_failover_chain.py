"""The failover driver's chain: order, each failure's decision, cool-down, never resend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    DriverError,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    TransportError,
    ValidationError,
)
from smsbridge.failover import AllProvidersFailed, FailoverDriver, failover_decision
from smsbridge.models import Balance, DeliveryState, Message, SentMessage, Statistics, StatusReport
from smsbridge.testing.fixtures import FakeClock

NUMBER = "996550123456"


@attrs.frozen(kw_only=True)
class ScriptedSettings(smsbridge.BaseSettings):
    token: str = smsbridge.secret(default="tok-3x4mple")
    max_length: int = 1000


class ScriptedDriver(smsbridge.Driver):
    """A provider whose next sends fail as its ``script`` says; records every request."""

    name = "scripted"
    settings_class = ScriptedSettings
    batch_size = 10
    mixed_batches = True
    features = frozenset({"send_at", "viber"})

    def __init__(self, settings: smsbridge.BaseSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.script: list[BaseException | None] = []
        self.requests: list[list[Message]] = []
        self.accepted: dict[str, Message] = {}
        self.closed = False

    def close(self) -> None:
        self.closed = True
        super().close()

    @smsbridge.hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        assert isinstance(self.settings, ScriptedSettings)
        for message in messages:
            if len(message.text) > self.settings.max_length:
                raise ValidationError(f"{self.name}: text too long", field="text")
        return True

    @smsbridge.hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        self.requests.append(list(messages))
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        results = []
        for message in messages:
            message_id = f"{self.name}-{len(self.accepted) + 1}"
            self.accepted[message_id] = message
            results.append(SentMessage(recipient=message.to, message_id=message_id,
                                       provider=self.name, reference=message.reference))
        return results

    @smsbridge.hookimpl
    def status(self, message_id: str) -> StatusReport:
        if message_id not in self.accepted:
            raise NotFound("no such message", provider=self.name, operation="status")
        return StatusReport(message_id=message_id, state=DeliveryState.DELIVERED,
                            recipient=self.accepted[message_id].to)

    @smsbridge.hookimpl
    def balance(self) -> Balance:
        return Balance(amount=Decimal(len(self.name)), currency="KGS")


class AlphaDriver(ScriptedDriver):
    name = "alpha"


class BetaDriver(ScriptedDriver):
    name = "beta"
    batch_size = 4
    features = frozenset({"viber"})

    @smsbridge.hookimpl
    def report(self, start: datetime, end: datetime, filters: Any) -> Statistics:
        return Statistics(sent=3, delivered=2, total=3)


class GammaDriver(ScriptedDriver):
    name = "gamma"

    @smsbridge.hookimpl
    def report(self, start: datetime, end: datetime, filters: Any) -> Statistics:
        return Statistics(sent=1, delivered=1, total=1)


def provider(cls: type[ScriptedDriver], **settings: Any) -> smsbridge.Client:
    return smsbridge.Client(cls(ScriptedSettings(**settings)))


def failover(*classes: type[ScriptedDriver], cooldown: float = 60,
             **settings: Any) -> tuple[smsbridge.Client, list[ScriptedDriver], FakeClock]:
    clients = [provider(cls) for cls in classes]
    client = smsbridge.connect("failover", providers=clients, cooldown=cooldown, **settings)
    clock = FakeClock(1000.0)
    assert isinstance(client.driver, FailoverDriver)
    client.driver.clock = clock
    drivers = [c.driver for c in clients]
    assert all(isinstance(d, ScriptedDriver) for d in drivers)
    return client, drivers, clock  # type: ignore[return-value]


def test_first_provider_takes_the_message_and_the_rest_stay_untouched() -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    result = client.send(["+996 550 123 456", "996550123457"], "code 1234")
    assert [s.provider for s in result] == ["alpha", "alpha"]
    assert result.ids == ["0:alpha-1", "0:alpha-2"]
    assert len(alpha.requests) == 1 and beta.requests == []
    client.close()


def test_second_provider_takes_it_when_the_first_provably_refused() -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    alpha.script = [AuthError("bad token", provider="alpha", code="1")]
    result = client.send(NUMBER, "code 1234")
    assert result.ids == ["1:beta-1"]
    assert result.messages[0].provider == "beta"
    assert [len(r) for r in alpha.requests] == [1]
    assert beta.requests[0][0].text == "code 1234"
    client.close()


MOVE_ON = [
    TransportError("connection refused", provider="alpha", operation="send"),
    AuthError("bad token", provider="alpha", code="401"),
    InsufficientFunds("no money", provider="alpha", code="7"),
    RateLimited("slow down", provider="alpha", http_status=429),
]
STOP = [
    InvalidRecipient("bad number", provider="alpha", code="6"),
    InvalidRecipient("bad number, odd status", provider="alpha", code="6", http_status=500),
    DuplicateMessage("already have it", provider="alpha", code="9"),
    NotFound("no such endpoint", provider="alpha", http_status=404),
    ProviderError("unknown code", provider="alpha", code="99", http_status=400),
    ProviderError("unknown code, no status", provider="alpha", code="98"),
    ValidationError("text too long", field="text"),
    DriverError("driver bug"),
]


@pytest.mark.parametrize("error", MOVE_ON, ids=lambda e: f"{type(e).__name__}")
def test_failures_proving_refusal_move_on_and_cool_the_provider_down(
        error: SmsBridgeError) -> None:
    client, (alpha, _beta), _clock = failover(AlphaDriver, BetaDriver)
    alpha.script = [error]
    assert client.send(NUMBER, "hello").ids == ["1:beta-1"]
    assert failover_decision(error) == (True, True)
    assert client.driver.cooling_down() == {"0:alpha": pytest.approx(60)}  # type: ignore[attr-defined]
    client.close()


def test_invalid_sender_moves_on_without_cooling_down() -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    alpha.script = [InvalidSender("sender not registered here", provider="alpha", code="5")]
    assert client.send(NUMBER, "hello", sender="ACME").ids == ["1:beta-1"]
    assert beta.requests[0][0].sender == "ACME"
    assert client.driver.cooling_down() == {}  # type: ignore[attr-defined]
    assert len(client.send(NUMBER, "again").ids) == 1
    assert len(alpha.requests) == 2
    client.close()


@pytest.mark.parametrize("error", STOP, ids=lambda e: f"{type(e).__name__}-{e.message[:12]}")
def test_other_failures_are_raised_at_once(error: SmsBridgeError) -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    alpha.script = [error]
    with pytest.raises(type(error)) as caught:
        client.send(NUMBER, "hello")
    assert caught.value is error
    assert beta.requests == []
    assert failover_decision(error) == (False, False)
    client.close()


def test_delivery_unknown_stops_the_chain_and_is_never_resent() -> None:
    client, (alpha, beta), _clock = failover(AlphaDriver, BetaDriver)
    lost = DeliveryUnknown("answer lost after sending", provider="alpha", operation="send")
    alpha.script = [lost]
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBER, "code 1234")
    assert caught.value is lost
    assert len(alpha.requests) == 1
    assert beta.requests == []
    # The provider is suspect: the next message starts with the other one.
    assert "0:alpha" in client.driver.cooling_down()  # type: ignore[attr-defined]
    assert client.send(NUMBER, "next message").ids == ["1:beta-1"]
    assert [m.text for r in beta.requests for m in r] == ["next message"]
    client.close()


def test_delivery_unknown_on_a_later_chunk_keeps_what_was_accepted() -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    alpha.script = [None, DeliveryUnknown("lost", provider="alpha")]
    numbers = [f"99655000{i:04d}" for i in range(6)]
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(numbers, "campaign")
    # batch_size is BetaDriver's 4: the first chunk was taken, the second is unknown.
    assert caught.value.partial.ids == ["0:alpha-1", "0:alpha-2", "0:alpha-3", "0:alpha-4"]
    assert beta.requests == []
    client.close()


def test_cooling_provider_is_skipped_then_used_again_after_the_cooldown() -> None:
    client, (alpha, _beta), clock = failover(AlphaDriver, BetaDriver, cooldown=60)
    alpha.script = [TransportError("refused", provider="alpha")]
    assert client.send(NUMBER, "one").ids == ["1:beta-1"]
    clock.now += 59
    assert client.send(NUMBER, "two").ids == ["1:beta-2"]
    assert len(alpha.requests) == 1  # skipped while cooling down
    clock.now += 2
    assert client.send(NUMBER, "three").ids == ["0:alpha-1"]
    assert client.driver.cooling_down() == {}  # type: ignore[attr-defined]
    client.close()


def test_rate_limit_retry_after_longer_than_the_cooldown_wins() -> None:
    client, (alpha, _beta), clock = failover(AlphaDriver, BetaDriver, cooldown=10)
    alpha.script = [RateLimited("slow", provider="alpha", retry_after=120)]
    client.send(NUMBER, "one")
    clock.now += 60
    assert client.send(NUMBER, "two").ids == ["1:beta-2"]
    clock.now += 61
    assert client.send(NUMBER, "three").ids == ["0:alpha-1"]
    client.close()


def test_cooling_providers_are_a_last_resort_not_excluded() -> None:
    client, (alpha, beta), clock = failover(AlphaDriver, BetaDriver)
    alpha.script = [TransportError("refused", provider="alpha")]
    client.send(NUMBER, "one")
    beta.script = [RateLimited("slow down", provider="beta", http_status=429)]
    clock.now += 5
    # Alpha still cools down, so beta goes first; beta refuses, alpha takes it.
    assert client.send(NUMBER, "two").ids == ["0:alpha-1"]
    assert [len(alpha.requests), len(beta.requests)] == [2, 2]
    assert list(client.driver.cooling_down()) == ["1:beta"]  # type: ignore[attr-defined]
    client.close()


def test_zero_cooldown_always_keeps_the_configured_order() -> None:
    client, (alpha, _beta), _ = failover(AlphaDriver, BetaDriver, cooldown=0)
    alpha.script = [AuthError("no", provider="alpha")]
    client.send(NUMBER, "one")
    assert client.send(NUMBER, "two").ids == ["0:alpha-1"]
    client.close()


def test_all_failed_lists_every_provider_and_is_one_error() -> None:
    client, (alpha, beta, gamma), _ = failover(AlphaDriver, BetaDriver, GammaDriver)
    alpha.script = [AuthError("bad token", provider="alpha", code="2")]
    beta.script = [TransportError("beta/send: ConnectionError", provider="beta")]
    gamma.script = [InsufficientFunds("no money", provider="gamma", code="7")]
    with pytest.raises(AllProvidersFailed) as caught:
        client.send(NUMBER, "hello")
    error = caught.value
    assert isinstance(error, SmsBridgeError)
    assert [label for label, _ in error.failures] == ["0:alpha", "1:beta", "2:gamma"]
    assert [type(e) for e in error.errors.values()] == [AuthError, TransportError,
                                                        InsufficientFunds]
    text = str(error)
    for part in ("0:alpha: AuthError", "1:beta: TransportError", "2:gamma: InsufficientFunds",
                 "bad token", "no money"):
        assert part in text
    assert error.partial is not None and error.partial.ids == []
    client.close()


def test_a_chunk_is_never_split_across_providers() -> None:
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    assert client.driver.batch_size == 4  # the smallest of the providers'
    alpha.script = [None, TransportError("connection refused", provider="alpha")]
    numbers = [f"99655000{i:04d}" for i in range(10)]
    result = client.send(numbers, "campaign")
    assert [len(r) for r in alpha.requests] == [4, 4]
    # Alpha cools down after failing to connect, so beta takes that chunk and the rest.
    assert [len(r) for r in beta.requests] == [4, 2]
    assert [m.to for m in beta.requests[0]] == numbers[4:8]
    assert [s.provider for s in result] == ["alpha"] * 4 + ["beta"] * 6
    assert [s.recipient for s in result] == numbers
    client.close()


def test_status_goes_to_the_provider_that_took_the_message() -> None:
    client, (alpha, _beta), _ = failover(AlphaDriver, BetaDriver)
    first = client.send(NUMBER, "one").ids[0]
    alpha.script = [AuthError("no", provider="alpha")]
    second = client.send("996550999999", "two").ids[0]
    assert (first, second) == ("0:alpha-1", "1:beta-1")
    report = client.status(second)
    assert report.message_id == "1:beta-1"
    assert report.recipient == "996550999999"
    assert client.status(first).recipient == NUMBER
    with pytest.raises(NotFound):
        client.status("1:beta-7")
    client.close()


@pytest.mark.parametrize("bad", ["alpha-1", "7:alpha-1", "x:alpha-1", "0:", ":1"])
def test_status_of_an_id_the_failover_did_not_issue_is_a_validation_error(bad: str) -> None:
    client, _, _ = failover(AlphaDriver, BetaDriver)
    with pytest.raises(ValidationError, match="not issued by this failover client"):
        client.status(bad)
    client.close()


def test_messages_are_validated_for_every_provider_before_any_request() -> None:
    clients = [provider(AlphaDriver), provider(BetaDriver, max_length=5)]
    client = smsbridge.connect("failover", providers=clients)
    with pytest.raises(ValidationError, match="provider 1:beta: beta: text too long"):
        client.send(NUMBER, "longer than five")
    assert [d.requests for d in (clients[0].driver, clients[1].driver)] == [[], []]  # type: ignore[attr-defined]
    client.close()


def test_each_provider_uses_its_own_default_sender() -> None:
    clients = [provider(AlphaDriver, sender="AlphaName"), provider(BetaDriver, sender="BetaName")]
    client = smsbridge.connect("failover", providers=clients)
    alpha, beta = (c.driver for c in clients)
    alpha.script = [AuthError("no", provider="alpha")]  # type: ignore[attr-defined]
    client.send(NUMBER, "hello")
    assert alpha.requests[0][0].sender == "AlphaName"  # type: ignore[attr-defined]
    assert beta.requests[0][0].sender == "BetaName"  # type: ignore[attr-defined]
    client.close()


def test_capabilities_are_what_the_providers_share() -> None:
    client, _, _ = failover(AlphaDriver, BetaDriver)
    # Only viber is common to both providers; send_at is alpha's alone.
    assert client.supports("viber") and not client.supports("send_at")
    assert client.supports("status") and client.supports("balance")
    assert client.supports("report")  # beta offers it
    assert not client.supports("hlr")
    with pytest.raises(NotSupported):
        client.hlr(NUMBER)
    client.close()


def test_balance_is_the_first_healthy_providers_and_balances_lists_all() -> None:
    client, (alpha, _beta), _clock = failover(AlphaDriver, BetaDriver)
    assert client.balance().amount == Decimal(5)  # len("alpha")
    alpha.script = [AuthError("no", provider="alpha")]
    client.send(NUMBER, "x")
    assert client.balance().amount == Decimal(4)  # alpha cools down: beta is next
    assert client.driver.balances() == {  # type: ignore[attr-defined]
        "0:alpha": Balance(amount=Decimal(5), currency="KGS"),
        "1:beta": Balance(amount=Decimal(4), currency="KGS"),
    }
    client.close()


def test_report_adds_up_the_providers_that_offer_one() -> None:
    client, _, _ = failover(AlphaDriver, BetaDriver, GammaDriver)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    stats = client.report(start, start + timedelta(days=1))
    assert (stats.sent, stats.delivered, stats.total) == (4, 3, 4)
    assert stats.undelivered is None  # neither provider says
    assert set(stats.raw) == {"1:beta", "2:gamma"}
    client.close()


def test_close_closes_every_provider() -> None:
    client, drivers, _ = failover(AlphaDriver, BetaDriver)
    client.close()
    assert all(d.closed for d in drivers)


def test_provider_secrets_are_masked_by_the_failover_redactor() -> None:
    client, _, _ = failover(AlphaDriver, BetaDriver)
    assert "tok-3x4mple" not in client.driver.redactor.text("token tok-3x4mple leaked")
    assert "tok-3x4mple" not in repr(client) + repr(client.driver.settings)
    client.close()


def test_send_many_keeps_each_text_and_routes_it() -> None:
    client, (alpha, _beta), _ = failover(AlphaDriver, BetaDriver)
    assert client.supports("send_many")
    result = client.send_many([Message(to=NUMBER, text="a"), Message(to="996550000002",
                                                                     text="b")])
    assert result.ids == ["0:alpha-1", "0:alpha-2"]
    assert [m.text for m in alpha.requests[0]] == ["a", "b"]
    client.close()


@pytest.mark.parametrize("error", [
    ProviderError("internal error", provider="alpha", http_status=500),
    ProviderError("unavailable", provider="alpha", http_status=503),
    ProviderError("bad gateway", provider="alpha", http_status=502),
    InvalidResponse("garbage after 200", body="<html>", provider="alpha", http_status=200),
], ids=lambda e: f"{type(e).__name__}-{e.message[:12]}")
def test_an_answer_that_proves_no_refusal_is_delivery_unknown_and_not_sent_elsewhere(
        error: SmsBridgeError) -> None:
    """A 5xx or an unreadable answer may follow an accepted send: never try the next."""
    client, (alpha, beta), _ = failover(AlphaDriver, BetaDriver)
    alpha.script = [error]
    with pytest.raises(DeliveryUnknown) as caught:
        client.send(NUMBER, "hello", reference="order17")
    assert caught.value.__cause__ is error
    assert [m.to for m in caught.value.unknown] == [NUMBER]
    assert caught.value.retry_safe is False  # a failover client never claims deduplication
    assert beta.requests == []
    client.close()


class CountingDriver(ScriptedDriver):
    """Records the chunk sizes its provider checks saw."""

    def __init__(self, settings: smsbridge.BaseSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.checked: list[int] = []

    @smsbridge.hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        self.checked.append(len(messages))
        return super().validate(messages)


class CountingAlpha(CountingDriver):
    name = "alpha"


class CountingBeta(CountingDriver):
    name = "beta"
    batch_size = 4


@pytest.mark.parametrize("alpha_refuses", [False, True])
def test_each_providers_checks_run_once_per_chunk(monkeypatch: pytest.MonkeyPatch,
                                                  alpha_refuses: bool) -> None:
    client, (alpha, beta), _ = failover(CountingAlpha, CountingBeta)
    core_checks: list[str] = []
    check_message = smsbridge.Client._check_message

    def counted(self: smsbridge.Client, message: Message) -> Message:
        core_checks.append(self.driver.name)
        return check_message(self, message)

    monkeypatch.setattr(smsbridge.Client, "_check_message", counted)
    if alpha_refuses:
        alpha.script = [AuthError("no", provider="alpha")]
    numbers = [f"99655000000{i}" for i in range(6)]
    result = client.send(numbers, "hello")
    # Six numbers make two chunks (beta takes at most four per request).
    taker = "beta" if alpha_refuses else "alpha"
    assert [m.provider for m in result.messages] == [taker] * 6
    assert [len(r) for r in (beta if alpha_refuses else alpha).requests] == [4, 2]
    assert alpha.checked == beta.checked == [4, 2]  # type: ignore[attr-defined]
    # The failover client checks the text and options once, each provider every number once.
    assert sorted(core_checks) == ["alpha"] * 6 + ["beta"] * 6 + ["failover"]
    client.close()
