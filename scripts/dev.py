#!/usr/bin/env python3
"""Set up a virtual environment and run smsbridge's demo, tests or checks.

Needs only Python 3.10+ (an older one stops with a message and creates nothing);
everything else is installed into ``.venv`` beside this repository (or the folder
named by ``DEV_VENV``), which is recreated when it does not run a Python 3.10+.

    python3 scripts/dev.py demo     # Nikita simulator on 127.0.0.1, a real SMS round trip
    python3 scripts/dev.py test     # the whole test suite: core, every driver, the example
    python3 scripts/dev.py check    # ruff and mypy
    python3 scripts/dev.py bench    # the benchmarks (docs/performance.md); --quick: < 3 min
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
MIN_PYTHON = (3, 10)
#: The side-by-side benchmarks, in the order ``bench`` runs them.
BENCHMARKS = ["calls.py", "campaign.py", "concurrency.py", "firstrequest.py"]


def python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


#: The worked example of docs/writing-a-driver.md: installed and tested like a driver.
EXAMPLE_DRIVER = ROOT / "docs" / "example-driver"


def drivers() -> list[Path]:
    """Every driver distribution: the bundled ones and the guide's example."""
    return [*sorted(p.parent for p in ROOT.glob("smsbridge_*/pyproject.toml")), EXAMPLE_DRIVER]


def too_old(version: tuple[int, ...] = tuple(sys.version_info),
            command: str = "test") -> str | None:
    """Why this Python cannot set smsbridge up, or None when it can."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    found = ".".join(str(part) for part in version[:3])
    wanted = ".".join(str(part) for part in MIN_PYTHON)
    return (f"smsbridge needs Python {wanted}+, and this is Python {found} "
            f"({sys.executable}). Run this script with a newer Python, for example: "
            f"python3.12 scripts/dev.py {command}")


def venv_usable() -> bool:
    """True when the environment's Python runs and is new enough."""
    if not python().exists():
        return False
    check = f"import sys; sys.exit(sys.version_info[:2] < {MIN_PYTHON!r})"
    try:
        result = subprocess.run([str(python()), "-c", check], capture_output=True,
                                timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def ensure_venv() -> None:
    if venv_usable():
        return
    if VENV.exists():
        # Left by an older Python or a failed run: its packages cannot be trusted either.
        print(f"recreating {VENV} (it does not run a Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+)",
              flush=True)
    else:
        print(f"creating {VENV}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(VENV)


def pip_install(*requirements: str) -> None:
    run(python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        *requirements)


def install(everything: bool) -> None:
    ensure_venv()
    if everything:
        editable = ["-e", ".[test,cli,simulator,celery,django]", "-e", "tests/testdriver"]
        for folder in drivers():
            editable += ["-e", f"./{folder.relative_to(ROOT).as_posix()}[simulator]"]
    else:
        editable = ["-e", ".[cli,simulator]", "-e", "./smsbridge_nikita[simulator]"]
    pip_install(*editable)


def main(argv: list[str]) -> int:
    problem = too_old(command=" ".join(argv) or "test")
    if problem:
        # Before anything is created: a half-made .venv would break the next run.
        print(problem, file=sys.stderr)
        return 2
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
        quick = ["--quick"] if "--quick" in rest else []
        rest = [arg for arg in rest if arg != "--quick"]
        run(python(), "bench/startup.py", "--max-ratio", "1.3",
            *(["--runs", "9"] if quick else []), *rest)
        run(python(), "bench/facade.py", *(["--rounds", "5"] if quick else []))
        # Side by side with hand-written requests code (issue 15's targets); these report.
        for script in BENCHMARKS:
            run(python(), f"bench/{script}", *quick)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
