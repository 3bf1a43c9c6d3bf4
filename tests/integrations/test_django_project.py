"""The test shop in tests/django_project, run by Django's test runner and by pytest-django
in their own processes (Django's settings are process-wide)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")

PROJECT = Path(__file__).parents[1] / "django_project"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMSBRIDGE_", "DJANGO_", "PYTEST_"))}
    return subprocess.run([sys.executable, *args], cwd=PROJECT, env=env, text=True,
                          capture_output=True, timeout=300, check=False)


def test_manage_py_test() -> None:
    done = run("manage.py", "test", "shop", "-v", "2")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Ran 26 tests" in output
    assert "OK" in output


def test_pytest_django() -> None:
    pytest.importorskip("pytest_django")
    done = run("-m", "pytest", "-q")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "6 passed" in output
