"""scripts/dev.py: a clear stop on an old Python, and a broken .venv is recreated."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev.py"


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("smsbridge_dev_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VENV", tmp_path / "venv")
    return module


class RecordingBuilder:
    made: ClassVar[list[tuple[Path, dict[str, Any]]]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options

    def create(self, path: Path) -> None:
        self.made.append((Path(path), self.options))


def test_the_version_check(dev: ModuleType) -> None:
    message = dev.too_old((3, 9, 18, "final", 0))
    assert message.startswith("smsbridge needs Python 3.10+, and this is Python 3.9.18")
    assert "python3.12 scripts/dev.py test" in message
    assert dev.too_old((3, 10, 0)) is None
    assert dev.too_old((3, 13, 1)) is None


def test_main_on_an_old_python_creates_no_venv(
        dev: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    real = dev.too_old
    monkeypatch.setattr(dev, "too_old", lambda command: real((3, 9, 18), command))
    monkeypatch.setattr(dev.subprocess, "run", lambda *a, **k: pytest.fail("ran a command"))

    assert dev.main(["test", "-q"]) == 2

    assert capsys.readouterr().err.endswith("for example: python3.12 scripts/dev.py test -q\n")
    assert not dev.VENV.exists()


def test_the_script_really_stops_on_an_old_python(tmp_path: Path) -> None:
    # Run the real script in a child whose version_info is 3.9, as `python3.9 dev.py` would.
    code = ("import runpy, sys; sys.version_info = (3, 9, 18, 'final', 0); "
            f"sys.argv = [{str(SCRIPT)!r}, 'demo']; "
            "runpy.run_path(sys.argv[0], run_name='__main__')")
    env = {**os.environ, "DEV_VENV": str(tmp_path / "venv")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 2
    assert "smsbridge needs Python 3.10+, and this is Python 3.9.18" in done.stderr
    assert "python3.12 scripts/dev.py demo" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_a_broken_venv_is_recreated(dev: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    # A .venv left by an older Python: its interpreter no longer runs.
    bindir = dev.VENV / "bin"
    bindir.mkdir(parents=True)
    broken = bindir / "python"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    RecordingBuilder.made = []
    monkeypatch.setattr(dev.venv, "EnvBuilder", RecordingBuilder)

    dev.ensure_venv()

    assert RecordingBuilder.made == [(dev.VENV, {"with_pip": True, "clear": True})]


def test_a_working_venv_is_kept(dev: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = dev.VENV / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python").symlink_to(sys.executable)
    RecordingBuilder.made = []
    monkeypatch.setattr(dev.venv, "EnvBuilder", RecordingBuilder)

    dev.ensure_venv()

    assert RecordingBuilder.made == []
