"""Where a send's recipients come from: ``--to``, ``--to-file`` and ``--csv``, read lazily."""

from __future__ import annotations

import csv
import string
from collections.abc import Callable, Iterator
from typing import TextIO

import attrs

from smsbridge.cli.output import UsageError
from smsbridge.errors import ValidationError
from smsbridge.phones import normalize_msisdn

__all__ = ["PHONE_COLUMNS", "Recipient", "RecipientSource", "template_fields"]

#: Column names ``--csv`` takes the number from when ``--phone-column`` is not given.
PHONE_COLUMNS = ("phone", "number", "msisdn", "to", "recipient")


@attrs.frozen
class Recipient:
    """One number as given: its place in the input, its text and its normalized form."""

    #: Position among every recipient read (1-based): the journal's key.
    seq: int
    #: Where it was given: ``--to #2``, ``line 7``, ``stdin line 7``.
    where: str
    given: str
    number: str | None
    #: The row's own text (``--csv`` with a template); None means the send's text.
    text: str | None = None
    error: ValidationError | None = None


def template_fields(template: str) -> list[str]:
    """The ``{names}`` a text template uses; only plain names are allowed."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(f"--text is not a valid template ({exc}); write a literal brace "
                         "as {{ or }}") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or name.isdigit() or any(c in name for c in ".[]"):
            raise UsageError(f"--text uses {{{name}}}: name a CSV column, e.g. {{name}}")
        if spec or conversion:
            raise UsageError(f"--text uses {{{name}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}}: only plain {{column}} "
                             "names are supported")
        names.append(name)
    return names


class RecipientSource:
    """Numbers from ``--to``, then ``--to-file`` or ``--csv``, normalized one by one.

    A number that cannot be normalized comes out as a recipient with ``error`` set (and
    its line), so the caller decides whether to stop or skip it.
    """

    def __init__(self, to: list[str], to_file: str | None, stdin: TextIO, *,
                 csv_file: str | None = None, template: str | None = None,
                 phone_column: str | None = None,
                 check: Callable[[str, str], object] | None = None) -> None:
        self.to = [part.strip() for item in to for part in item.split(",") if part.strip()]
        self.to_file = to_file
        self.csv_file = csv_file
        self.template = template
        self.phone_column = phone_column
        self.stdin = stdin
        #: Runs a send's checks on a row's own text (a template can make it too long).
        self.check = check
        self._fields = template_fields(template) if csv_file is not None and template else []

    @property
    def rereadable(self) -> bool:
        """True when the input can be read twice (not standard input)."""
        return "-" not in (self.to_file, self.csv_file)

    def _open(self, path: str, option: str) -> TextIO:
        if path == "-":
            return self.stdin
        try:
            return open(path, encoding="utf-8-sig", newline="" if option == "--csv" else None)
        except OSError as exc:
            raise UsageError(f"cannot read {option} {path}: {exc.strerror or exc}") from None

    @staticmethod
    def _item(seq: int, where: str, given: str, text: str | None = None) -> Recipient:
        try:
            return Recipient(seq, where, given, normalize_msisdn(given), text)
        except ValidationError as exc:
            return Recipient(seq, where, given, None, text, exc)

    def __iter__(self) -> Iterator[Recipient]:
        seq = 0
        for index, given in enumerate(self.to, 1):
            seq += 1
            yield self._item(seq, f"--to #{index}", given)
        if self.to_file is not None:
            yield from self._lines(seq)
        elif self.csv_file is not None:
            yield from self._rows(seq)

    def _lines(self, seq: int) -> Iterator[Recipient]:
        assert self.to_file is not None
        handle = self._open(self.to_file, "--to-file")
        label = "stdin line" if self.to_file == "-" else "line"
        try:
            for line_number, line in enumerate(handle, 1):
                given = line.strip()
                if given and not given.startswith("#"):
                    seq += 1
                    yield self._item(seq, f"{label} {line_number}", given)
        except UnicodeDecodeError:
            raise UsageError(f"--to-file {self.to_file} is not UTF-8 text") from None
        finally:
            if handle is not self.stdin:
                handle.close()

    def _rows(self, seq: int) -> Iterator[Recipient]:
        assert self.csv_file is not None
        handle = self._open(self.csv_file, "--csv")
        label = "stdin line" if self.csv_file == "-" else "line"
        try:
            reader = csv.DictReader(handle)
            column = self._column(list(reader.fieldnames or []))
            for row in reader:
                if not any((value or "").strip() for value in row.values()
                           if isinstance(value, str)):
                    continue
                seq += 1
                where = f"{label} {reader.line_num}"
                given = (row.get(column) or "").strip()
                missing = [name for name in self._fields if not (row.get(name) or "").strip()]
                if missing:
                    yield Recipient(seq, where, given, None, None, ValidationError(
                        f"no value for {{{missing[0]}}} in column {missing[0]!r}",
                        field="text"))
                    continue
                text = (self.template.format_map({name: row[name].strip()
                                                  for name in self._fields})
                        if self.template is not None else None)
                item = self._item(seq, where, given, text)
                if self.check is not None and item.number is not None and text is not None:
                    try:
                        self.check(item.number, text)
                    except ValidationError as exc:
                        item = attrs.evolve(item, error=exc)
                yield item
        except UnicodeDecodeError:
            raise UsageError(f"--csv {self.csv_file} is not UTF-8 text") from None
        except csv.Error as exc:
            raise UsageError(f"--csv {self.csv_file} is not valid CSV ({exc})") from None
        finally:
            if handle is not self.stdin:
                handle.close()

    def _column(self, header: list[str]) -> str:
        """The phone column, and a check that every template name is a column."""
        if not header:
            raise UsageError(f"--csv {self.csv_file} has no header row; the first row names "
                             "the columns, e.g. phone,name")
        unknown = [name for name in self._fields if name not in header]
        if unknown:
            raise UsageError(f"--text uses {{{unknown[0]}}}, but --csv {self.csv_file} has no "
                             f"such column; its columns: {', '.join(header)}")
        if self.phone_column is not None:
            if self.phone_column not in header:
                raise UsageError(f"--phone-column {self.phone_column!r} is not a column of "
                                 f"--csv {self.csv_file}; its columns: {', '.join(header)}")
            return self.phone_column
        lowered = {name.strip().lower(): name for name in header}
        for candidate in PHONE_COLUMNS:
            if candidate in lowered:
                return lowered[candidate]
        raise UsageError(f"--csv {self.csv_file} has no phone column ({', '.join(PHONE_COLUMNS)}); "
                         f"name it with --phone-column; its columns: {', '.join(header)}")
