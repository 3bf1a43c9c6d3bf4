"""Several requests in flight (``concurrency=N``): the ledger and the report still agree.

Chunks are answered in any order, so these tests check the books rather than positions:
every recipient accepted, unknown or never attempted, nothing lost or doubled; what was
attempted is a prefix of the input in whole chunks (numbers are pulled in order), and a
fault leaves exactly its chunks unknown.
"""

from __future__ import annotations

import signal
import threading
import tracemalloc
from collections.abc import Iterator

import pytest

import smsbridge
from smsbridge.driver import Driver
from smsbridge.errors import DeliveryUnknown, ValidationError
from smsbridge.hookspecs import hookimpl
from smsbridge.models import SentMessage
from smsbridge.settings import BaseSettings

from .conftest import TEXT

#: Chunks per campaign: more than any concurrency tried, so slots are reused.
CHUNKS = 12


def _send(world, client, numbers, how, concurrency, reference=None):
    """``send`` or ``send_iter`` of the world's text with ``concurrency``: the result (what
    was yielded, for ``send_iter``) or the error (its ``partial`` joined by what was
    yielded)."""
    deliver = world.send if how == "send" else world.stream
    return deliver(client, numbers, reference, concurrency=concurrency)


def _campaign(world):
    """Numbers for :data:`CHUNKS` requests, with money for all of them."""
    numbers = world.numbers(world.provider.chunk * CHUNKS)
    if world.provider.fund is not None:
        world.provider.fund(world.sim, len(numbers) * 2)
    return numbers


def _chunks_of(world, numbers, named):
    """``named`` as a set of whole chunks of ``numbers`` (their indexes); fails if a
    chunk is split."""
    size = world.provider.chunk
    indexes = {numbers.index(n) // size for n in named}
    for index in indexes:
        assert set(numbers[index * size:(index + 1) * size]) <= set(named), "a split chunk"
    return indexes


def _attempted_prefix(world, numbers, books):
    """Accepted plus unknown is the first k whole chunks of the input; return k."""
    attempted = set(books.accepted) | set(books.unknown)
    count = len(attempted)
    assert count % world.provider.chunk == 0
    assert attempted == set(numbers[:count]), "attempted recipients out of input order"
    assert books.never_attempted == numbers[count:]
    return count // world.provider.chunk


@pytest.mark.parametrize("how", ["send", "stream"])
@pytest.mark.parametrize("concurrency", [4, 8])
def test_every_recipient_once(world, concurrency, how):
    numbers = _campaign(world)

    result, error = _send(world, world.connect(), numbers, how, concurrency)

    assert error is None, repr(error)
    books = world.books(numbers, result, error)
    assert sorted(books.accepted) == numbers
    assert list(books.held.values()) == [1] * len(numbers)
    if how == "send":
        # send() returns the results in input order whatever order chunks came back in.
        assert [m.recipient for m in result.messages] == numbers


#: Every request after the first ones fails, every attempt of it: what is in flight
#: when the trouble starts ends uncertain (or refused), whatever order requests come in.
EVERY_LATER = 1000


@pytest.mark.parametrize("how", ["send", "stream"])
def test_answers_lost_mid_campaign(world, how):
    numbers = _campaign(world)
    # The first two requests to arrive are answered; every later one is taken by the
    # provider and its answer lost.
    world.inject("drop_after_accept", skip=2, times=EVERY_LATER)

    result, error = _send(world, world.connect(), numbers, how, 4, reference="conc1")

    assert isinstance(error, DeliveryUnknown), repr(error)
    books = world.books(numbers, result, error)
    assert len(_chunks_of(world, numbers, books.accepted)) == 2
    attempted = _attempted_prefix(world, numbers, books)
    # Four at first, then one more per answer: new chunks stopped at the first failure.
    assert 4 <= attempted <= 6
    assert len(_chunks_of(world, numbers, books.unknown)) == attempted - 2
    assert error.retry_safe is world.provider.deduplicating


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_after_accept(world, status):
    numbers = _campaign(world)
    world.inject("status", after_accept=True, skip=1, times=EVERY_LATER, status=status,
                 body="Internal error")

    result, error = _send(world, world.connect(), numbers, "send", 8, reference="conc2")

    assert isinstance(error, DeliveryUnknown), repr(error)
    books = world.books(numbers, result, error)
    assert len(_chunks_of(world, numbers, books.accepted)) == 1
    attempted = _attempted_prefix(world, numbers, books)
    assert 8 <= attempted <= 9
    assert len(_chunks_of(world, numbers, books.unknown)) == attempted - 1


def test_refusals_keep_the_accepted_chunk(world):
    numbers = _campaign(world)
    # Every request after the first to arrive is refused before the provider takes it.
    world.inject("status", skip=1, times=EVERY_LATER, status=400, body="Bad request")

    result, error = _send(world, world.connect(), numbers, "send", 4)

    assert error is not None and not isinstance(error, DeliveryUnknown), repr(error)
    books = world.books(numbers, result, error)
    assert books.unknown == []
    assert len(_chunks_of(world, numbers, books.accepted)) == 1
    assert set(books.held) == set(books.accepted)


# -- without a provider: how many in flight, memory, Ctrl-C -----------------------------


class _SinkDriver(Driver[BaseSettings]):
    """Answers every send at once and keeps nothing (the memory driver keeps everything)."""

    name = "sink"
    batch_size = 100
    mixed_batches = True
    max_concurrency = 8

    def __init__(self, gate: threading.Barrier | None = None, **kwargs: object) -> None:
        super().__init__(BaseSettings(), **kwargs)  # type: ignore[arg-type]
        self.gate = gate
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    @hookimpl
    def send(self, messages):
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                self.gate.wait(timeout=10)
            return [SentMessage(recipient=m.to, message_id=m.to, parts=1, provider="sink")
                    for m in messages]
        finally:
            with self.lock:
                self.in_flight -= 1


def _numbers(count: int) -> Iterator[str]:
    return (f"+7916{i:07d}" for i in range(count))


def test_n_requests_in_flight_at_once():
    # Every request waits until four are in flight together: a serial client would hang
    # at the barrier's timeout instead.
    driver = _SinkDriver(gate=threading.Barrier(4))
    client = smsbridge.Client(driver)

    result = client.send(list(_numbers(800)), TEXT, concurrency=4)

    assert len(result.messages) == 800
    assert driver.most_in_flight == 4


def test_concurrency_is_lowered_to_the_drivers_ceiling(caplog):
    driver = _SinkDriver()
    client = smsbridge.Client(driver)

    with caplog.at_level("INFO", logger="smsbridge.client"):
        result = client.send(list(_numbers(3000)), TEXT, concurrency=50)

    assert len(result.messages) == 3000
    assert driver.most_in_flight <= 8
    assert "concurrency=50 lowered to 8, the most sink takes at once" in caplog.text


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "4"])
def test_bad_concurrency_before_any_request(value):
    driver = _SinkDriver()
    client = smsbridge.Client(driver)

    with pytest.raises(ValidationError, match="concurrency must be a whole number"):
        client.send(["+79160000001"], TEXT, concurrency=value)
    with pytest.raises(ValidationError, match="concurrency must be a whole number"):
        client.send_iter(["+79160000001"], TEXT, concurrency=value)
    assert driver.most_in_flight == 0


