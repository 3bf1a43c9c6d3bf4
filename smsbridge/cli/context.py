"""What every command works with: the :class:`Context`, and reading times from options.

The commands import this module, and :mod:`smsbridge.cli.app` imports the commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import TextIO, TypeVar

from smsbridge.cli.output import Output, UsageError
from smsbridge.client import Client
from smsbridge.settings import secret_values

__all__ = ["Context", "Handler", "now_utc", "number_argument", "parse_when"]

N = TypeVar("N", int, float, Decimal)

Handler = Callable[["Context"], int]


class Context:
    """What a command works with: its arguments, the environment, the output, a client."""

    def __init__(self, args: argparse.Namespace, environ: Mapping[str, str], out: Output,
                 stdin: TextIO) -> None:
        self.args = args
        self.environ = environ
        self.out = out
        self.stdin = stdin
        self._client: Client | None = None

    @property
    def json(self) -> bool:
        """True when the command prints one JSON document."""
        return self.out.json_mode

    def client(self) -> Client:
        """Connect as configured (once); its secrets are masked in all output from now on."""
        if self._client is None:
            from smsbridge.cli.connection import ConnectionOptions, open_client

            options = ConnectionOptions(url=self.args.url, config=self.args.config,
                                        provider=self.args.provider)
            client = open_client(options, self.environ, self.out.remember)
            self.out.remember(*secret_values(client.driver.settings))
            self.out.add_redactor(client.driver.redactor)
            self._client = client
        return self._client

    def close(self) -> None:
        """Close the client, if one was made."""
        if self._client is not None:
            self._client.close()
            self._client = None


def parse_when(value: str, option: str) -> datetime:
    """Parse an ISO 8601 time that names its zone (``Z`` or ``+06:00``)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not an ISO 8601 time such as "
                         "2026-05-01T09:30+06:00") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise UsageError(f"{option} {value!r} has no time zone, so it is ambiguous; add one, "
                         f"e.g. {when.isoformat()}+06:00 or {when.isoformat()}Z")
    return when


def now_utc() -> datetime:
    """The current time, aware."""
    return datetime.now(timezone.utc)


def number_argument(read: Callable[[str], N], *, least: N, above: bool = False,
                    wanted: str, kind: str = "a number") -> Callable[[str], N]:
    """An argparse ``type``: a finite number read with ``read``, at least ``least`` (more
    than it when ``above``); ``wanted`` and ``kind`` word the refusals."""

    def parse(value: str) -> N:
        try:
            number = read(value)
            # NaN is not equal to itself; infinity is no timeout, amount or count.
            usable = number == number and abs(number) != float("inf") and (
                number > least if above else number >= least)
        except (ValueError, ArithmeticError):  # a signaling NaN refuses to compare
            raise argparse.ArgumentTypeError(f"not {kind}: {value!r}") from None
        if not usable:
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {value!r}")
        return number

    return parse
