"""A fast local stand-in for the five providers, run in its own process.

The benchmarks measure the client's CPU, so the server lives in another process (its
work is not counted) and answers as cheaply as it can: one asyncio loop, keep-alive,
answers built from the request with a regex or two. Each driver's API sits under its
own prefix (``/nikita/api/...``, ``/devino/rest/...``), so one stub serves every driver.

The stub can record the raw bytes of the requests it gets (request line, headers and
body), which is how a benchmark proves that its hand-written baseline sends exactly what
smsbridge sends. ``--latency`` delays every answer (without blocking other connections).

    python bench/stub.py [--latency 0.05]      # prints the port, serves until killed
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

Answer = tuple[int, str, bytes]

# Fixed values that make answers (and so the requests that follow them) repeatable.
SESSION_ID = "VV6ELQMTNHZFPQ21Y06ESHVMNCQJZDMP6WV8"
STATE_JSON = b'{"State": -1, "ReportedDateUtc": "\\/Date(1796238015288)\\/", ' \
             b'"StateDescription": "Sent", "Price": 0.5}'
_REASONS = {200: b"OK", 404: b"Not Found", 500: b"Internal Server Error"}
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _nikita(method: str, path: str, query: str, body: bytes) -> Answer:
    found = re.search(rb"<id>([^<]*)</id>", body)
    request_id = found.group(1) if found else b""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<response>'
    if path.endswith("/message"):
        count = body.count(b"<phone>")
        return 200, XML, (head + b"<id>" + request_id + b"</id><status>0</status><phones>"
                          + str(count).encode() + b"</phones><smscnt>1</smscnt>"
                          b"<message></message></response>")
    if path.endswith("/dr"):
        phone = re.search(rb"<phone>([^<]*)</phone>", body)
        number = phone.group(1) if phone else b""
        return 200, XML, (head + b"<status>0</status><phone><number>" + number
                          + b"</number><report>1</report><sendTime>20261203010013</sendTime>"
                          b"<rcvTime></rcvTime></phone></response>")
    return 404, XML, head + b"<status>2</status></response>"


def _counter() -> Iterator[int]:
    n = 579700854169272358
    while True:
        n += 1
        yield n


_IDS = _counter()


def _devino(method: str, path: str, query: str, body: bytes) -> Answer:
    if path.endswith("/user/sessionid"):
        return 200, JSON, f'"{SESSION_ID}"'.encode()
    if path.endswith(("/Sms/SendBulk", "/Sms/Send")):
        count = body.count(b"DestinationAddresses=") or 1
        return 200, JSON, ("[" + ", ".join(f'"{next(_IDS)}"' for _ in range(count))
                           + "]").encode()
    if path.endswith("/Sms/State"):
        return 200, JSON, STATE_JSON
    return 404, JSON, b'{"Code": 1, "Desc": "no such path"}'


def _stream(method: str, path: str, query: str, body: bytes) -> Answer:
    if path.endswith("/Session/session.php"):
        return 200, JSON, f'"{SESSION_ID}"'.encode()
    if path.endswith("/Send/SendBulk/"):
        found = re.search(rb"destinationAddresses=([^&]*)", body)
        count = found.group(1).count(b"%2C") + 1 if found else 0
        # The platform's JSON list (the document prints [{"1"}, {"2"}], which is not JSON).
        return 200, JSON, ("[" + ", ".join(f'"{next(_IDS)}"' for _ in range(count))
                           + "]").encode()
    if path.endswith("/Send/SendSms/"):
        return 200, JSON, f'["{next(_IDS)}"]'.encode()
    if path.endswith("/State/"):
        return 200, JSON, STATE_JSON
    return 404, JSON, b'{"Code": 1, "Desc": "no such path"}'


def _ketchup(method: str, path: str, query: str, body: bytes) -> Answer:
    if path.endswith("/sms/create"):
        request = json.loads(body)
        if request["destination"] == "phone":
            return 200, "text/json", json.dumps({
                "error": "0", "id": str(next(_IDS)), "reference": request["reference"],
                "price": "0.02", "currency": "EUR"}).encode()
        phones = request["phones"]
        result = [{"reference": p["reference"], "id": str(next(_IDS)), "error": "0",
                   "price": "0.02", "currency": "EUR"} for p in phones]
        return 200, "text/json", json.dumps({
            "result": result, "error": "0", "totalprice": "0.04", "currency": "EUR",
            "task_id": "21902"}).encode()
    if "/sms/" in path and method == "GET":
        sms_id = path.rsplit("/", 1)[1]
        return 200, "text/json", (
            '{"error": "0", "id": "' + sms_id + '", "msisdn": "996550123456", '
            '"reference": "kupymhkbwt4ctb71c4kassc8pmr2q2fa", "time_in": "2026-01-01 00:00:00", '
            '"time_sent": "2026-01-01 00:00:00", "time_dr": "", "status": "sent", '
            '"price": "0.02", "currency": "EUR"}').encode()
    return 404, "text/json", b'{"error": "404"}'


def _phoenix(method: str, path: str, query: str, body: bytes) -> Answer:
    if path.endswith("/sms-api/dispatches") and method == "POST":
        return 200, "application/json", b"1"
    if "/sms-api/dispatches/" in path:
        return 200, "application/json", (
            b'{\n  "idDispatch": 1,\n  "dateSend": "02.12.2026 22:00:30",\n  "dateToClose": '
            b'"03.12.2026 22:00:30",\n  "status": "IN_QUEUE",\n  "messagesCount": 2,\n  '
            b'"messagesSent": 0,\n  "messagesDelivered": 0,\n  "comment": null,\n  '
            b'"text": "hello",\n  "dispatchSource": "API"\n}')
    return 404, "application/json", b'{"error": "not found"}'


PROVIDERS: dict[str, Callable[[str, str, str, bytes], Answer]] = {
    "nikita": _nikita, "devino": _devino, "stream": _stream, "ketchup": _ketchup,
    "phoenix": _phoenix,
}


class StubServer:
    """The asyncio server: routing by the first path segment, optional recording."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.recording = False
        self.records: list[bytes] = []
        self.count = 0

    def control(self, path: str) -> Answer:
        if path == "/__stub__/record":
            self.recording, self.records = True, []
            return 200, JSON, b"{}"
        if path == "/__stub__/take":
            taken, self.recording, self.records = self.records, False, []
            return 200, JSON, json.dumps(
                [base64.b64encode(r).decode() for r in taken]).encode()
        return 200, JSON, json.dumps({"count": self.count}).encode()

    def answer(self, method: str, target: str, head: bytes, body: bytes) -> Answer:
        path, _, query = target.partition("?")
        if path.startswith("/__stub__/"):
            return self.control(path)
        self.count += 1
        if self.recording:
            self.records.append(head + body)
        provider = path.split("/", 2)[1]
        respond = PROVIDERS.get(provider)
        if respond is None:
            return 404, JSON, b'{"error": "unknown provider"}'
        try:
            return respond(method, path, query, body)
        except (ValueError, KeyError, TypeError) as exc:
            return 500, JSON, json.dumps({"stub": f"{type(exc).__name__}: {exc}"}).encode()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, target, _ = lines[0].decode("latin-1").split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
                status, content_type, payload = self.answer(method, target, head, body)
                if self.latency and not target.startswith("/__stub__/"):
                    await asyncio.sleep(self.latency)
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                             % (status, _REASONS.get(status, b"Error"),
                                content_type.encode(), len(payload)) + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve(self) -> None:
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0, backlog=512)
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        async with server:
            await server.serve_forever()


