"""Client CPU per call: smsbridge against a hand-written ``requests.Session`` loop.

For every driver and operation (``send`` to one number, ``status`` of one message) both
clients talk to the same local stub (bench/stub.py, another process, so only the
client's CPU is counted by ``time.process_time``). Rounds of ``--calls`` calls alternate
between the two; the medians and their ratio are printed (target: at most 1.0). Before
timing, one call of each is recorded by the stub and compared byte for byte.

    python bench/calls.py [--quick] [--drivers nikita,devino] [--calls 200] [--rounds 15]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from harness import check_identical, interleaved, table
from providers import PROVIDERS
from stub import Stub, running

import smsbridge

TEXT = "Your code is 4821"


def repeat(call: Callable[[], object], calls: int) -> Callable[[], None]:
    """``call`` made ``calls`` times."""
    def run() -> None:
        for _ in range(calls):
            call()
    return run


def measure(name: str, stub: Stub, calls: int, rounds: int) -> list[list[str]]:
    """The table rows of one driver: send and status, smsbridge against the loop."""
    provider = PROVIDERS[name]
    client = smsbridge.connect(name, **provider.connect_settings(stub.url))
    loop = provider.loop(stub.url)
    number = next(provider.numbers(1))
    # Warm both: sessions logged in, connections open, caches filled.
    message_id = client.send(number, TEXT).messages[0].message_id
    assert message_id is not None
    client.status(message_id)
    loop.status(loop.send([number], TEXT)[0])
    operations: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "send": (lambda: client.send(number, TEXT), lambda: loop.send([number], TEXT)),
        "status": (lambda: client.status(message_id), lambda: loop.status(message_id)),
    }
    rows = []
    for operation, (ours, theirs) in operations.items():
        check_identical(stub, ours, theirs, f"{name} {operation}")
    for operation, (ours, theirs) in operations.items():
        medians = interleaved({"smsbridge": repeat(ours, calls),
                               "hand-written": repeat(theirs, calls)}, rounds)
        mine, other = (medians["smsbridge"] / calls * 1e6,
                       medians["hand-written"] / calls * 1e6)
        rows.append([name, operation, f"{mine:.0f}", f"{other:.0f}", f"{mine / other:.2f}"])
        print(f"  {name} {operation}: {mine:.0f} us vs {other:.0f} us -> {mine / other:.2f}",
              flush=True)
    client.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", default=",".join(PROVIDERS))
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer calls and rounds")
    args = parser.parse_args()
    calls = max(1, min(args.calls if not args.quick else 50, 10_000))
    rounds = max(3, min(args.rounds if not args.quick else 5, 200))
    names = [n for n in args.drivers.split(",") if n]
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        parser.error(f"unknown driver(s): {', '.join(unknown)}")
    rows: list[list[str]] = []
    with running() as stub:
        print(f"client CPU per call, median of {rounds} interleaved rounds of {calls} calls")
        for name in names:
            rows.extend(measure(name, stub, calls, rounds))
    print()
    print(table(rows, ["driver", "operation", "smsbridge us", "hand-written us",
                       "ratio (target <= 1.0)"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
