"""What every side-by-side benchmark shares: interleaved rounds, medians, the request check."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence

from providers import mask_random_ids
from stub import Stub, same_requests

Clock = Callable[[], float]


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
