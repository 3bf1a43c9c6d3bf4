"""No module of ``smsbridge`` imports another in a circle.

The graph holds every ``smsbridge.*`` import a module makes at module level, including
those under ``if TYPE_CHECKING:``: they do not run, but a circle through them is still a
circle in the design (the type checker follows it, and the lazy import that closes it at
run time is one refactor away from breaking). Imports inside functions are left out: they
are the deliberate way to defer a heavy or optional import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import smsbridge

PACKAGE = Path(smsbridge.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements that run on import, descending into ``if``/``try`` blocks only."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            found += _top_level(node.body) + _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            found += _top_level(node.body) + _top_level(node.orelse)
            for handler in node.handlers:
                found += _top_level(handler.body)
            found += _top_level(node.finalbody)
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``smsbridge`` modules ``name`` imports at module level."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _top_level(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return {target for target in found if target in modules and target != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_the_cli_imports() -> None:
    graph = _graph()
    assert "smsbridge.cli.context" in graph["smsbridge.cli.commands"]
    assert "smsbridge.cli.commands" in graph["smsbridge.cli.app"]
    assert "smsbridge.client" in graph["smsbridge"]


def test_a_circle_is_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_of_smsbridge_imports_in_a_circle() -> None:
    circle = _cycle(_graph())
    assert circle is None, "import circle: " + " -> ".join(circle or [])
