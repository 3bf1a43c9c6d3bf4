"""What a package index shows and ships: absolute links, licence, URLs, changelog."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import smsbridge

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://github.com/smsbridge/smsbridge"
DISTRIBUTIONS = [ROOT, *sorted(p.parent for p in ROOT.glob("smsbridge_*/pyproject.toml"))]
IDS = [p.name if p != ROOT else "smsbridge" for p in DISTRIBUTIONS]

_INLINE = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_REFERENCE = re.compile(r"^\[[^\]]+\]:\s*(?P<target>\S+)", re.M)


def links(text: str) -> list[str]:
    return [m["target"] for pattern in (_INLINE, _REFERENCE) for m in pattern.finditer(text)]


def local_path(url: str) -> Path | None:
    """The checkout's file or folder a repository link points at, or None."""
    for kind in ("/blob/main/", "/tree/main/"):
        if url.startswith(REPOSITORY + kind):
            return ROOT / url[len(REPOSITORY + kind):].split("#")[0]
    return None


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=IDS)
def test_the_readme_a_package_index_shows_has_only_working_absolute_links(
        distribution: Path) -> None:
    found = links((distribution / "README.md").read_text(encoding="utf-8"))
    assert found
    for target in found:
        assert target.startswith(("https://", "http://", "#")), (
            f"{target!r}: a relative link leads nowhere on the package index")
        path = local_path(target)
        if path is not None:
            assert path.exists(), f"{target} names {path}, which is not in the repository"


def pyproject(distribution: Path) -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")
    data: dict[str, Any] = tomllib.loads(
        (distribution / "pyproject.toml").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=IDS)
def test_every_distribution_declares_an_spdx_licence_and_its_urls(distribution: Path) -> None:
    data = pyproject(distribution)
    project = data["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    # setuptools reads an SPDX string from 77 on; older ones refuse it.
    assert "setuptools>=77" in data["build-system"]["requires"]
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    urls = project["urls"]
    assert set(urls) >= {"Homepage", "Documentation", "Source", "Changelog", "Issues"}
    for url in urls.values():
        # One repository address everywhere: moving it is one search and replace.
        assert url.startswith(REPOSITORY), url
        path = local_path(url)
        assert path is None or path.exists(), url
    text = (distribution / "LICENSE").read_text(encoding="utf-8")
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_the_licence_is_mit_for_the_smsbridge_developers() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 smsbridge developers" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_the_changelog_covers_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {smsbridge.__version__} - " in text


def test_the_source_distribution_carries_the_docs() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "graft docs" in manifest and "include CHANGELOG.md" in manifest


_PIP_LINE = re.compile(r"^\s*pip install (?P<args>[^#\n]+)", re.M)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS, ids=IDS)
def test_install_commands_work_from_a_clone(distribution: Path) -> None:
    # Not on the package index yet: a `pip install smsbridge...` command would fail.
    text = (distribution / "README.md").read_text(encoding="utf-8")
    commands = [m["args"].split() for m in _PIP_LINE.finditer(text)]
    assert commands
    for args in commands:
        for arg in args:
            target = arg.strip("'\"")
            assert target.startswith("./"), f"pip install {arg}: not published yet"
            folder = ROOT / target.split("[")[0]
            assert (folder / "pyproject.toml").exists(), f"pip install {arg}: no such project"
