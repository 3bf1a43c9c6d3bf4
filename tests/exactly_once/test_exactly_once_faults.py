"""Faults after the provider accepted a chunk: the ledger and the library's report agree.

Every send here is a campaign of three provider requests; the fault hits the second
one (``skip=1``), so the first is accepted, the second is in flight and the third is
never attempted. ``times=3`` breaks every attempt a retrying driver makes.
"""

from __future__ import annotations

import pytest

from smsbridge.errors import DeliveryUnknown


def _expect_uncertain_second_chunk(world, numbers, books, error):
    """The first chunk accepted, the second unknown, the third never attempted."""
    chunk = world.provider.chunk
    assert isinstance(error, DeliveryUnknown), repr(error)
    assert books.accepted == numbers[:chunk]
    assert books.unknown == numbers[chunk:2 * chunk]
    assert books.never_attempted == numbers[2 * chunk:]


@pytest.mark.parametrize("how", ["send", "stream"])
@pytest.mark.parametrize("times", [1, 3])
def test_drop_after_accept(world, times, how):
    numbers = world.campaign()
    world.inject("drop_after_accept", skip=1, times=times)

    call = world.send if how == "send" else world.stream
    result, error = call(world.connect(), numbers, reference="drop1")

    books = world.books(numbers, result, error)
    if world.provider.deduplicating and times == 1:
        # The driver repeated the request with the same id; the provider answered "exists".
        assert error is None and books.accepted == numbers
    else:
        _expect_uncertain_second_chunk(world, numbers, books, error)


def test_timeout_after_accept(world):
    numbers = world.campaign()
    # The provider takes the request; its answer comes after the client stopped waiting,
    # every time the driver asks.
    world.inject("delay", after_accept=True, skip=1, times=3, seconds=3.0)

    result, error = world.send(world.connect(timeout=1.0), numbers, reference="slow1")

    books = world.books(numbers, result, error)
    _expect_uncertain_second_chunk(world, numbers, books, error)


def test_timeout_after_accept_then_a_prompt_repeat(dedup_world):
    world = dedup_world
    numbers = world.campaign()
    world.inject("delay", after_accept=True, skip=1, seconds=3.0)

    result, error = world.send(world.connect(timeout=1.0), numbers, reference="slow2")

    # The repeat with the same id was answered "exists": the earlier acceptance.
    books = world.books(numbers, result, error)
    assert error is None and books.accepted == numbers


@pytest.mark.parametrize("how", ["send", "stream"])
@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("times", [1, 3])
def test_server_error_after_accept(world, status, times, how):
    numbers = world.campaign()
    world.inject("status", after_accept=True, skip=1, times=times, status=status,
                 body="Internal error")

    call = world.send if how == "send" else world.stream
    result, error = call(world.connect(), numbers, reference="err1")

    books = world.books(numbers, result, error)
    if world.provider.deduplicating and times == 1:
        assert error is None and books.accepted == numbers
    else:
        _expect_uncertain_second_chunk(world, numbers, books, error)


UNREADABLE = {
    "empty": (b"", "text/plain"),
    "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    "truncated-json": (b'{"error":"0","result":[{"id":"12', "application/json"),
    "truncated-xml": (b'<?xml version="1.0"?><response><id>x</id><status>0</sta',
                      "text/xml"),
    "wrong-shape": (b'{"unexpected": true}', "application/json"),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
def test_unreadable_200_after_accept(world, kind):
    numbers = world.campaign()
    body, content_type = UNREADABLE[kind]
    world.inject("body", after_accept=True, skip=1, body=body, content_type=content_type)

    result, error = world.send(world.connect(), numbers, reference="bad1")

    books = world.books(numbers, result, error)
    _expect_uncertain_second_chunk(world, numbers, books, error)


def test_session_expiry_mid_bulk(session_world):
    world = session_world
    numbers = world.campaign()
    chunk = world.provider.chunk
    client = world.connect()

    sent = []
    for index, message in enumerate(client.send_iter(numbers, "Sale at noon")):
        sent.append(message)
        if index in (chunk - 1, 2 * chunk - 1):
            world.sim.expire_sessions()  # between two requests of one campaign

    assert [m.recipient for m in sent] == numbers and all(m.ok for m in sent)
    assert all(count == 1 for count in world.held().values())
    assert sorted(world.held()) == sorted(numbers)
    assert world.sim.logins == 3
