"""Fuzzing every operation of every driver with mutated provider answers.

Each example takes a valid answer, made by the driver's own simulator for the very
request the driver sent, and mutates it the way broken or hostile providers do: a field
deleted or retyped, a huge number, NaN, deep nesting, control characters, truncation,
random bytes, an HTML error page, a wrong status or content type, hostile XML. Whatever
comes back, the operation must return its model or raise an ``SmsBridgeError``, within
seconds; a "successful" send must give every accepted recipient an id of its own.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

import smsbridge
from smsbridge import SmsBridgeError
from tests.reliability.conftest import (
    DRIVERS,
    END,
    FIGURES,
    START,
    Answer,
    DriverCase,
    connect,
)

EXAMPLES = 100
#: Longer than this for one operation counts as a hang.
SLOW_SECONDS = 5.0
RAW = "__RAW__"

#: Values a mutation puts in place of a field. Strings starting with RAW are written
#: into the body as they are (JSON cannot encode 1e9999999 or a 5000-digit number).
HOSTILE_VALUES: tuple[Any, ...] = (
    None, "", " ", [], {}, 0, -1, -(10**30), "-5", True, "NaN", "Infinity", "1e9999999",
    RAW + "1e9999999", RAW + "NaN", RAW + "-Infinity", RAW + "9" * 5000, "9" * 5000,
    "\x00\x1b[31m", "a\nb", "\u2028", "x" * 100_000, "0000-00-00 00:00:00",
    "/Date(99999999999999999)/", "..", "../../admin", RAW + "[" * 2000 + "]" * 2000,
    [1, 2], [{"a": None}], {"Code": {"x": 1}}, {"error": "1"}, 1.5, 1e308,
)

HTML = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
        b"<h1>Bad Gateway</h1></body></html>")
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
                  b']><response><status>&lol3;</status></response>')
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM '
                   b'"file:///etc/passwd">]><response><status>0</status><account>&xxe;'
                   b'</account></response>')


# -- answer mutations ----------------------------------------------------------------


def _parse(body: bytes) -> tuple[str, Any] | None:
    import xmltodict

    try:
        return "json", json.loads(body.decode("utf-8-sig"))
    except ValueError:
        pass
    try:
        return "xml", xmltodict.parse(body, disable_entities=True)
    except Exception:
        return None


def _xml_values(node: Any) -> Any:
    """A mutated tree as xmltodict can write it back (text everywhere)."""
    if isinstance(node, dict):
        return {str(k): _xml_values(v) for k, v in node.items()} or None
    if isinstance(node, list):
        return [_xml_values(v) for v in node] or None
    if node is None or isinstance(node, str):
        return node
    return json.dumps(node)


def _dump(kind: str, tree: Any) -> bytes:
    import xmltodict

    if kind == "json":
        text = json.dumps(tree, ensure_ascii=False)
        # Raw tokens are written without their quotes (RAW values hold no quote).
        text = re.sub(f'"{RAW}([^"]*)"', lambda m: m.group(1), text)
    else:
        values = _xml_values(tree)
        try:
            text = xmltodict.unparse(values)
        except (ValueError, AttributeError, TypeError):  # no single root any more
            text = xmltodict.unparse({"response": values})
        text = text.replace(RAW, "")
    return text.encode("utf-8", "surrogatepass")


def _locate(tree: Any, path: list[int]) -> tuple[Any, Any] | None:
    """Walk ``path`` (choices modulo the size of each level); return (parent, key)."""
    parent: Any = None
    key: Any = None
    node = tree
    for choice in path:
        if isinstance(node, dict) and node:
            keys = list(node)
            parent, key = node, keys[choice % len(keys)]
        elif isinstance(node, list) and node:
            parent, key = node, choice % len(node)
        else:
            break
        node = parent[key]
    return (parent, key) if parent is not None else None


def _tree_mutation(path: list[int], action: str, value: Any) -> Callable[[Answer], Answer]:
    def mutate(answer: Answer) -> Answer:
        parsed = _parse(answer.body)
        if parsed is None:
            return Answer(answer.status, answer.headers, answer.body[: len(answer.body) // 2])
        kind, tree = parsed
        spot = _locate(tree, path)
        if spot is None:
            tree = value if kind == "json" else {"response": value}
        else:
            parent, key = spot
            if action == "delete":
                del parent[key]
            elif action == "replace":
                parent[key] = value
            elif action == "listify":
                parent[key] = [parent[key], parent[key]]
            elif action == "nest":
                parent[key] = {"value": parent[key], "result": [parent[key]]}
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(parent[key])
            elif action == "duplicate":
                parent[key] = parent[key] if not isinstance(parent[key], list) else (
                    parent[key] + parent[key][:1])
        return Answer(answer.status, answer.headers, _dump(kind, tree))

    return mutate


def _byte_mutation(action: str, number: int, blob: bytes) -> Callable[[Answer], Answer]:
    def mutate(answer: Answer) -> Answer:
        body, status, headers = answer.body, answer.status, dict(answer.headers)
        if action == "truncate":
            body = body[: number % (len(body) + 1)]
        elif action == "random":
            body = blob
        elif action == "empty":
            body = b""
        elif action == "html":
            body, headers["Content-Type"] = HTML, "text/html"
        elif action == "status":
            status = (200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504)[
                number % 13]
        elif action == "retry_after":
            status = (429, 503)[number % 2]
            headers["Retry-After"] = ("nan", "inf", "-1", "1e400", "soon",
                                      "Wed, 21 Oct 2015 07:28:00 -0000",
                                      "Wed, 21 Oct 2099 07:28:00 GMT")[number % 7]
        elif action == "content_type":
            headers["Content-Type"] = ("text/html", "application/octet-stream",
                                       "application/json; charset=koi8-r", "")[number % 4]
        elif action == "billion_laughs":
            body = BILLION_LAUGHS
        elif action == "external_entity":
            body = EXTERNAL_ENTITY
        elif action == "bom_garbage":
            body = b"\xef\xbb\xbf" + blob + body
        elif action == "deep_xml":
            body = (b"<response><status>0</status><account>" + b"<a>" * 5000 + b"1"
                    + b"</a>" * 5000 + b"</account></response>")
        return Answer(status, headers, body)

    return mutate


TREE_ACTIONS = ("delete", "replace", "replace", "replace", "listify", "nest", "duplicate")
BYTE_ACTIONS = ("truncate", "random", "empty", "html", "status", "retry_after",
                "content_type", "billion_laughs", "external_entity", "bom_garbage", "deep_xml")


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, Callable[[Answer], Answer]]:
    """A mutation and a short name for it."""
    if draw(st.booleans()):
        path = draw(st.lists(st.integers(0, 40), min_size=1, max_size=6))
        action = draw(st.sampled_from(TREE_ACTIONS))
        value = draw(st.sampled_from(HOSTILE_VALUES))
        return f"tree:{action}", _tree_mutation(path, action, value)
    action = draw(st.sampled_from(BYTE_ACTIONS))
    number = draw(st.integers(0, 10_000))
    blob = draw(st.binary(max_size=64))
    return f"bytes:{action}", _byte_mutation(action, number, blob)


# -- operations ----------------------------------------------------------------------


def _sent_id(client: smsbridge.Client, case: DriverCase) -> str:
    return client.send(case.numbers[1], "first, clean").ids[0]


def _hlr_id(client: smsbridge.Client, case: DriverCase) -> str:
    found = client.hlr([case.numbers[1]])[0].id
    assert found is not None
    return found


#: operation name -> (capability, preparation made on a clean wire, the call).
OPERATIONS: dict[str, tuple[str, Any, Callable[..., Any]]] = {
    "send one": ("send", None, lambda c, case, _: c.send(case.numbers[0], "fuzz me")),
    "send many": ("send", None, lambda c, case, _: c.send(list(case.numbers), "fuzz all")),
    "status": ("status", _sent_id, lambda c, case, ready: c.status(ready)),
    "balance": ("balance", None, lambda c, case, _: c.balance()),
    "prices": ("prices", None, lambda c, case, _: c.prices()),
    "hlr": ("hlr", None, lambda c, case, _: c.hlr(list(case.numbers[:2]))),
    "hlr_result": ("hlr_result", _hlr_id, lambda c, case, ready: c.hlr_result(ready)),
    "lookup": ("lookup", None, lambda c, case, _: c.lookup(case.numbers[0])),
    "report": ("report", None, lambda c, case, _: c.report(START, END)),
    "inbox": ("inbox", None, lambda c, case, _: c.inbox(START, END)),
}


def _book_id(client: smsbridge.Client, case: DriverCase) -> int:
    return int(client.driver.address_books()[0]["id"])  # type: ignore[attr-defined]


def _dispatch(client: smsbridge.Client, case: DriverCase) -> str:
    return _sent_id(client, case)


def _export_key(client: smsbridge.Client, case: DriverCase) -> str:
    driver: Any = client.driver
    client.send(case.numbers[2], "to be exported")
    now = datetime.now(timezone.utc)
    key = str(driver.create_export(start=now - timedelta(hours=1), end=now + timedelta(hours=1)))
    for _ in range(5):  # the simulator prepares the file in a poll or two
        with contextlib.suppress(smsbridge.ProviderError):
            driver.export_rows(key)
            break
    return key


def _report_id(client: smsbridge.Client, case: DriverCase) -> str:
    return str(client.driver.request_detailed_report(START, END))  # type: ignore[attr-defined]


#: Provider-only extras, by driver: operation name -> (preparation, call).
EXTRAS: dict[str, dict[str, tuple[Any, Callable[..., Any]]]] = {
    "nikita": {"account_active": (None, lambda c, case, _: c.driver.account_active())},
    "stream": {
        "request_detailed_report": (
            None, lambda c, case, _: c.driver.request_detailed_report(START, END)),
        "fetch_detailed_report": (
            _report_id, lambda c, case, ready: c.driver.fetch_detailed_report(ready)),
    },
    "ketchup": {
        "estimate": (None, lambda c, case, _: c.driver.estimate(list(case.numbers), "hi")),
        "create_export": (None, lambda c, case, _: c.driver.create_export(start=START,
                                                                          end=END)),
        "export_rows": (_export_key, lambda c, case, ready: c.driver.export_rows(ready)),
        "delete_export": (_export_key, lambda c, case, ready: c.driver.delete_export(ready)),
        "list_exports": (None, lambda c, case, _: c.driver.list_exports()),
    },
    "phoenix": {
        "address_books": (None, lambda c, case, _: c.driver.address_books()),
        "contacts": (_book_id, lambda c, case, ready: c.driver.contacts(ready)),
        "cancel_dispatch": (_dispatch, lambda c, case, ready: c.driver.cancel_dispatch(ready)),
    },
}
for _driver, _extras in EXTRAS.items():
    for _name, (_prepare, _call) in _extras.items():
        OPERATIONS[f"{_driver}:{_name}"] = (f"extra:{_driver}", _prepare, _call)
OPERATIONS["send_many"] = ("send_many", None, lambda c, case, _: c.send_many(
    [smsbridge.Message(to=n, text=f"own text {i}") for i, n in enumerate(case.numbers)]))


def _supported(case: DriverCase, capability: str) -> bool:
    if capability.startswith("extra:"):
        return capability == f"extra:{case.name}"
    sim = case.simulator()
    with connect(case, sim) as client:
        return client.supports(capability)


CASES = [
    pytest.param(case, name, id=f"{case.name}-{name.split(':')[-1].replace(' ', '_')}")
    for case in DRIVERS for name, (capability, _, _) in OPERATIONS.items()
    if _supported(case, capability)
]


def _check_result(name: str, result: Any) -> None:
    """A result the caller would take as success must make sense."""
    if name.startswith("send"):
        assert isinstance(result, smsbridge.SendResult)
        assert len(result) == (1 if name == "send one" else 3)
        ids = [m.message_id for m in result if m.ok]
        assert all(isinstance(i, str) and i.strip() for i in ids), ids
        assert len(set(ids)) == len(ids), f"duplicate ids {ids}"
        FIGURES["fuzz: messages checked"] += len(result)
    elif name == "status":
        assert isinstance(result, smsbridge.StatusReport)
        assert result.message_id.strip()
    elif name == "balance":
        assert isinstance(result, smsbridge.Balance)
        assert result.amount.is_finite()
    elif name == "hlr":
        assert isinstance(result, list)
        ids = [r.id for r in result if r.id is not None]
        assert all(i.strip() for i in ids) and len(set(ids)) == len(ids), ids
    elif name in ("prices", "inbox"):
        assert isinstance(result, list)


def _run(name: str, call: Callable[[], Any]) -> None:
    started = time.monotonic()
    try:
        result = call()
    except SmsBridgeError as exc:
        FIGURES["fuzz: typed errors"] += 1
        str(exc), repr(exc)
    except Exception:
        FIGURES["fuzz: untyped exceptions"] += 1
        raise
    else:
        FIGURES["fuzz: models returned"] += 1
        _check_result(name, result)
    finally:
        elapsed = time.monotonic() - started
        if elapsed > SLOW_SECONDS:
            FIGURES["fuzz: hangs"] += 1
        FIGURES["fuzz: examples run"] += 1
    assert elapsed <= SLOW_SECONDS, f"{name} took {elapsed:.1f} s"


@pytest.mark.parametrize(("case", "name"), CASES)
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutation=mutations(), target=st.integers(0, 2))
def test_every_answer_gives_a_model_or_a_typed_error(
        case: DriverCase, name: str, mutation: tuple[str, Callable[[Answer], Answer]],
        target: int, simulator_wire: Any, secret_guard: Any) -> None:
    secret_guard.next_example()
    _, prepare, call = OPERATIONS[name]
    sim = case.simulator()
    sim_wire = simulator_wire(sim)
    with connect(case, sim) as client:
        ready = prepare(client, case) if prepare is not None else None
        label, mutate = mutation
        sim_wire.arm(mutate, target)
        _run(name, lambda: call(client, case, ready))
    if sim_wire.mutated:
        FIGURES["fuzz: faults injected"] += 1
        FIGURES[f"fuzz fault {label}"] += 1


CALLBACK_CASES = [pytest.param(case, id=case.name) for case in DRIVERS if case.pushes]


@pytest.mark.parametrize("case", CALLBACK_CASES)
@settings(max_examples=EXAMPLES * 2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations(), which=st.integers(0, 10))
def test_every_pushed_report_gives_reports_or_a_typed_error(
        case: DriverCase, mutation: tuple[str, Callable[[Answer], Answer]], which: int,
        secret_guard: Any) -> None:
    secret_guard.next_example()
    label, mutate = mutation
    push = case.pushes[which % len(case.pushes)]
    pushed = mutate(Answer(200, {"Content-Type": "application/json"}, push))
    FIGURES["fuzz: faults injected"] += 1
    FIGURES[f"fuzz fault {label}"] += 1
    with connect(case, case.simulator()) as client:
        _run("parse_callback", lambda: client.parse_callback(
            pushed.body, pushed.headers.get("Content-Type")))


def test_the_unmutated_wire_answers_every_operation(simulator_wire: Any) -> None:
    """The fuzzing starts from valid answers: unmutated, every operation succeeds."""
    for case, name in ((p.values[0], p.values[1]) for p in CASES):
        _, prepare, call = OPERATIONS[name]
        sim = case.simulator()
        simulator_wire(sim)
        with connect(case, sim) as client:
            ready = prepare(client, case) if prepare is not None else None
            result = call(client, case, ready)
            _check_result(name, result)
    for case in DRIVERS:
        for push in case.pushes:
            with connect(case, case.simulator()) as client:
                assert client.parse_callback(push)
