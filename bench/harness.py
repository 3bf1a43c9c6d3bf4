"""What every side-by-side benchmark shares: interleaved rounds, medians, the request check."""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence

from providers import mask_random_ids
from stub import Stub, same_requests

Clock = Callable[[], float]

# A child times only the statements under test, not the interpreter's own start.
_TIMER = "import time as _t; _s = _t.perf_counter(); {code}; print(_t.perf_counter() - _s)"
# The children may write bytecode caches even when this shell forbids it: a user's
# installed smsbridge has them (pip compiles on install), and without them every sample
# would time the compiler instead of the import.
_CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def interleaved(runs: dict[str, Callable[[], object]], rounds: int,
                clock: Clock = time.process_time) -> dict[str, float]:
    """Median seconds (by ``clock``) of each run, the runs alternating round after round.

    The order flips every round, so neither side always runs on a warmer cache. The
    garbage collector runs between samples, not inside them.
    """
    samples: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            gc.collect()
            started = clock()
            runs[name]()
            samples[name].append(clock() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def check_identical(stub: Stub, ours: Callable[[], object],
                    theirs: Callable[[], object], what: str) -> None:
    """Record what smsbridge and the hand-written loop send for ``what``; stop on a difference."""
    stub.record()
    ours()
    mine = stub.take()
    stub.record()
    theirs()
    other = stub.take()
    problem = same_requests([mask_random_ids(r) for r in mine],
                            [mask_random_ids(r) for r in other])
    if problem is not None:
        raise SystemExit(f"{what}: the hand-written loop does not send what smsbridge sends: "
                         f"{problem}")
    print(f"  {what}: {len(mine)} request(s) byte-identical (random ids masked)", flush=True)


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=True))) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fresh_interpreters(programs: Mapping[str, str], runs: int) -> dict[str, float]:
    """Median seconds of each program's statements, each sample in a fresh interpreter.

    One warm-up run each writes the bytecode caches; then the programs alternate, the
    order flipping every run, so both see the same machine state.
    """
    def sample(code: str) -> float:
        out = subprocess.run([sys.executable, "-c", _TIMER.format(code=code)], check=True,
                             env=_CHILD_ENV, capture_output=True, text=True,
                             timeout=120).stdout
        return float(out.strip())

    for code in programs.values():
        sample(code)
    samples: dict[str, list[float]] = {name: [] for name in programs}
    names = list(programs)
    for index in range(runs):
        for name in names if index % 2 == 0 else reversed(names):
            samples[name].append(sample(programs[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def report_ratio(medians: Mapping[str, float], what: str, runs: int,
                 max_ratio: float | None) -> int:
    """Print each side's median and smsbridge/requests; 1 when over ``max_ratio``."""
    ratio = medians["smsbridge"] / medians["requests"]
    for name, value in medians.items():
        print(f"{name:>10}: median {value * 1000:7.1f} ms {what} over {runs} runs")
    print(f"ratio smsbridge/requests (target <= 1.3): {ratio:.2f}")
    if max_ratio is not None and ratio > max_ratio:
        print(f"over budget: {ratio:.2f} > {max_ratio}")
        return 1
    return 0
