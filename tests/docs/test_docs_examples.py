"""Every Python example of README.md and docs/*.md runs, as a reader would run it.

The fenced ```python blocks of a page run in order in one namespace (a later block may
use what an earlier one made), in a temporary folder, with the environment a reader of
the docs would have set up:

- the providers the docs talk to are local simulators: a request to a driver's default
  address (``https://smspro.nikita.kg/api``, ...) goes to that driver's simulator, with
  the accounts the examples use (``acme`` / ``s3cret`` at Nikita, ``acme`` / ``pw`` at
  Devino); any other address outside 127.0.0.1 fails the example;
- ``SMSBRIDGE_URL`` names the Nikita account, for examples that call ``from_env()``.

Marking blocks (HTML comments: invisible on GitHub and on the package index):

- ``<!-- example: fragment -->`` on the line before a block: it is not run (a signature,
  an excerpt with ``...``, code that needs a service the tests do not start);
- ``<!-- examples: fragments -->`` anywhere in a page: none of its blocks runs (a
  reference page such as hooks.md);
- ``<!-- example: requires celery django -->`` before a block: it runs only when every
  named module imports (a block that uses it needs the same mark);
- a ``# -> text`` comment says what the line prints: the block's printed lines must
  match these comments in order (``...`` stands for anything, such as a random id);
- ``<!-- example-setup:`` on a line of its own, then code, then ``-->``: code run at that
  point of the page, unseen by readers, that gives an excerpt what it takes from the
  reader's program (``sms = smsbridge.connect(...)``, ``numbers = [...]``).

Words in parentheses after a mark are for the reader (``<!-- example: fragment (a sketch)
-->``). A new page under docs/ is picked up by itself: its examples run unless it marks
them; a driver's README opts in with ``<!-- examples: run -->``. Add the simulators a
page's examples need to ``SIMULATORS``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import requests
from requests.adapters import HTTPAdapter

from smsbridge.discovery import load_driver

ROOT = Path(__file__).resolve().parents[2]
#: Driver READMEs opt in with ``<!-- examples: run -->``.
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
         *[p for p in sorted(ROOT.glob("smsbridge_*/README.md"))
           if "<!-- examples: run" in p.read_text(encoding="utf-8")]]

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_SHOWN = re.compile(r"#\s*->\s*(?P<text>.*?)\s*$")
_MARK = re.compile(r"<!--\s*(?P<kind>examples?)\s*:\s*(?P<what>[^>]*?)\s*-->")


@attrs.frozen
class Block:
    """One fenced Python block of a page."""

    page: Path
    line: int  # the first line of code, 1-based
    code: str
    marks: tuple[str, ...]


def python_blocks(page: Path) -> list[Block]:
    """The ```python blocks of a markdown page with the marks of the lines before them."""
    lines = page.read_text(encoding="utf-8").splitlines()
    page_marks = {_word(m["what"]) for m in _MARK.finditer("\n".join(lines))
                  if m["kind"] == "examples"}
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() == "<!-- example-setup:":
            start = index + 1
            while index < len(lines) and lines[index].strip() != "-->":
                index += 1
            blocks.append(Block(page, start + 1, "\n".join(lines[start:index]), ("setup",)))
            index += 1
            continue
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lower()
        start = index + 1
        index = start
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        if language in ("python", "py"):
            marks = []
            before = start - 2
            while before >= 0 and (mark := _MARK.search(lines[before])) and \
                    mark["kind"] == "example":
                marks.append(mark["what"])
                before -= 1
            if "fragments" in page_marks:
                marks.append("fragment")
            code = "\n".join(line[indent:] for line in lines[start:index])
            blocks.append(Block(page, start + 1, code, tuple(marks)))
        index += 1
    return blocks


def _word(mark: str) -> str:
    """A mark's keyword: what follows it in parentheses is for the reader."""
    return mark.split("(")[0].split()[0] if mark.strip() else ""


def _missing_modules(marks: tuple[str, ...]) -> list[str]:
    wanted = [name for mark in marks if _word(mark) == "requires"
              for name in mark.split("(")[0].split()[1:]]
    return [name for name in wanted if importlib.util.find_spec(name) is None]


# -- the reader's world: simulators behind the providers' own addresses -------------------


def _nikita() -> Any:
    from smsbridge_nikita.simulator import NikitaSimulator

    return NikitaSimulator(login="acme", password="s3cret")


def _devino() -> Any:
    from smsbridge_devino.simulator import DevinoSimulator

    return DevinoSimulator(accounts={"acme": "pw"})


#: Driver name -> a simulator with the accounts the docs use.
SIMULATORS: dict[str, Callable[[], Any]] = {"nikita": _nikita, "devino": _devino}


def _default_base_url(driver: str) -> str:
    field = attrs.fields_dict(load_driver(driver).settings_class)["base_url"]
    return str(field.default)


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Serve a simulator per driver the docs use; route the providers' addresses there."""
    routes: dict[str, str] = {}
    running: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        for driver, make in SIMULATORS.items():
            if importlib.util.find_spec(f"smsbridge_{driver}") is None:
                continue
            sim = make()
            url = stack.enter_context(sim.serve())
            routes[_default_base_url(driver)] = sim.client_settings(url)["base_url"]
            running[driver] = sim
        real_send = HTTPAdapter.send

        def send(self: HTTPAdapter, request: requests.PreparedRequest,
                 *args: Any, **kwargs: Any) -> requests.Response:
            url = str(request.url)
            for public, local in routes.items():
                if url.startswith(public):
                    request.url = local + url[len(public):]
                    break
            else:
                if not url.startswith("http://127.0.0.1"):
                    raise requests.ConnectionError(f"a docs example tried to reach {url}")
            return real_send(self, request, *args, **kwargs)

        monkeypatch.setattr(HTTPAdapter, "send", send)
        yield running


@pytest.fixture
def reader(providers: dict[str, Any], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name in [n for n in os.environ if n.startswith("SMSBRIDGE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SMSBRIDGE_URL", "nikita://acme:s3cret@/?sender=ACME")
    monkeypatch.chdir(tmp_path)
    return providers


def run_page(page: Path) -> int:
    """Run a page's blocks in order; return how many ran."""
    namespace: dict[str, Any] = {"__name__": f"docs_example_{page.stem}"}
    ran = 0
    for block in python_blocks(page):
        if any(_word(mark) == "fragment" for mark in block.marks):
            continue
        missing = _missing_modules(block.marks)
        if missing:
            warnings.warn(f"{page.name} line {block.line} not run: it needs "
                          f"{', '.join(missing)}", stacklevel=1)
            continue
        # Pad with blank lines so tracebacks show the page's own line numbers.
        source = "\n" * (block.line - 1) + block.code
        code = compile(source, str(page), "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        check_output(block, printed.getvalue())
        ran += 1
    return ran


def check_output(block: Block, printed: str) -> None:
    """Each ``# -> text`` comment matches a printed line, in order (``...``: anything)."""
    lines = iter(printed.splitlines())
    for number, line in enumerate(block.code.splitlines(), start=block.line):
        shown = _SHOWN.search(line)
        if not shown:
            continue
        pattern = re.compile(re.escape(shown["text"]).replace(re.escape("..."), ".*"))
        if not any(pattern.fullmatch(out.rstrip()) for out in lines):
            raise AssertionError(
                f"{block.page.name} line {number} says it prints {shown['text']!r}; "
                f"the block printed:\n{printed}")


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_the_examples_of_a_page_run(page: Path, reader: dict[str, Any]) -> None:
    run_page(page)


# -- the extractor itself -------------------------------------------------------------


def test_blocks_marks_and_line_numbers_are_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n"                                   # 1
        "```python\n"                                 # 2
        "a = 1\n"                                     # 3
        "```\n"                                       # 4
        "<!-- example: fragment (a signature) -->\n"  # 5
        "```python\n"                                 # 6
        "def send(messages) -> list\n"                # 7
        "```\n"                                       # 8
        "```bash\n"                                   # 9
        "pip install smsbridge\n"                     # 10
        "```\n"                                       # 11
        "<!-- example: requires nosuchmodule -->\n"   # 12
        "````python\n"                                # 13
        "b = 2\n"                                     # 14
        "```\n"                                       # 15
        "c = 3\n"                                     # 16
        "````\n"                                      # 17
        "- a list item:\n"                            # 18
        "  ```python\n"                               # 19
        "  d = 4\n"                                   # 20
        "  ```\n"                                     # 21
        "<!-- example-setup:\n"                       # 22
        "e = 5\n"                                     # 23
        "-->\n",                                      # 24
        encoding="utf-8")

    blocks = python_blocks(page)

    assert [(b.line, b.code, b.marks) for b in blocks] == [
        (3, "a = 1", ()),
        (7, "def send(messages) -> list", ("fragment (a signature)",)),
        (14, "b = 2\n```\nc = 3", ("requires nosuchmodule",)),
        (20, "d = 4", ()),
        (23, "e = 5", ("setup",)),
    ]
    with pytest.warns(UserWarning, match=r"page\.md line 14 not run: it needs nosuchmodule"):
        assert run_page(page) == 3  # a, d and the setup e


def test_a_failing_example_points_at_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Text\n\n```python\nx = 1\ny = undefined_name\n```\n", encoding="utf-8")

    with pytest.raises(NameError) as caught:
        run_page(page)

    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(caught.value.__traceback__)]
    assert (str(page), 5) in frames


def test_printed_lines_match_their_comments(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nprint('id-123:996')  # -> id-...:996\nprint('skipped')\n"
                    "for n in (1, 2):\n    print(n)  # -> 2\n```\n"
                    "```python\nprint('sent')  # -> DeliveryState.SENT\n```\n",
                    encoding="utf-8")

    with pytest.raises(AssertionError, match=r"page\.md line 8 says it prints "
                                             r"'DeliveryState\.SENT'; the block printed:\nsent"):
        run_page(page)


def test_a_page_of_fragments_runs_nothing(tmp_path: Path) -> None:
    page = tmp_path / "hooks.md"
    page.write_text("<!-- examples: fragments (signatures) -->\n```python\ndef send(m) -> list\n"
                    "```\n",
                    encoding="utf-8")
    assert run_page(page) == 0