def test_memory_stays_flat_over_a_huge_generator():
    client = smsbridge.Client(_SinkDriver())

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            seen = sum(1 for _ in client.send_iter(_numbers(count), TEXT, concurrency=8))
            assert seen == count
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(10_000), peak(100_000)
    # Ten times the recipients, the same handful of chunks alive at once.
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_a_bad_number_mid_stream_stops_after_the_chunks_in_flight():
    driver = _SinkDriver()
    client = smsbridge.Client(driver)
    numbers = [*list(_numbers(1000)), "not a number", *list(_numbers(300))]

    yielded = []
    with pytest.raises(ValidationError) as caught:
        for message in client.send_iter(numbers, TEXT, concurrency=4):
            yielded.append(message.recipient)

    # Chunks are pulled in order: everything before the bad number's chunk was sent and
    # reported (yielded, or in partial), nothing after it.
    partial = [m.recipient for m in caught.value.partial.messages] \
        if caught.value.partial is not None else []
    assert sorted(yielded + partial) == [f"7916{i:07d}" for i in range(1000)]
    assert caught.value.unknown == ()


def test_ctrl_c_stops_at_once_and_starts_nothing_new():
    release = threading.Event()
    started = threading.Event()

    class Stuck(_SinkDriver):
        @hookimpl
        def send(self, messages):
            with self.lock:
                self.in_flight += 1
                if self.in_flight == 2:
                    started.set()  # both slots busy: now the interrupt
            release.wait(timeout=10)  # the request in flight, answered later
            return [SentMessage(recipient=m.to, message_id=m.to, parts=1, provider="sink")
                    for m in messages]

    driver = Stuck()
    client = smsbridge.Client(driver)
    main = threading.main_thread().ident
    assert main is not None
    threading.Thread(target=lambda: (started.wait(10), signal.pthread_kill(main, signal.SIGINT)),
                     daemon=True).start()

    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in client.send_iter(list(_numbers(1000)), TEXT, concurrency=2):
                pass  # pragma: no cover - nothing is answered before the interrupt
        # The two first chunks were in flight; no third one started.
        assert driver.in_flight == 2
    finally:
        release.set()


def test_the_connection_pool_grows_to_the_concurrency():
    driver = _SinkDriver()
    driver.settings = BaseSettings(base_url="http://127.0.0.1:9")
    assert driver.transport.session.get_adapter("http://127.0.0.1:9/")._pool_maxsize == 10

    driver.reserve_connections(16)
    driver.reserve_connections(4)  # never shrinks

    assert driver.transport.session.get_adapter("http://127.0.0.1:9/")._pool_maxsize == 16
    later = _SinkDriver()
    later.settings = BaseSettings(base_url="http://127.0.0.1:9")
    later.reserve_connections(12)  # before the transport exists: it is made that size
    assert later.transport.session.get_adapter("https://x.test/")._pool_maxsize == 12
    driver.close()
    later.close()
