"""docs/cli.md's send examples are real: the same commands against the Nikita simulator
print the lines the page shows (message ids aside, which differ on every run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("smsbridge_nikita.simulator")

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"
_ID = re.compile(r"\b[0-9a-z]{12}:")


def normalized(text: str) -> str:
    return _ID.sub("ID:", text)


def shown(block_start: str) -> list[str]:
    """The lines of the docs' code block holding ``block_start``, unindented."""
    docs = DOCS.read_text(encoding="utf-8")
    start = docs.index(block_start)
    begin = docs.rindex("```", 0, start) + 3
    end = docs.index("```", start)
    return [normalized(line.strip()) for line in docs[begin:end].splitlines() if line.strip()]


def test_send_examples(run, nikita_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMSBRIDGE_URL", nikita_url)
    lines = shown("$ cat numbers.txt")
    numbers = lines[lines.index("$ cat numbers.txt") + 1:
                    next(i for i, line in enumerate(lines) if line.startswith("$ smsbridge"))]
    (tmp_path / "numbers.txt").write_text("\n".join(numbers) + "\n", encoding="utf-8")

    result = run("send", "--to-file", "numbers.txt", "--text", "Sale at noon",
                 "--skip-invalid")
    assert result.code == 0
    after_redirect = lines.index(
        "$ smsbridge send --to-file numbers.txt --text 'Sale at noon' --skip-invalid > ids.txt")
    assert normalized(result.err).splitlines() == [lines[after_redirect + 1]]
    cat = lines.index("$ cat ids.txt")
    assert normalized(result.out).splitlines() == lines[cat + 1:]

    refused = run("send", "--to-file", "numbers.txt", "--text", "Sale at noon")
    assert refused.code == 2
    assert refused.err.splitlines() == shown(
        "$ smsbridge send --to-file numbers.txt --text 'Sale at noon'\n")[1:]

    csv_lines = shown("$ cat people.csv")
    command = next(i for i, line in enumerate(csv_lines) if line.startswith("$ smsbridge"))
    (tmp_path / "people.csv").write_text("\n".join(csv_lines[1:command]) + "\n",
                                         encoding="utf-8")
    sent = run("send", "--csv", "people.csv", "--text", "Hi {name}, sale at noon")
    assert sent.code == 0
    assert csv_lines[command] == ("$ smsbridge send --csv people.csv --text 'Hi {name}, "
                                  "sale at noon'")
    assert normalized(sent.out + sent.err).splitlines() == csv_lines[command + 1:]