class Stub:
    """A running stub process, seen from the benchmark."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def base_url(self, provider: str, path: str) -> str:
        """The base URL a driver or a hand-written loop uses for ``provider``."""
        return f"{self.url}/{provider}{path}"

    def _get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def record(self) -> None:
        """Start recording requests (forgetting earlier ones)."""
        self._get("/__stub__/record")

    def take(self) -> list[bytes]:
        """The raw requests recorded since :meth:`record`; stops recording."""
        return [base64.b64decode(r) for r in self._get("/__stub__/take")]

    def count(self) -> int:
        """How many provider requests the stub has answered."""
        return int(self._get("/__stub__/count")["count"])


@contextmanager
def running(latency: float = 0.0) -> Iterator[Stub]:
    """Start the stub in a subprocess; stop it (by its pid) on exit."""
    process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield Stub(process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def same_requests(ours: list[bytes], theirs: list[bytes]) -> str | None:
    """None when both lists hold the same requests byte for byte; else the first difference."""
    if len(ours) != len(theirs):
        return f"{len(ours)} requests against {len(theirs)}"
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if a != b:
            return f"request {index} differs:\n  smsbridge:    {a!r}\n  hand-written: {b!r}"
    return None


def unquote_form(body: bytes) -> dict[str, list[str]]:
    """A form body as a dict (for debugging a difference)."""
    return urllib.parse.parse_qs(body.decode())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    with suppress(KeyboardInterrupt):
        asyncio.run(StubServer(max(0.0, args.latency)).serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
