"""Cold start to the first request sent: smsbridge against ``requests`` alone.

``bench/startup.py`` times ``import smsbridge; connect()``, but ``connect()`` defers
``import requests`` and the driver's own work to the first request. This times what a
script really waits for: from the first import until the answer to its first send has
been read, in a fresh interpreter each time (alternating the two programs; the
interpreter's own start is not counted). The baseline imports requests and posts the same
Nikita document with ``requests.Session().post(...)`` (target: ratio at most 1.3).

    python bench/firstrequest.py [--quick] [--runs 21] [--max-ratio 1.3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

from providers import LOGIN, PASSWORD, user_agent
from stub import running

NUMBER = "996550000000"
BODY = (f'<?xml version="1.0" encoding="UTF-8"?>\\n<message><login>{LOGIN}</login><pwd>{PASSWORD}'
        f'</pwd><id>r1</id><sender>SMSBRIDGE</sender><text>hello</text><phones><phone>{NUMBER}'
        '</phone></phones></message>')
PROGRAMS = {
    "smsbridge": (
        "import smsbridge; smsbridge.connect('nikita', login={login!r}, password={pwd!r}, "
        "sender='SMSBRIDGE', base_url={url!r}).send({to!r}, 'hello', reference='r1')"),
    "requests": (
        "import requests; requests.Session().post({url!r} + '/message', data=b'" + BODY + "', "
        "headers={{'User-Agent': {agent!r}, "
        "'Content-Type': 'application/xml; charset=utf-8'}}, timeout=(10, 30)).content"),
}
TIMER = ("import time as _t; _s = _t.perf_counter(); {code}; "
         "print(_t.perf_counter() - _s)")


# The children may write bytecode caches even when this shell forbids it: a user's
# installed smsbridge has them (pip compiles on install), and without them every sample
# would time the compiler instead of the import.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", TIMER.format(code=code)], check=True,
                         env=CHILD_ENV,
                         capture_output=True, text=True, timeout=120).stdout
    return float(out.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--max-ratio", type=float, default=None)
    parser.add_argument("--quick", action="store_true", help="9 runs")
    args = parser.parse_args()
    runs = max(3, min(args.runs if not args.quick else 9, 200))
    with running() as stub:
        url = f"{stub.url}/nikita/api"
        codes = {name: program.format(login=LOGIN, pwd=PASSWORD, url=url, to=NUMBER,
                                      agent=user_agent("nikita"))
                 for name, program in PROGRAMS.items()}
        for code in codes.values():  # warm the bytecode caches once
            sample(code)
        times: dict[str, list[float]] = {name: [] for name in codes}
        for index in range(runs):
            order = list(codes) if index % 2 == 0 else list(reversed(codes))
            for name in order:
                times[name].append(sample(codes[name]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["smsbridge"] / medians["requests"]
    for name, value in medians.items():
        print(f"{name:>10}: median {value * 1000:7.1f} ms to the first answer over {runs} runs")
    print(f"ratio smsbridge/requests (target <= 1.3): {ratio:.2f}")
    if args.max_ratio is not None and ratio > args.max_ratio:
        print(f"over budget: {ratio:.2f} > {args.max_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
