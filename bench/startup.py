"""Cold start: ``import smsbridge; smsbridge.connect("memory")`` against ``import requests``.

Each sample is a fresh interpreter that times only the statements under test (not the
interpreter's own start), alternating the two programs so both see the same machine
state. Prints the medians and their ratio; exits non-zero when the ratio exceeds the
budget given with --max-ratio.

    python bench/startup.py [--runs 21] [--max-ratio 1.3]
"""

from __future__ import annotations

import argparse
import sys

from harness import fresh_interpreters, report_ratio

PROGRAMS = {
    "smsbridge": "import smsbridge; smsbridge.connect('memory')",
    "requests": "import requests",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--max-ratio", type=float, default=None)
    args = parser.parse_args()
    runs = max(3, min(args.runs, 200))
    return report_ratio(fresh_interpreters(PROGRAMS, runs), "to start", runs,
                        args.max_ratio)


if __name__ == "__main__":
    sys.exit(main())
