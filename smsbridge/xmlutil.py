"""XML for drivers: xmltodict with entities off, namespaces dropped, lists forced."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_DEPTH", "build_xml", "parse_xml"]


#: Deepest nesting of elements an answer may have (provider answers have a handful of
#: levels; reading, copying or printing thousands would recurse too deep).
MAX_DEPTH = 32
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def _strip_namespace(path: Any, key: str, value: Any) -> tuple[str, Any] | None:
    if len(path) > MAX_DEPTH:
        raise ValueError(f"XML nested deeper than {MAX_DEPTH} levels")
    if key.startswith("@xmlns"):
        return None
    prefix = "@" if key.startswith("@") else ""
    bare = key.lstrip("@")
    if ":" in bare:
        bare = bare.rsplit(":", 1)[1]
    return prefix + bare, value


def parse_xml(body: bytes | str, *, force_list: tuple[str, ...] = ()) -> dict[str, Any]:
    """Parse a provider's XML answer into plain dicts.

    Entity declarations are refused (no billion laughs, no external entities), and so is
    nesting deeper than :data:`MAX_DEPTH`; element names lose their namespace, so
    ``<response xmlns="...">`` reads as ``response``; the elements named in
    ``force_list`` are always lists, even when one occurs.

    :raises ValueError: for a body that is not well-formed XML.
    """
    import xml.parsers.expat

    import xmltodict

    if not body or not (body.strip() if isinstance(body, (bytes, str)) else body):
        raise ValueError("empty XML document")
    try:
        result: dict[str, Any] = xmltodict.parse(
            body,
            disable_entities=True,
            process_namespaces=False,
            postprocessor=_strip_namespace,
            force_list=force_list or None,
        )
    except (xml.parsers.expat.ExpatError, ValueError) as exc:
        raise ValueError(f"malformed XML: {exc}") from exc
    if not isinstance(result, dict):
        raise ValueError("XML document without a root element")
    return result


def build_xml(root: str, fields: Mapping[str, Any], *, namespace: str | None = None) -> bytes:
    """Build a UTF-8 XML document ``<root>`` from a dict (lists repeat an element).

    Values are text (numbers as written, booleans ``true``/``false``, None an empty
    element) or dicts of child elements, written as xmltodict's ``unparse`` writes them,
    byte for byte, without its SAX machinery: a request costs a few string joins.
    """
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<', _name(root)]
    if namespace:
        parts.append(f" xmlns={quoteattr(namespace)}")
    parts.append(">")
    _elements(parts, fields)
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def _elements(parts: list[str], fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        _name(name)
        for item in value if isinstance(value, list) else (value,):
            parts.append(f"<{name}>")
            if isinstance(item, Mapping):
                _elements(parts, item)
            elif item is not None:
                text = item if isinstance(item, str) else (
                    ("true" if item else "false") if isinstance(item, bool) else str(item))
                parts.append(escape(text))
            parts.append(f"</{name}>")


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` in element text (as ``xml.sax.saxutils.escape``)."""
    if "&" not in text and "<" not in text and ">" not in text:
        return text  # phone numbers, ids, most texts
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(value: str) -> str:
    """An attribute value escaped and quoted (as ``xml.sax.saxutils.quoteattr``).

    Written here because importing ``xml.sax.saxutils`` imports ``urllib.request``, a
    sixth of a script's start.
    """
    text = escape(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"{}"'.format(text.replace('"', "&quot;"))


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not an XML element name: {name!r}")
    return name
