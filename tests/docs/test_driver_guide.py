"""docs/writing-a-driver.md and docs/example-driver/ say the same thing.

Every block of the guide marked ``<!-- example: fragment (from PATH) -->`` is an excerpt
of that file of the repository, copied verbatim (a line ``...`` skips lines), so the
guide cannot drift from the example that CI installs and tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-driver.md"
_EXCERPT = re.compile(
    r"^<!-- example: fragment \(from (?P<path>[^)\s]+)\) -->\n"
    r"(?P<fence>`{3,})\w*\n(?P<code>.*?)\n(?P=fence)$",
    re.MULTILINE | re.DOTALL)


def excerpts() -> list[tuple[str, int, str]]:
    """(path, line of the block in the guide, code) of every excerpt block."""
    text = GUIDE.read_text(encoding="utf-8")
    return [(m["path"], text.count("\n", 0, m.start()) + 1, m["code"])
            for m in _EXCERPT.finditer(text)]


def test_the_guide_quotes_every_file_of_the_example() -> None:
    quoted = {path for path, _, _ in excerpts()}
    for name in ("pyproject.toml", "src/smsbridge_example/settings.py",
                 "src/smsbridge_example/errors.py", "src/smsbridge_example/api.py",
                 "src/smsbridge_example/driver.py", "src/smsbridge_example/simulator.py",
                 "tests/conftest.py", "tests/test_example_contract.py"):
        assert f"docs/example-driver/{name}" in quoted, name


@pytest.mark.parametrize(("path", "line", "code"), excerpts(),
                         ids=[f"line {line}" for _, line, _ in excerpts()])
def test_an_excerpt_is_copied_verbatim(path: str, line: int, code: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    for part in re.split(r"^\s*\.\.\.\s*$\n?", code, flags=re.MULTILINE):
        assert part.strip("\n") in source, (
            f"writing-a-driver.md line {line} quotes {path}, which no longer reads:\n{part}")
