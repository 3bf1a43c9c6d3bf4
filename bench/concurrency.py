"""Concurrent campaigns at provider latency: smsbridge ``concurrency=N`` against a thread pool.

The stub answers every request after ``--latency`` seconds (50 ms), as a real provider
would. Four ways to send the same ``--recipients`` numbers of one bulk driver: smsbridge
serial (``send_iter``), a hand-written serial chunk loop, a hand-written pool of
``--threads`` threads posting the same chunks (one ``requests.Session`` per thread), and
smsbridge ``send_iter(..., concurrency=N)`` when the client offers it (targets: at least
6x faster than serial, within 1.15x of the hand-written pool).

    python bench/concurrency.py [--quick] [--driver nikita] [--recipients 10000]
"""

from __future__ import annotations

import argparse
import inspect
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from campaign import TEXT, chunks, hand_written, with_smsbridge
from harness import check_identical
from providers import BULK, PROVIDERS, Loop
from stub import running

import smsbridge


def pool(make_loop: Callable[[], Loop], numbers: list[str], size: int, threads: int) -> int:
    """The hand-written pool: each thread keeps its own session; results in any order."""
    local = threading.local()

    def send(chunk: list[str]) -> int:
        loop = getattr(local, "loop", None)
        if loop is None:
            loop = local.loop = make_loop()
        return len(loop.send(chunk, TEXT))

    with ThreadPoolExecutor(max_workers=threads) as executor:
        return sum(executor.map(send, chunks(numbers, size)))


def offers_concurrency(client: smsbridge.Client) -> bool:
    return "concurrency" in inspect.signature(client.send_iter).parameters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", default="nikita", choices=BULK)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true", help="2,000 recipients")
    args = parser.parse_args()
    recipients = max(1, min(args.recipients if not args.quick else 2_000, 1_000_000))
    threads = max(1, min(args.threads, 64))
    provider = PROVIDERS[args.driver]
    numbers = list(provider.numbers(recipients))
    timings: dict[str, float] = {}
    with running(latency=max(0.0, args.latency)) as stub:
        client = smsbridge.connect(args.driver, **provider.connect_settings(stub.url))
        loop = provider.loop(stub.url)
        client.send(numbers[0], TEXT)  # log in, open the connection
        loop.send(numbers[:1], TEXT)
        first = numbers[:provider.chunk]
        check_identical(stub, lambda: client.send(first, TEXT), lambda: loop.send(first, TEXT),
                        f"{args.driver} chunk")
        runs: dict[str, Callable[[], int]] = {
            "smsbridge serial": lambda: with_smsbridge(client, numbers),
            "hand-written serial": lambda: hand_written(loop, numbers, provider.chunk),
            f"hand-written pool of {threads}": lambda: pool(
                lambda: provider.loop(stub.url), numbers, provider.chunk, threads),
        }
        if offers_concurrency(client):
            runs[f"smsbridge concurrency={threads}"] = lambda: sum(
                1 for m in client.send_iter(numbers, TEXT, concurrency=threads)
                if m.error is None)
        print(f"{args.driver}: {recipients} recipients in chunks of {provider.chunk}, "
              f"{args.latency * 1000:.0f} ms latency per request")
        for name, run in runs.items():
            started = time.perf_counter()
            sent = run()
            timings[name] = time.perf_counter() - started
            if sent != recipients:
                raise SystemExit(f"{name} sent {sent} of {recipients}")
            print(f"  {name:>32}: {timings[name]:6.2f} s", flush=True)
        client.close()
    serial = timings["smsbridge serial"]
    hand_pool = timings[f"hand-written pool of {threads}"]
    print(f"hand-written pool / hand-written serial speed-up: "
          f"{timings['hand-written serial'] / hand_pool:.1f}x")
    concurrent = timings.get(f"smsbridge concurrency={threads}")
    if concurrent is None:
        print(f"smsbridge concurrency={threads}: not available (send_iter has no "
              "concurrency= yet); smsbridge serial is "
              f"{serial / hand_pool:.1f}x slower than the hand-written pool")
    else:
        print(f"smsbridge concurrency={threads}: {serial / concurrent:.1f}x faster than "
              f"serial (target >= 6), {concurrent / hand_pool:.2f}x the hand-written pool's "
              "time (target <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
