"""Real components for the Celery tests: a redis-server, provider simulators over HTTP on
127.0.0.1, and Celery worker processes, each started here on a free port and stopped by
pid."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("celery", reason="the celery extra is not installed")
pytest.importorskip("redis", reason="the celery extra is not installed")

import redis
from celery import Celery

from smsbridge.integrations import celery as sms_celery
from smsbridge.testing import serve_wsgi
from smsbridge_devino.simulator import DevinoSimulator
from smsbridge_nikita.simulator import NikitaSimulator

HERE = Path(__file__).resolve().parent
#: Seconds a chunk attempt holds its chunk in the tests' workers; short so that a
#: killed worker's chunk is settled within seconds.
LEASE = 4.0
#: The broker's visibility timeout in the tests' workers: above the lease.
VISIBILITY = 6.0
SENDER = "SMSBRIDGE"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Stop a child we started, by its pid: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free port, no persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (Debian package redis-server; "
                    ".ci/run installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder), "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop(process)


class Gate:
    """A WSGI wrapper in front of a simulator: records when each request arrived, and
    can hold the answer to one request (already handled: the provider accepted it)
    until the test says so."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, str, int]] = []
        self._hold_at: int | None = None
        self._seen = 0
        self.held = threading.Event()
        self.release = threading.Event()

    def hold(self, after: int) -> None:
        """Hold the answer of the ``after``-th next send request."""
        with self.lock:
            self._hold_at, self._seen = after, 0
            self.held.clear()
            self.release.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.time()
        size = int(environ.get("CONTENT_LENGTH") or 0)
        answer = self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        with self.lock:
            self.arrivals.append((started, path, size))
            hold = False
            if self._hold_at is not None and path.lower().endswith(("/message", "/sendbulk")):
                self._seen += 1
                if self._seen == self._hold_at:
                    self._hold_at, hold = None, True
        if hold:
            self.held.set()
            self.release.wait(timeout=30)
        return answer


class Provider:
    """A simulator served over HTTP, its gate, and the settings workers connect with."""

    def __init__(self, sim: Any, url: str, gate: Gate, settings: dict[str, Any]) -> None:
        self.sim = sim
        self.url = url
        self.gate = gate
        self.settings = settings


@contextlib.contextmanager
def serve(sim: Any, **extra: Any) -> Iterator[Provider]:
    gate = Gate(sim)
    with serve_wsgi(gate) as url:
        settings = {**sim.client_settings(url), "sender": SENDER, "timeout": 3,
                    "connect_timeout": 1, "deadline": 3, **extra}
        yield Provider(sim, url, gate, settings)


@pytest.fixture(scope="session")
def providers() -> Iterator[dict[str, Provider]]:
    """Nikita (deduplicating) and Devino (not), plus a Nikita for the rate limit test."""
    with contextlib.ExitStack() as stack:
        found = {
            "nikita": stack.enter_context(serve(NikitaSimulator(balance=10**7))),
            "devino": stack.enter_context(serve(DevinoSimulator(balance=10**7))),
            "limited": stack.enter_context(serve(NikitaSimulator(balance=10**7))),
        }
        yield found


#: Messages per second allowed to provider "limited", across all workers.
RATE = 400


def provider_configs(found: dict[str, Provider]) -> dict[str, dict[str, Any]]:
    return {name: {"driver": "devino" if name == "devino" else "nikita", **p.settings}
            for name, p in found.items()}


class Workers:
    """Celery worker processes (``--pool=solo``: the process that runs a task is the one
    the test kills)."""

    def __init__(self, env: dict[str, str], logs: Path, count: int = 2) -> None:
        self.env = env
        self.logs = logs
        self.count = count
        self.processes: list[subprocess.Popen[Any]] = []
        self._started = 0

    def start(self) -> None:
        for _ in range(self.count):
            self._started += 1
            log = open(self.logs / f"worker-{self._started}.log", "wb")  # noqa: SIM115
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "worker_app", "worker", "--pool=solo",
                 "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel=WARNING", "-n", f"w{self._started}@%h"],
                cwd=HERE, env=self.env, stdout=log, stderr=subprocess.STDOUT))
            log.close()

    def kill(self) -> None:
        """SIGKILL every worker: no shutdown, no ack, no restore."""
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            stop(process, timeout=15)
        self.processes = []

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.iterdir()))


@pytest.fixture(scope="session")
def celery_env(redis_url: str, providers: dict[str, Provider]) -> dict[str, str]:
    """The environment worker processes (and reattaching processes) are configured by."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSBRIDGE_")}
    env.update({
        "SMSB_BROKER": f"{redis_url}/0",
        "SMSB_LEDGER": f"{redis_url}/1",
        "SMSB_PROVIDERS": json.dumps(provider_configs(providers)),
        "SMSB_RATES": json.dumps({"limited": RATE}),
        "SMSB_LEASE": str(LEASE),
        "SMSB_VISIBILITY": str(VISIBILITY),
        "PYTHONPATH": os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
    })
    return env


@pytest.fixture(scope="session")
def workers(celery_env: dict[str, str],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """Two worker processes, shared by the tests; tests that kill them start them again."""
    group = Workers(celery_env, tmp_path_factory.mktemp("workers"))
    group.start()
    try:
        yield group
    finally:
        group.stop()


@pytest.fixture(scope="session")
def app(celery_env: dict[str, str]) -> Celery:
    """The producer's app: the same setup() as the workers'."""
    producer = Celery("smsbridge-producer", broker=celery_env["SMSB_BROKER"])
    sms_celery.setup(producer, providers=json.loads(celery_env["SMSB_PROVIDERS"]),
                     ledger=celery_env["SMSB_LEDGER"],
                     rate_limits=json.loads(celery_env["SMSB_RATES"]), lease=LEASE)
    return producer


def numbers(count: int, prefix: str) -> Iterator[str]:
    """``count`` distinct Kyrgyz mobile numbers, lazily; ``prefix`` keeps runs apart."""
    for i in range(count):
        yield f"996{prefix}{i:06d}"


@pytest.fixture(scope="session")
def make_numbers() -> Callable[[int, str], Iterator[str]]:
    """:func:`numbers`, for the test modules (conftest is not importable from them)."""
    return numbers


@pytest.fixture(scope="session")
def worker_dir() -> Path:
    """Where ``worker_app`` lives: the working directory of worker processes."""
    return HERE


@pytest.fixture(scope="session")
def rate_limit() -> int:
    """Messages per second allowed to provider ``limited``."""
    return RATE
