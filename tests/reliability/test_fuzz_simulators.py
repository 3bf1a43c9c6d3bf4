"""Fuzzing every simulator (and the guide's example) with careless and hostile requests.

Users' tests meet the providers through the simulators, so a simulator must answer
whatever a client sends the way its platform would: with the provider's own refusal,
never with a crash of its own (a Python exception, which reaches the client as an HTTP
500 no platform gives). Each example sends one request to one of the simulator's
routes, authenticated as its demo account, with the provider's own field names (as a
query, a form, a JSON body or, for Nikita, XML) and careless values: wrong types,
digits ``int()`` cannot read, NaN, huge numbers, nesting, control characters. The
simulator keeps its state across the examples, so later requests meet the messages
earlier ones sent; at the end its ledger must still be readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client

from smsbridge.testing import Simulator
from smsbridge.testing.fixtures import FakeClock, simulator_for
from tests.reliability.conftest import FIGURES

EXAMPLES = 150

#: Values a careless client puts in a field: plausible ones (so that some requests are
#: accepted and later ones meet their messages) and wrong ones.
TEXTS = (
    "", " ", "0", "1", "-1", "10", "72", "1440", "99999999999999999999", "²", "٣٤", "1e5",
    "NaN", "Infinity", "true", "null", "[]", "{}", "x" * 2000, "\x00", "a\nb", "\u2028",
    "79001234567", "+79001234567", "79001230000", "996550123456", "+996 550 123 456",
    "380971234567", "380710000000", "0710000000", "8071999999", "DEMO", "SMS Info",
    "SMSBRIDGE", "DEVINO", "ACME", "hello", "привет", "ref1", "ref 2", "../../etc",
    "2026-03-01T10:00:00", "2026-03-01 10:00", "01.03.2026 10:00:00", "20260301100000",
    "2026-13-45T99:99:99", "22125", "579700854169272358", "371324579", "1,2,3",
    '{"sms": [{"phone": "79001234567", "text": "hi"}]}', '{"sms": [{"phone": null}]}',
    '[{"msisdn": "380971234567", "reference": "h1"}]', "sms", "viber", "hlr", "export1",
)
SCALARS = st.one_of(
    st.sampled_from(TEXTS), st.text(max_size=12), st.none(), st.booleans(),
    st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True),
)

#: A request each provider takes, field by field (the fields of all its operations in
#: one mapping: an operation reads its own). Examples start from it and make some
#: fields careless, so that requests get past the first checks to the deeper ones.
VALID: dict[str, dict[str, Any]] = {
    "nikita": {"id": "r1", "text": "hello", "phones": ["996550123456"], "sender": "SMSBRIDGE",
               "time": "20260301160000", "test": "0", "phone": ["996550123456"]},
    "ketchup": {"destination": "phone", "msisdn": "380971234567", "reference": "ref1",
                "originator": "DEMO", "body": "hello", "validity": 72, "tariff": 0,
                "phones": [{"msisdn": "380971234568", "reference": "ref2"}],
                "messages": [{"to": [{"msisdn": "380971234567", "reference": "v1"}],
                              "alpha_name": "DEMO", "text": "hi", "options": {"viber": {}}}],
                "message_id": ["22125"], "time_in_from": "2026-02-28 00:00:00",
                "time_in_to": "2026-03-02 00:00:00", "message_type": "sms",
                "payload": '[{"msisdn": "380971234567", "reference": "h1"}]'},
    "example": {"to": ["79001234567", "79001234568"], "text": "hello", "sender": "ACME"},
    "phoenix": {"message": "hello", "phonesList": ["380710000000", "0710000001"],
                "dateSend": "01.03.2026 13:00:00", "idDispatch": 1},
    "devino": {"login": "demo", "password": "demo-password", "SourceAddress": "DEVINO",
               "DestinationAddress": "79001234567",
               "DestinationAddresses": ["79001234567", "79001234568"], "Data": "hello",
               "SendDate": "2026-03-01T10:00:00", "Validity": "10",
               "messageId": "579700854169272358", "minDateUTC": "2026-02-28T00:00:00",
               "maxDateUTC": "2026-03-02T00:00:00", "startDateTime": "2026-02-28T00:00:00",
               "endDateTime": "2026-03-02T00:00:00"},
    "stream": {"login": "demo", "password": "demo-password", "sourceAddress": "DEMO",
               "destinationAddress": "79001234567",
               "destinationAddresses": "79001234567,79001234568", "data": "hello",
               "sendDate": "2026-03-01T10:00:00", "validity": "10",
               "phone_data": '{"sms": [{"phone": "79001234567", "text": "hi"}]}',
               "messageId": "371324579", "minDateUTC": "2026-02-28T00:00:00",
               "maxDateUTC": "2026-03-02T00:00:00", "startDateTime": "2026-02-28T00:00:00",
               "endDateTime": "2026-03-02T00:00:00", "id_report": "12124",
               "start": "2026-02-28 00:00:00", "end": "2026-03-02 00:00:00",
               "phone": "79001234567", "state": "deliver", "type_load": "0"},
}
#: When the simulators' clocks start (the dates above are around it).
CLOCK_START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def values(fields: Iterable[str]) -> st.SearchStrategy[Any]:
    """A careless value: a scalar, or lists and objects of the provider's fields."""
    return st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(sorted(fields)), inner, max_size=4), max_leaves=10)


