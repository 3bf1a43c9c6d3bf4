#!/usr/bin/env python3
"""Set up a virtual environment and run smsbridge's demo, tests or checks.

Needs only Python 3.10+; everything else is installed into ``.venv`` beside this
repository (or the folder named by ``DEV_VENV``).

    python3 scripts/dev.py demo     # Nikita simulator on 127.0.0.1, a real SMS round trip
    python3 scripts/dev.py test     # the whole test suite: core and every driver
    python3 scripts/dev.py check    # ruff and mypy
    python3 scripts/dev.py bench    # the benchmarks: cold start, and the facade's cost
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("DEV_VENV", ROOT / ".venv"))
TOOLS = ["ruff==0.17.6", "mypy==2.4.1", "types-requests"]


def python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def drivers() -> list[Path]:
    return sorted(p.parent for p in ROOT.glob("smsbridge_*/pyproject.toml"))


def ensure_venv() -> None:
    if not python().exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)


def pip_install(*requirements: str) -> None:
    run(python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        *requirements)


def install(everything: bool) -> None:
    ensure_venv()
    if everything:
        editable = ["-e", ".[test,cli,simulator,celery,django]", "-e", "tests/testdriver"]
        for folder in drivers():
            editable += ["-e", f"./{folder.name}[simulator]"]
    else:
        editable = ["-e", ".[cli,simulator]", "-e", "./smsbridge_nikita[simulator]"]
    pip_install(*editable)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "test"
    rest = argv[1:]
    if command == "demo":
        install(everything=False)
        run(VENV / "bin" / "smsbridge", "demo", *rest)
    elif command == "test":
        install(everything=True)
        run(python(), "-m", "pytest", *rest)
    elif command == "check":
        install(everything=True)
        pip_install(*TOOLS)
        run(python(), "-m", "ruff", "check", ".")
        run(python(), "-m", "mypy")
    elif command == "bench":
        install(everything=True)
        run(python(), "bench/startup.py", "--max-ratio", "1.3", *rest)
        run(python(), "bench/facade.py")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
