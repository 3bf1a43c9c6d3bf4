"""docs/hooks.md documents every hook specification with its exact signature."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from smsbridge import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def documented() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(r"^## `(\w+)`\n\n```python\ndef (\w+)(\(.*?\) -> .*?)\n```", re.M)
    found = {}
    for section, name, signature in pattern.findall(text):
        assert section == name
        found[name] = signature
    return found


def test_every_hook_is_documented_with_its_signature() -> None:
    docs = documented()
    assert list(docs) == list(hookspecs.OPERATIONS)
    for name in hookspecs.OPERATIONS:
        signature = str(inspect.signature(getattr(hookspecs, name))).replace("'", "")
        assert docs[name] == signature, name


def test_every_hook_spec_is_listed_and_first_result() -> None:
    specs = {name for name, fn in vars(hookspecs).items()
             if hasattr(fn, "smsbridge_spec")}
    assert specs == set(hookspecs.OPERATIONS)
    for name in specs:
        assert getattr(hookspecs, name).smsbridge_spec["firstresult"] is True
