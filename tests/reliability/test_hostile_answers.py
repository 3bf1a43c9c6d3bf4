"""Hostile and nonsensical provider answers, case by case (issue 13).

Each test gives a driver one answer a broken or malicious provider could send, on the
real wire format (a simulator answers everything else), and checks the typed error that
comes back, how long it took and, for the big ones, how much memory it took.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import smsbridge
from smsbridge import DeliveryUnknown, InvalidResponse, SmsBridgeError, TransportError
from smsbridge.errors import RateLimited
from smsbridge.parsing import as_int, parse_decimal
from smsbridge.testing import Simulator
from smsbridge.transport import RetryPolicy
from tests.reliability.conftest import DRIVERS, END, FIGURES, START, Answer, DriverCase, connect

CASES = {case.name: case for case in DRIVERS}
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
#: A 10 kB answer nested 5000 levels deep.
DEEP_JSON = b"[" * 5000 + b"]" * 5000
DEEP_OBJECT = b'{"a":' * 2000 + b"1" + b"}" * 2000


@contextlib.contextmanager
def answered(case: DriverCase, simulator_wire: Any, body: bytes, *, status: int = 200,
             headers: dict[str, str] | None = None, target: int | None = None,
             **settings: Any) -> Iterator[smsbridge.Client]:
    """A client whose next operation gets ``body`` for its provider request.

    Session drivers log in first (request 0); the operation's request comes after.
    """
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    index = target if target is not None else (1 if case.name in ("devino", "stream") else 0)
    sim_wire.arm(lambda _: Answer(status, headers or JSON, body), index)
    with connect(case, sim, **settings) as client:
        yield client


def _quick(call: Callable[[], Any], error: type[SmsBridgeError] = SmsBridgeError,
           seconds: float = 2.0) -> SmsBridgeError:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    FIGURES["hostile answers: refused"] += 1
    return caught.value


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1e9999999", "1e1000000", "-1e999999", "9e99999999999"])
def test_a_nine_character_number_is_refused_at_once(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError):
        as_int(text)
    with pytest.raises(ValueError):
        parse_decimal(text)
    assert time.monotonic() - started < 0.1


def test_nikita_balance_with_an_endless_status_number(simulator_wire: Any) -> None:
    body = b"<response><status>1e9999999</status><account>10</account></response>"
    with answered(CASES["nikita"], simulator_wire, body, headers=XML) as client:
        _quick(client.balance, InvalidResponse)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "sNaN"])
def test_nikita_money_that_is_not_a_number(simulator_wire: Any, value: str) -> None:
    body = f"<response><status>0</status><account>{value}</account></response>".encode()
    with answered(CASES["nikita"], simulator_wire, body, headers=XML) as client:
        error = _quick(client.balance, InvalidResponse)
    assert value in str(error)  # the body is kept


@pytest.mark.parametrize("body", [b"NaN", b"Infinity", b'"NaN"', b'"-Infinity"', b"1e999"])
def test_devino_balance_that_is_not_a_number(simulator_wire: Any, body: bytes) -> None:
    with answered(CASES["devino"], simulator_wire, body) as client:
        _quick(client.balance, InvalidResponse)


def test_phoenix_balance_nan(simulator_wire: Any) -> None:
    with answered(CASES["phoenix"], simulator_wire, b'{"balance": NaN, "credit": 0}') as client:
        _quick(client.balance, InvalidResponse)
    with answered(CASES["phoenix"], simulator_wire, b'{"balance": "NaN"}') as client:
        _quick(client.balance, InvalidResponse)


@pytest.mark.parametrize("price", ['"-0.02"', "-1", '"Infinity"', '"NaN"'])
def test_ketchup_prices_negative_or_not_a_number(simulator_wire: Any, price: str) -> None:
    body = ('{"prices": [{"country": "UA", "country_name": "Ukraine", "mcc": "255", '
            f'"price": {price}, "currency": "EUR", "type": "sms"}}]}}').encode()
    with answered(CASES["ketchup"], simulator_wire, body) as client:
        _quick(client.prices, InvalidResponse)


@pytest.mark.parametrize("case_name", ["devino", "stream"])
def test_negative_counts_in_statistics(simulator_wire: Any, case_name: str) -> None:
    body = (b'{"Sent": -5, "Delivered": 1, "Errors": 0, "InProcess": 0, "Expired": 0, '
            b'"Rejected": 0, "Total": -4, "sent": -5, "delivered": 1, "total": -4}')
    with answered(CASES[case_name], simulator_wire, body) as client:
        _quick(lambda: client.report(START, END), InvalidResponse)


# -- shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize("case_name", ["devino", "stream", "ketchup", "phoenix"])
@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deeply_nested_json_is_refused_without_recursion(
        simulator_wire: Any, case_name: str, body: bytes) -> None:
    case = CASES[case_name]
    with answered(case, simulator_wire, body) as client:
        operation = client.balance if client.supports("balance") else client.prices
        _quick(operation, InvalidResponse)


DEEP_XML = (b"<response><status>0</status><account>" + b"<a>" * 20000 + b"1"
            + b"</a>" * 20000 + b"</account></response>")


def test_deeply_nested_xml_is_refused_without_recursion(simulator_wire: Any) -> None:
    with answered(CASES["nikita"], simulator_wire, DEEP_XML, headers=XML) as client:
        _quick(client.balance, InvalidResponse)
    with connect(CASES["nikita"], CASES["nikita"].simulator()) as client:
        push = b"<report><dr>" + b"<id>" * 5000 + b"1" + b"</id>" * 5000 + b"</dr></report>"
        _quick(lambda: client.parse_callback(push), InvalidResponse)


def test_deeply_nested_json_pushed_to_ketchup() -> None:
    case = CASES["ketchup"]
    with connect(case, case.simulator()) as client:
        _quick(lambda: client.parse_callback(DEEP_JSON), InvalidResponse)
        _quick(lambda: client.parse_callback(DEEP_OBJECT), InvalidResponse)


@pytest.mark.parametrize("case_name", ["devino", "stream"])
@pytest.mark.parametrize("body", [b'{"Code": {"x": 1}, "Desc": "?"}', b'{"Code": [4]}',
                                  b'{"Code": 2, "Desc": {"text": "?"}}'])
def test_an_error_object_with_a_strange_code(simulator_wire: Any, case_name: str,
                                             body: bytes) -> None:
    with answered(CASES[case_name], simulator_wire, body, status=400) as client:
        _quick(client.balance)


def test_ketchup_export_row_with_a_list_status(simulator_wire: Any) -> None:
    case = CASES["ketchup"]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    row = (b'{"message_data": [{"id": "1", "msisdn": "380972000001", '
           b'"status": ["Delivered", "Sent"]}]}')
    # stat/create is answered by the simulator; the file download gets the bad row.
    sim_wire.arm(lambda _: Answer(200, JSON, row), 1)
    with connect(case, sim) as client:
        _quick(lambda: client.report(START, END), InvalidResponse)


# -- sends that make no sense ----------------------------------------------------------


def test_ketchup_two_recipients_sharing_one_id(simulator_wire: Any) -> None:
    body = (b'{"error": "0", "task_id": "7", "messages": ['
            b'{"id": "22125", "msisdn": "380972000001", "error": "0"},'
            b'{"id": "22125", "msisdn": "380972000002", "error": "0"}]}')
    with answered(CASES["ketchup"], simulator_wire, body) as client:
        error = _quick(lambda: client.send(["380972000001", "380972000002"], "hi"),
                       DeliveryUnknown)
    assert {m.to for m in error.unknown} == {"380972000001", "380972000002"}


def test_devino_two_recipients_sharing_one_id(simulator_wire: Any) -> None:
    with answered(CASES["devino"], simulator_wire, b'["555", "555"]') as client:
        _quick(lambda: client.send(["79161002030", "79161002031"], "hi"), DeliveryUnknown)


@pytest.mark.parametrize("message_id", ['"12\\u000034"', '"a\\nb"', '"."', '"-"'])
def test_ketchup_send_with_an_unusable_id(simulator_wire: Any, message_id: str) -> None:
    body = f'{{"error": "0", "id": {message_id}, "msisdn": "380972000001"}}'.encode()
    with answered(CASES["ketchup"], simulator_wire, body) as client:
        _quick(lambda: client.send("380972000001", "hi"), DeliveryUnknown)


@pytest.mark.parametrize("body", [b'["12\\u001b[31m34"]', b'[""]', b'["-"]'])
def test_devino_send_with_an_unusable_id(simulator_wire: Any, body: bytes) -> None:
    with answered(CASES["devino"], simulator_wire, body) as client:
        _quick(lambda: client.send("79161002030", "hi"), DeliveryUnknown)


# -- Retry-After -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2015 07:28:00 -0000", "nan", "inf", "-inf",
                                   "1e400", "Thu, 01 Jan 2099 00:00:00 GMT", "soon"])
def test_retry_after_of_any_shape_is_read_safely(simulator_wire: Any, value: str) -> None:
    case = CASES["ketchup"]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    waits: list[float] = []
    sim_wire.arm(lambda _: Answer(429, {**JSON, "Retry-After": value}, b""), 0)
    retry = RetryPolicy(retries=1, sleep=waits.append, jitter=lambda: 0.5)
    settings = {**sim.client_settings("http://provider.test"), **case.settings}
    with smsbridge.connect("ketchup", retry=retry, **settings) as client:
        client.prices()  # the retry is answered by the simulator
    assert len(waits) == 1
    assert 0 <= waits[0] <= retry.max_delay  # finite, never negative, never NaN


def test_a_rate_limit_keeps_a_finite_retry_after(simulator_wire: Any) -> None:
    case = CASES["ketchup"]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    sim_wire.arm(lambda _: Answer(429, {"Retry-After": "nan"}, b""), 0)
    settings = {**sim.client_settings("http://provider.test"), **case.settings}
    with smsbridge.connect("ketchup", retry=RetryPolicy(retries=0), **settings) as client:
        error = _quick(client.prices, RateLimited)
    assert error.retry_after is None


# -- hostile XML, oversized and trickled answers ----------------------------------------


# Nine levels of ten: a billion "lol"s once expanded.
_LEVELS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{_LEVELS}]>'
                  "<response><status>0</status><account>&lol9;</account></response>"
                  ).encode()
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<response><status>0</status><account>&xxe;</account></response>')
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">'
                b'<response><status>0</status><account>1</account></response>')


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
def test_hostile_xml_is_refused_quickly_in_little_memory(simulator_wire: Any, body: bytes) -> None:
    with answered(CASES["nikita"], simulator_wire, body, headers=XML) as client:
        tracemalloc.start()
        try:
            _quick(client.balance, InvalidResponse, seconds=1.0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_an_external_dtd_is_never_fetched(simulator_wire: Any) -> None:
    with answered(CASES["nikita"], simulator_wire, EXTERNAL_DTD, headers=XML) as client:
        started = time.monotonic()
        with contextlib.suppress(SmsBridgeError):
            client.balance()
        assert time.monotonic() - started < 1.0


def _refused_at_the_cap(client: smsbridge.Client, megabytes: int) -> None:
    """The client's cheapest read is refused at the size cap, in ``megabytes`` at most."""
    operation = client.balance if client.supports("balance") else client.prices
    tracemalloc.start()
    try:
        error = _quick(operation, InvalidResponse, seconds=3.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "exceeds" in str(error)
    assert peak < megabytes * 1024 * 1024


@pytest.mark.parametrize("case_name", [case.name for case in DRIVERS])
def test_an_oversized_answer_is_refused_in_bounded_memory(simulator_wire: Any,
                                                          case_name: str) -> None:
    case = CASES[case_name]
    body = b'{"x": "' + b"A" * (20 * 1024 * 1024) + b'"}'
    with answered(case, simulator_wire, body) as client:
        # The cap is 5 MB; reading stops there (responses itself holds the whole body).
        _refused_at_the_cap(client, 60)


class RawServer:
    """A socket server on 127.0.0.1 (a free port) whose ``answer(conn)`` writes raw bytes
    to each connection after reading the request; stopped and joined when the block ends.
    """

    def __init__(self, answer: Callable[[socket.socket, threading.Event], None]) -> None:
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(1.0)
            conn.recv(65536)
            self.answer(conn, self.stop)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _trickle(conn: socket.socket, stop: threading.Event) -> None:
    """Headers promising a megabyte, then one byte every 0.1 s, for ever."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000000\r\n\r\n[")
    while not stop.is_set():
        conn.sendall(b" ")
        time.sleep(0.1)


@pytest.mark.parametrize("case_name", [case.name for case in DRIVERS])
def test_a_trickled_answer_is_cut_off_at_the_deadline(case_name: str) -> None:
    case = CASES[case_name]
    sim: Simulator = case.simulator()
    with RawServer(_trickle) as server:
        retry = RetryPolicy(retries=0, sleep=lambda _: None)
        settings = {**sim.client_settings(server.url), **case.settings,
                    "timeout": 1, "connect_timeout": 1, "deadline": 1.5}
        with smsbridge.connect(case.name, retry=retry, **settings) as client:
            operation = client.balance if client.supports("balance") else client.prices
            _quick(operation, TransportError, seconds=4.0)
            FIGURES["hostile answers: trickles cut off"] += 1


def _gzip_bomb(megabytes: int) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"0" * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


@pytest.mark.parametrize("case_name", [case.name for case in DRIVERS])
def test_a_compressed_bomb_is_refused_in_bounded_memory(case_name: str) -> None:
    """200 MB of zeros in 200 kB of gzip: decompression stops at the 5 MB cap."""
    case = CASES[case_name]
    body = _gzip_bomb(200)
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode())
    sim: Simulator = case.simulator()
    with RawServer(lambda conn, _: conn.sendall(head + body)) as server:
        settings = {**sim.client_settings(server.url), **case.settings}
        with smsbridge.connect(case.name, retry=RetryPolicy(retries=0), **settings) as client:
            _refused_at_the_cap(client, 40)
