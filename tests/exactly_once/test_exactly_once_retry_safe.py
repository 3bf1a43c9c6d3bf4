"""``retry_safe`` for each error class and driver, and the proof that it is true.

Every case makes a real call fail against the simulator and checks the error's class
and ``retry_safe``. Where ``retry_safe`` is True the test then heals the fault and
repeats the very same call, the way a queue would: the ledger must still hold every
recipient at most once.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from typing import Any

import pytest

from smsbridge.errors import (
    AuthError,
    ConfigError,
    DeliveryUnknown,
    InsufficientFunds,
    InvalidResponse,
    NotFound,
    NotSupported,
    ProviderError,
    RateLimited,
    SmsBridgeError,
    TransportError,
    ValidationError,
)

TEXT = "Sale at noon"
Call = Callable[[], Any]


def _fails(call: Call) -> SmsBridgeError:
    with pytest.raises(SmsBridgeError) as caught:
        call()
    return caught.value


def _repeat_is_harmless(world: Any, call: Call) -> None:
    """Repeat the call after healing the wire: nobody may receive a message twice."""
    world.sim.clear_faults()
    if world.provider.fund is not None:
        world.provider.fund(world.sim, 1000)
    with contextlib.suppress(SmsBridgeError):  # retry_safe: harmless, not successful
        call()
    doubled = sorted(n for n, count in world.held().items() if count > 1)
    assert doubled == []


def test_validation_error(world):
    client = world.connect()

    def call() -> Any:
        return client.send(["12", *world.numbers(2)], TEXT, reference="v1")

    error = _fails(call)
    assert isinstance(error, ValidationError) and error.retry_safe is True
    assert world.sim.requests == []  # refused before any network I/O
    _repeat_is_harmless(world, call)


def test_auth_error(world):
    client = world.connect(**{world.provider.secret: "wrong-secret"})
    numbers = world.numbers(2)

    def call() -> Any:
        return client.send(numbers, TEXT, reference="a1")

    error = _fails(call)
    assert isinstance(error, AuthError) and error.retry_safe is True
    assert world.held() == {}
    _repeat_is_harmless(world, call)


def _refuse_after(world: Any, requests: int) -> None:
    """Make the provider refuse every send request after the first ``requests``."""
    if world.provider.fund is not None:
        world.provider.fund(world.sim, requests * world.provider.chunk)  # no more money
    else:
        # Phoenix takes a dispatch it cannot pay for (and rejects it later): refuse access.
        world.inject("status", skip=requests, times=3, status=403, body="")


def test_refusal_of_a_whole_send(world):
    _refuse_after(world, 0)
    client = world.connect()
    numbers = world.numbers(2)

    def call() -> Any:
        return client.send(numbers, TEXT)

    error = _fails(call)
    assert isinstance(error, ProviderError) and error.retry_safe is True
    assert isinstance(error, InsufficientFunds if world.provider.fund else AuthError)
    assert world.held() == {}
    _repeat_is_harmless(world, call)


@pytest.mark.parametrize("reference", [None, "ref9"])
def test_refusal_after_earlier_chunks_were_accepted(world, reference):
    numbers = world.campaign()
    chunk = world.provider.chunk
    _refuse_after(world, 1)
    client = world.connect()

    def call() -> Any:
        return client.send(numbers, TEXT, reference=reference)

    error = _fails(call)
    assert isinstance(error, ProviderError)
    assert len(error.partial.ids) == chunk
    expected = world.provider.deduplicating and reference is not None
    assert error.retry_safe is expected
    world.books(numbers, None, error)
    if error.retry_safe:
        _repeat_is_harmless(world, call)


def test_transport_error_before_sending(world):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    base = world.sim.client_settings(world.url)["base_url"].replace(
        world.url, f"http://127.0.0.1:{port}")
    client = world.connect(base_url=base)
    numbers = world.numbers(2)

    def call() -> Any:
        return client.send(numbers, TEXT)

    error = _fails(call)
    assert isinstance(error, TransportError) and not isinstance(error, DeliveryUnknown)
    assert error.retry_safe is True
    _repeat_is_harmless(world, call)


@pytest.mark.parametrize("reference", [None, "ref7"])
def test_delivery_unknown(world, reference):
    numbers = world.campaign()
    world.inject("drop_after_accept", times=3)
    client = world.connect()

    def call() -> Any:
        return client.send(numbers, TEXT, reference=reference)

    error = _fails(call)
    assert isinstance(error, DeliveryUnknown)
    assert error.retry_safe is (world.provider.deduplicating and reference is not None)
    world.books(numbers, None, error)
    if error.retry_safe:
        _repeat_is_harmless(world, call)
        assert sorted(world.held()) == sorted(numbers)


def test_unreadable_answer_to_a_read(world):
    client = world.connect()
    sent = client.send(world.numbers(1), TEXT).messages[0]
    world.sim.inject("body", body=b"<html>maintenance</html>", content_type="text/html")

    def call() -> Any:
        return client.status(sent.message_id)

    error = _fails(call)
    assert isinstance(error, InvalidResponse) and error.retry_safe is True
    _repeat_is_harmless(world, call)
    assert call().message_id == sent.message_id


def test_config_error(world):
    def call() -> Any:
        return world.connect(colour="blue")

    error = _fails(call)
    assert isinstance(error, ConfigError) and error.retry_safe is True


def test_not_supported(world):
    client = world.connect()
    numbers = world.numbers(1)

    def call() -> Any:
        if not client.supports("hlr"):
            return client.hlr(numbers)
        return client.balance()

    error = _fails(call)
    assert isinstance(error, NotSupported) and error.retry_safe is True
    assert world.sim.requests == []


def test_not_found(world):
    if world.provider.missing_id is None:
        pytest.skip("Devino and Stream answer state 255 (unknown) for an id never issued")
    client = world.connect()

    def call() -> Any:
        return client.status(world.provider.missing_id)

    error = _fails(call)
    assert isinstance(error, NotFound) and error.retry_safe is True


def test_rate_limited_send(world):
    world.inject("status", status=429, times=3, body="slow down")
    client = world.connect()
    numbers = world.numbers(2)

    def call() -> Any:
        return client.send(numbers, TEXT)

    error = _fails(call)
    assert isinstance(error, RateLimited) and error.retry_safe is True
    assert world.held() == {}
    _repeat_is_harmless(world, call)
    assert sorted(world.held()) == numbers
