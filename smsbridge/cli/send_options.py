"""The ``send`` command's options: checked together, the text read, the recipients' source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from smsbridge.cli.context import Context
from smsbridge.cli.output import UsageError
from smsbridge.cli.recipients import RecipientSource
from smsbridge.models import Message

if TYPE_CHECKING:
    from smsbridge.client import Client

__all__ = ["check_arguments", "checker", "read_text", "recipient_source"]


def read_text(ctx: Context) -> str:
    args = ctx.args
    if args.text is not None:
        return str(args.text)
    if args.text_file == "-":
        return ctx.stdin.read().rstrip("\r\n")
    try:
        with open(args.text_file, encoding="utf-8") as handle:
            return handle.read().rstrip("\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read --text-file {args.text_file}: "
                         f"{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--text-file {args.text_file} is not UTF-8 text") from None


def check_arguments(args: Any) -> None:
    """Refuse option combinations that cannot work, before reading anything."""
    if args.journal is not None and args.resume is not None:
        raise UsageError("give --journal FILE for a new campaign or --resume FILE to "
                         "continue one, not both")
    if args.dry_run and (args.journal is not None or args.resume is not None):
        raise UsageError("--dry-run sends nothing, so it keeps no journal")
    if not args.to and args.to_file is None and args.csv is None:
        raise UsageError("no recipients: give --to NUMBER (repeatable), --to-file FILE or "
                         "--csv FILE")
    if args.to_file is not None and args.csv is not None:
        raise UsageError("give --to-file or --csv, not both")
    if "-" in (args.to_file, args.csv) and args.text_file == "-":
        raise UsageError("the recipients and --text-file cannot both read standard input")
    if args.phone_column is not None and args.csv is None:
        raise UsageError("--phone-column goes with --csv")
    if args.reference is not None and "#" in args.reference:
        # Chunk i's reference is REF#i: a '#' here could name another campaign's chunk.
        raise UsageError(f"--reference {args.reference!r} contains '#', which chunk "
                         "references use (REF#1, REF#2, ...); choose one without it")


def recipient_source(ctx: Context, text: str) -> RecipientSource:
    args = ctx.args
    return RecipientSource(list(args.to), args.to_file, ctx.stdin, csv_file=args.csv,
                           template=text, phone_column=args.phone_column)


def checker(client: Client, args: Any, send_at: datetime | None,
             validity: timedelta | None) -> Callable[[str, str], object]:
    """Run every check a send runs on one recipient's message, sending nothing."""

    def check(number: str, text: str) -> object:
        return client.check([Message(to=number, text=text, sender=args.sender,
                                     send_at=send_at, validity=validity,
                                     reference=args.reference)])

    return check
