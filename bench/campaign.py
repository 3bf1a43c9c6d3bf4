"""Campaign throughput and memory: ``send_iter`` against a hand-written serial chunk loop.

Throughput: both send the same ``--recipients`` numbers (made by a generator) to the
stub in the driver's chunks (nikita 50, devino 100, stream 100, ketchup 1000), in
interleaved rounds; the medians of wall time and client CPU are compared (target:
smsbridge at least 0.9x the loop's throughput). The requests of one round are compared
byte for byte first.

Memory: each side sends ``--small`` and then ``--large`` recipients in fresh
subprocesses, numbers pulled from a generator and results dropped as they come; the
growth of the peak RSS between the two is printed (target: under 5 MB for smsbridge).

    python bench/campaign.py [--quick] [--drivers nikita,ketchup] [--recipients 10000]
                             [--small 10000] [--large 1000000] [--no-memory]
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator

from harness import check_identical, interleaved, table
from providers import BULK, PROVIDERS, Loop
from stub import running

import smsbridge

TEXT = "Sale starts at noon"


def chunks(numbers: Iterable[str], size: int) -> Iterator[list[str]]:
    """``numbers`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(numbers)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def hand_written(loop: Loop, numbers: Iterable[str], size: int) -> int:
    """The serial loop a user would write: one request per chunk, ids read as they come."""
    sent = 0
    for chunk in chunks(numbers, size):
        for _ in loop.send(chunk, TEXT):
            sent += 1
    return sent


def with_smsbridge(client: smsbridge.Client, numbers: Iterable[str]) -> int:
    sent = 0
    for message in client.send_iter(numbers, TEXT):
        if message.error is None:
            sent += 1
    return sent


def campaign(name: str, side: str, url: str, count: int) -> Callable[[], int]:
    """One side's campaign of ``count`` recipients of provider ``name``, ready to run."""
    provider = PROVIDERS[name]
    if side == "smsbridge":
        client = smsbridge.connect(name, **provider.connect_settings(url))
        return lambda: with_smsbridge(client, provider.numbers(count))
    loop = provider.loop(url)
    return lambda: hand_written(loop, provider.numbers(count), provider.chunk)


def memory_child(name: str, side: str, url: str, count: int) -> int:
    """Run one campaign and print the peak RSS of this process in kB."""
    run = campaign(name, side, url, count)
    sent = run()
    if sent != count:
        print(f"sent {sent} of {count}", file=sys.stderr)
        return 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there, kB on Linux
        peak //= 1024
    print(peak)
    return 0


def peak_kb(name: str, side: str, url: str, count: int) -> int:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--memory-child", name, side, url,
         str(count)], check=True, capture_output=True, text=True, timeout=3600).stdout
    return int(out.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drivers", default=",".join(BULK))
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 recipients, 3 rounds, memory at 2,000 and 20,000")
    parser.add_argument("--memory-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        name, side, url, count = args.memory_child
        return memory_child(name, side, url, int(count))
    if args.quick:
        args.recipients, args.rounds, args.small, args.large = 2_000, 3, 2_000, 20_000
    recipients = max(1, min(args.recipients, 10_000_000))
    rounds = max(3, min(args.rounds, 100))
    names = [n for n in args.drivers.split(",") if n]
    unknown = [n for n in names if n not in PROVIDERS]
    if unknown:
        parser.error(f"unknown driver(s): {', '.join(unknown)}")
    rows = []
    memory_rows = []
    with running() as stub:
        print(f"campaign of {recipients} recipients, median of {rounds} interleaved rounds")
        for name in names:
            provider = PROVIDERS[name]
            ours = campaign(name, "smsbridge", stub.url, recipients)
            theirs = campaign(name, "hand-written", stub.url, recipients)
            assert ours() == recipients and theirs() == recipients  # warm, and all sent
            check_identical(stub, ours, theirs, f"{name} campaign")
            wall = interleaved({"smsbridge": ours, "hand-written": theirs}, rounds,
                               clock=time.perf_counter)
            cpu = interleaved({"smsbridge": ours, "hand-written": theirs}, rounds)
            throughput = wall["hand-written"] / wall["smsbridge"]
            per = {side: cpu[side] / recipients * 1e6 for side in cpu}
            rows.append([f"{name} ({provider.chunk})",
                         f"{recipients / wall['smsbridge']:.0f}",
                         f"{recipients / wall['hand-written']:.0f}", f"{throughput:.2f}",
                         f"{per['smsbridge']:.1f}", f"{per['hand-written']:.1f}"])
            print(f"  {name}: throughput ratio {throughput:.2f}; CPU per recipient "
                  f"{per['smsbridge']:.1f} us vs {per['hand-written']:.1f} us", flush=True)
            if not args.no_memory:
                growth = {}
                for side in ("smsbridge", "hand-written"):
                    small = peak_kb(name, side, stub.url, args.small)
                    large = peak_kb(name, side, stub.url, args.large)
                    growth[side] = (small, large)
                (s_small, s_large), (h_small, h_large) = growth["smsbridge"], \
                    growth["hand-written"]
                memory_rows.append([name, f"{s_small / 1024:.1f}", f"{s_large / 1024:.1f}",
                                    f"{(s_large - s_small) / 1024:+.1f}",
                                    f"{(h_large - h_small) / 1024:+.1f}"])
                print(f"  {name}: peak RSS growth {args.small} -> {args.large}: smsbridge "
                      f"{(s_large - s_small) / 1024:+.1f} MB, hand-written "
                      f"{(h_large - h_small) / 1024:+.1f} MB", flush=True)
    print()
    print(table(rows, ["driver (chunk)", "smsbridge msg/s", "hand-written msg/s",
                       "throughput ratio (target >= 0.9)", "smsbridge CPU us/msg",
                       "hand-written CPU us/msg"]))
    if memory_rows:
        print()
        print(table(memory_rows, ["driver", f"smsbridge peak MB ({args.small})",
                                  f"smsbridge peak MB ({args.large})",
                                  "smsbridge growth MB (target < 5)",
                                  "hand-written growth MB"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
