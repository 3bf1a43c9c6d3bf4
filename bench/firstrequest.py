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
import sys

from harness import fresh_interpreters, report_ratio
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
        medians = fresh_interpreters(codes, runs)
    return report_ratio(medians, "to the first answer", runs, args.max_ratio)


if __name__ == "__main__":
    sys.exit(main())