@st.composite
def mutated(draw: st.DrawFn, value: Any, names: tuple[str, ...]) -> Any:
    """``value`` (part of a valid request) kept, made careless, or changed inside: an
    object's fields each kept, changed or dropped, a list's items changed or repeated."""
    fate = draw(st.sampled_from(("keep", "keep", "keep", "careless", "inside")))
    if fate == "keep":
        return value
    if fate == "inside" and isinstance(value, dict):
        return {key: draw(mutated(item, names)) for key, item in value.items()
                if draw(st.integers(0, 5))}  # one field in six dropped
    if fate == "inside" and isinstance(value, list) and value:
        items = [draw(mutated(item, names)) for item in value]
        return items * draw(st.integers(1, 2))  # sometimes every item twice
    return draw(values(names))


@st.composite
def fields_of(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """The provider's valid request, each field kept, changed or (one in six) missing."""
    valid = VALID[name]
    names = tuple(sorted({*valid, "to", "alpha_name", "text", "msisdn", "reference"}))
    return {key: draw(mutated(item, names)) for key, item in valid.items()
            if draw(st.integers(0, 5))}


_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
#: Values for a rule's ``<name>`` parts: ids the simulators issue, and careless ones.
_SEGMENTS = ("1", "0", "-1", "22125", "22126", "21902", "export1", "579700854169272358",
             "371324579", "12124", "²", "abc", "x" * 300, "%00", "..", "%2F")


def routes(sim: Simulator) -> list[tuple[str, tuple[str, ...]]]:
    """Every rule of the simulator with its methods, as its routing map holds them."""
    return [(rule.rule, tuple(sorted(rule.methods or ("GET",))))
            for rule in type(sim)._routing().map.iter_rules()]


def concrete(rule: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    """A path the rule matches (or nearly: careless parts included)."""
    def fill(match: re.Match[str]) -> str:
        converter, arguments = match.group(1), match.group(2)
        if converter == "any":
            return str(draw(st.sampled_from([a.strip() for a in arguments.split(",")])))
        if converter == "int":
            return str(draw(st.integers(-5, 10**12)))
        return quote(draw(st.sampled_from(_SEGMENTS) | st.text(max_size=8)), safe="%")
    return _PLACEHOLDER.sub(fill, rule)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _pairs(fields: dict[str, Any]) -> MultiDict[str, str]:
    """Form or query parameters; a list is a repeated parameter."""
    return MultiDict([(key, _text(item)) for key, value in fields.items()
                      for item in (value if isinstance(value, list) else [value])])


def _xml(key: str, value: Any) -> str:
    if isinstance(value, list):
        return f"<{key}>" + "".join(f"<phone>{escape(_text(v))}</phone>" for v in value) + \
            f"</{key}>"
    return f"<{key}>{escape(_text(value))}</{key}>"


def _body(fields: dict[str, Any], how: str) -> dict[str, Any]:
    if how == "query":
        return {"query_string": _pairs(fields)}
    if how == "form":
        return {"data": _pairs(fields), "content_type": "application/x-www-form-urlencoded"}
    return {"data": json.dumps(fields), "content_type": "application/json"}


#: What the sweep puts in each field, one field at a time.
HOSTILE: tuple[Any, ...] = (
    None, "", " ", "²", "٣", "-1", "0", "NaN", "1e999", 10**20, -1, 1.5, True, [], {},
    [None], "x" * 5000, "\x00\x1b[31m",
)
DROP = object()
#: How each provider authenticates, and how its requests carry their fields.
SESSION_KEYS = {"devino": "SessionID", "stream": "sessionId"}


def wire(name: str, sim: Any, fields: Any, how: str, session: bool = True) -> dict[str, Any]:
    """``client.open`` arguments for a request of ``fields``, authenticated as the demo
    account (``how``: query, form or json, where the provider reads more than one)."""
    account = sim.account
    if name == "nikita":
        items = fields.items() if isinstance(fields, dict) else ()
        body = (f'<?xml version="1.0" encoding="UTF-8"?><message><login>{account.login}'
                f"</login><pwd>{account.password}</pwd>"
                + "".join(_xml(key, value) for key, value in items) + "</message>")
        return {"data": body.encode("utf-8", "surrogatepass"), "content_type": "text/xml"}
    if name == "ketchup":
        return {**_body(fields, "form" if how == "form" and isinstance(fields, dict) else "json"),
                "headers": {"X-API-KEY": account.login}}
    if name == "example":
        return {"data": json.dumps(fields), "content_type": "application/json",
                "headers": {"Authorization": f"Bearer {account.login}"}}
    if name == "phoenix":
        return {"query_string": {"token": account.login}, "data": json.dumps(fields),
                "content_type": "application/json"}
    fields = dict(fields) if isinstance(fields, dict) else {}
    if session:
        with sim.lock:
            fields[SESSION_KEYS[name]] = sim.sessions.open(account.login)
    return _body(fields, how)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where a value can be changed: itself and everything inside it."""
    if prefix:
        yield prefix
    children = (value.items() if isinstance(value, dict)
                else enumerate(value) if isinstance(value, list) else ())
    for key, item in children:
        yield from paths(item, (*prefix, key))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with the part at ``path`` replaced (or dropped: :data:`DROP`)."""
    copy: Any = {**value} if isinstance(value, dict) else list(value)
    if len(path) > 1:
        copy[path[0]] = replaced(copy[path[0]], path[1:], new)
    elif new is DROP:
        del copy[path[0]]
    else:
        copy[path[0]] = new
    return copy


def concrete_paths(sim: Any, rule: str) -> list[str]:
    """The paths of ``rule`` the sweep calls: every ``any()`` choice, an id the simulator
    issued for ``<name>``, 1 for ``<int:name>``."""
    done = [rule]
    while any(_PLACEHOLDER.search(p) for p in done):
        expanded = []
        for path in done:
            match = _PLACEHOLDER.search(path)
            if match is None:
                expanded.append(path)
                continue
            converter, arguments = match.group(1), match.group(2)
            choices = ([a.strip() for a in arguments.split(",")] if converter == "any"
                       else ["1"] if converter == "int" else [str(type(sim).first_id)])
            expanded += [path[:match.start()] + c + path[match.end():] for c in choices]
        done = expanded
    return done


def _check(response: Any) -> int:
    if "json" in (response.content_type or ""):
        json.loads(response.get_data(as_text=True))  # the provider's shape, readable
    FIGURES["simulators: careless requests answered"] += 1
    return int(response.status_code)


@pytest.mark.parametrize("name", sorted(VALID))
def test_every_field_made_careless_one_at_a_time_gets_the_providers_answer(
        name: str) -> None:
    sim = simulator_for(name, clock=FakeClock(CLOCK_START))
    client = Client(sim)
    valid, answered = VALID[name], []
    for rule, methods in routes(sim):
        method = "POST" if "POST" in methods else methods[0]
        how = "form" if method == "POST" else "query"
        for path in concrete_paths(sim, rule):
            answered.append(_check(client.open(path, method=method,
                                               **wire(name, sim, valid, how))))
            for where in paths(valid):
                for value in (DROP, *HOSTILE):
                    # A crash in the simulator raises here (the test client runs it).
                    response = client.open(path, method=method, **wire(
                        name, sim, replaced(valid, where, value), how))
                    answered.append(_check(response))
    requests = sum(len(concrete_paths(sim, rule)) for rule, _ in routes(sim))
    assert len(answered) == requests * (1 + len(list(paths(valid))) * (1 + len(HOSTILE)))
    assert 200 in answered
    for message in sim.ledger():
        assert isinstance(message.recipient, str) and isinstance(message.text, str)


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_simulator_answers_careless_requests_without_crashing(name: str) -> None:
    sim = simulator_for(name, clock=FakeClock(CLOCK_START))
    client = Client(sim)
    rules = routes(sim)
    answered: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        rule, methods = data.draw(st.sampled_from(rules))
        method = data.draw(st.sampled_from(methods))
        fields = data.draw(fields_of(name) | values(VALID[name]))
        request = wire(name, sim, fields, data.draw(st.sampled_from(("query", "form", "json"))),
                       session=data.draw(st.integers(0, 3)) > 0)
        # A crash in the simulator raises here (werkzeug's test client runs it in-process).
        answered.append(_check(client.open(concrete(rule, data.draw), method=method,
                                           **request)))

    one_request()
    assert len(answered) >= EXAMPLES // 2
    assert 200 in answered  # some requests were taken, so later ones met their state
    for message in sim.ledger():
        assert isinstance(message.recipient, str) and isinstance(message.text, str)
