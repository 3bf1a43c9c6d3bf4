"""Fixtures of the command line's tests: a clean environment, an in-process runner, the
``clitest`` driver (tests/testdriver, a real entry point) and the Nikita simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from smsbridge.cli import main
from smsbridge.testing.fixtures import Served


@attrs.frozen
class Result:
    """What one run of the command line left behind."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def text(self) -> str:
        return self.out + self.err


Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SMSBRIDGE_* variable of the developer's shell leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("SMSBRIDGE_"):
            monkeypatch.delenv(key)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``smsbridge ARGS`` in-process; return exit code, stdout and stderr."""

    def runner(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Result(code, captured.out, captured.err)

    return runner


@pytest.fixture
def clitest() -> str:
    """A URL connecting to the ``clitest`` driver of the installed test distribution."""
    return "clitest://acme:pw-Sup3rSecret@"


@pytest.fixture
def numbers_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a file of ``n`` distinct numbers, one per line."""

    def write(count: int, *, extra: str = "") -> Path:
        path = tmp_path / f"numbers-{count}.txt"
        lines = (f"+996 55{index:07d}" for index in range(1, count + 1))
        path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture
def nikita_simulator(sms_simulator: Callable[..., Served]) -> tuple[Any, str]:
    """A fresh Nikita simulator served on 127.0.0.1; returns it and its base URL."""
    pytest.importorskip("smsbridge_nikita.simulator",
                        reason="smsbridge-nikita (with its simulator) is not installed")
    served = sms_simulator("nikita")
    return served.simulator, served.url


@pytest.fixture
def nikita_url(nikita_simulator: tuple[Any, str]) -> str:
    """A smsbridge URL connecting the real Nikita driver to the simulator."""
    from smsbridge.cli.simulation import settings_url
    from smsbridge.discovery import load_driver

    simulator, url = nikita_simulator
    return settings_url(load_driver("nikita"), simulator.client_settings(url))

