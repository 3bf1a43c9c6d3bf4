"""Cold start: ``import smsbridge; smsbridge.connect("memory")`` against ``import requests``.

Each sample is a fresh interpreter that times only the statements under test (not the
interpreter's own start), alternating the two programs so both see the same machine
state. Prints the medians and their ratio; exits non-zero when the ratio exceeds the
budget given with --max-ratio.

    python bench/startup.py [--runs 21] [--max-ratio 1.3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

PROGRAMS = {
    "smsbridge": "import smsbridge; smsbridge.connect('memory')",
    "requests": "import requests",
}
TIMER = (
    "import time as _t; _s = _t.perf_counter(); {code}; "
    "print(_t.perf_counter() - _s)"
)


# The children may write bytecode caches even when this shell forbids it: a user's
# installed smsbridge has them (pip compiles on install), and without them every sample
# would time the compiler instead of the import.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", TIMER.format(code=code)], check=True,
                         env=CHILD_ENV,
                         capture_output=True, text=True).stdout
    return float(out.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--max-ratio", type=float, default=None)
    args = parser.parse_args()
    runs = max(3, min(args.runs, 200))
    for code in PROGRAMS.values():  # warm the bytecode caches once
        sample(code)
    times: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    for _ in range(runs):
        for name, code in PROGRAMS.items():
            times[name].append(sample(code))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["smsbridge"] / medians["requests"]
    for name, value in medians.items():
        print(f"{name:>10}: median {value * 1000:7.1f} ms over {runs} runs")
    print(f"ratio smsbridge/requests: {ratio:.2f}")
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"over budget: {ratio:.2f} > {args.max_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
