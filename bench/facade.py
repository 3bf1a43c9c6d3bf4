"""The cost of the facade: ``client.send`` against calling the driver's hook directly.

Both paths deliver the same messages to the ``memory`` driver (no network), so the
difference is what the facade adds: number normalization, the core's and the driver's
checks, chunking and the pluggy hook call. The two run alternately in one process and
the medians are compared.

    python bench/facade.py [--recipients 5000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import smsbridge
from smsbridge.models import Message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    count = max(1, min(args.recipients, 1_000_000))
    rounds = max(3, min(args.rounds, 200))
    numbers = [f"+996 55{i:07d}" for i in range(count)]
    text = "Sale starts at noon"

    facade = smsbridge.connect("memory")
    direct = smsbridge.connect("memory").driver
    prepared = [Message(to=n.replace(" ", "").lstrip("+"), text=text) for n in numbers]
    size = direct.batch_size

    def through_facade() -> None:
        facade.driver.outbox.clear()
        facade.send(numbers, text)

    def straight_to_driver() -> None:
        direct.outbox.clear()
        for start in range(0, count, size):
            direct.send(prepared[start:start + size])

    timings: dict[str, list[float]] = {"facade": [], "driver": []}
    for _ in range(rounds):
        for name, run in (("facade", through_facade), ("driver", straight_to_driver)):
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, value in medians.items():
        per = value / count * 1e6
        print(f"{name:>7}: median {value * 1000:8.2f} ms for {count} recipients "
              f"({per:.2f} us each) over {rounds} rounds")
    print(f"ratio facade/driver: {medians['facade'] / medians['driver']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
