"""The simulator kit's router: ``@route`` methods matched by werkzeug, misses answered in
the simulator's shape (over HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from smsbridge.testing.answers import Refusal, json_answer, text_answer
from smsbridge.testing.routes import NoRoute, route
from smsbridge.testing.simulator import Simulator


class Plain(Simulator):
    """Routes under ``/v1`` answered by the default ``handle`` (the handler gets the request)."""

    root = "/v1"

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url}

    @route("/messages", methods=("POST",))
    def _send(self, request: Request) -> Response:
        return json_answer({"sent": request.get_data(as_text=True)}, 201)

    @route("/messages/<message_id>", "/messages/by-ref/<reference>")
    def _status(self, request: Request, message_id: str | None = None,
                reference: str | None = None) -> Response:
        return json_answer({"id": message_id, "reference": reference})

    @route("/books/<int:book>/contacts")
    @route("/books/<int:book>/contacts", methods=("DELETE",))
    def _contacts(self, request: Request, book: int) -> Response:
        return json_answer({"book": book, "method": request.method})

    @route("/sms/prices", defaults={"module": "sms"})
    @route("/viber/prices", "/viber/prices/<tariff>", defaults={"module": "viber"})
    def _prices(self, request: Request, module: str, tariff: str = "") -> Response:
        return json_answer({"module": module, "tariff": tariff})

    @route("/refuse", methods=("GET", "POST"))
    def _refuse(self, request: Request) -> Response:
        raise Refusal(7, "no", status=409)


class Shaped(Plain):
    """Case-insensitive, an optional ``/rest`` prefix, a handler reading the request first,
    misses answered as the provider's refusals."""

    ignore_case = True

    def route_path(self, request: Request) -> str:
        path = super().route_path(request)
        return path.removeprefix("/rest")

    def handle(self, request: Request) -> Response:
        if request.headers.get("X-Key") != "k":
            raise Refusal(1, "bad key", status=401)
        handler = self.route_for(request)
        with self.lock:
            answer: Response = handler(request)
            return answer

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        if allowed:
            return text_answer(f"use {'/'.join(allowed)}", 405)
        raise Refusal(4, "Function is not supported")

    @route("/extra")
    def _extra(self, request: Request) -> Response:
        return text_answer("extra")


@pytest.fixture
def plain() -> Iterator[str]:
    with Plain().serve() as url:
        yield url


@pytest.fixture
def shaped() -> Iterator[str]:
    with Shaped().serve() as url:
        yield url


def test_rules_route_to_methods_with_their_values(plain: str) -> None:
    sent = requests.post(plain + "/v1/messages", data="hi", timeout=5)
    assert (sent.status_code, sent.json()) == (201, {"sent": "hi"})
    assert requests.get(plain + "/v1/messages/m-1", timeout=5).json() == {
        "id": "m-1", "reference": None}
    assert requests.get(plain + "/v1/messages/by-ref/r9", timeout=5).json() == {
        "id": None, "reference": "r9"}
    assert requests.get(plain + "/v1/books/12/contacts", timeout=5).json() == {
        "book": 12, "method": "GET"}
    assert requests.delete(plain + "/v1/books/3/contacts", timeout=5).json() == {
        "book": 3, "method": "DELETE"}
    assert requests.get(plain + "/v1/sms/prices", timeout=5).json() == {
        "module": "sms", "tariff": ""}
    assert requests.get(plain + "/v1/viber/prices/7", timeout=5).json() == {
        "module": "viber", "tariff": "7"}


def test_a_trailing_slash_and_doubled_slashes_are_ignored(plain: str) -> None:
    assert requests.get(plain + "/v1/messages/m-2/", timeout=5).json()["id"] == "m-2"
    assert requests.get(plain + "/v1//messages/m-3", timeout=5).json()["id"] == "m-3"


def test_unknown_paths_are_404_and_other_methods_405_naming_the_declared_ones(
        plain: str) -> None:
    for path in ("/v1/nothing", "/messages", "/v1", "/v1/books/x/contacts",
                 "/V1/messages/m-1"):
        answer = requests.get(plain + path, timeout=5)
        assert (answer.status_code, answer.text) == (404, "not found"), path
    answer = requests.get(plain + "/v1/messages", timeout=5)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")
    answer = requests.put(plain + "/v1/books/1/contacts", timeout=5)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "DELETE, GET")
    # werkzeug would let HEAD into GET rules: a simulator takes only what it declares.
    answer = requests.head(plain + "/v1/messages/m-1", timeout=5)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "GET")


def test_refusals_raised_in_handlers_are_rendered_by_the_simulator(plain: str) -> None:
    answer = requests.post(plain + "/v1/refuse", timeout=5)
    assert (answer.status_code, answer.json()) == (409, {"code": 7, "description": "no"})


def test_a_simulator_shapes_its_misses_and_reads_requests_before_routing(
        shaped: str) -> None:
    key = {"X-Key": "k"}
    assert requests.get(shaped + "/REST/V1/Messages/M-1", headers=key, timeout=5).json() == {
        "id": "m-1", "reference": None}  # ignore_case: captured values are lower-cased too
    assert requests.get(shaped + "/v1/extra", headers=key, timeout=5).text == "extra"
    assert requests.get(shaped + "/v1/nothing", headers=key, timeout=5).json() == {
        "code": 4, "description": "Function is not supported"}
    answer = requests.get(shaped + "/v1/messages", headers=key, timeout=5)
    assert (answer.status_code, answer.text) == (405, "use POST")
    # The handle() reads the key first: a wrong key is refused on any path.
    answer = requests.get(shaped + "/v1/nothing", timeout=5)
    assert (answer.status_code, answer.json()) == (401, {"code": 1, "description": "bad key"})


class Tweaked(Plain):
    """Overrides a handler without ``@route``: the handler keeps its rules."""

    def _status(self, request: Request, message_id: str | None = None,
                reference: str | None = None) -> Response:
        return json_answer({"tweaked": message_id or reference})


def test_a_subclass_has_its_own_routes_and_keeps_its_parents(plain: str) -> None:
    assert requests.get(plain + "/v1/extra", timeout=5).status_code == 404
    with Tweaked().serve() as url:
        assert requests.get(url + "/v1/messages/by-ref/r1", timeout=5).json() == {
            "tweaked": "r1"}
        assert requests.post(url + "/v1/messages", data="x", timeout=5).status_code == 201


def test_route_for_raises_no_route_naming_the_allowed_methods() -> None:
    from werkzeug.test import EnvironBuilder

    sim = Plain()
    handler = sim.route_for(Request(EnvironBuilder("/v1/messages/7").get_environ()))
    assert handler.keywords == {"message_id": "7"}  # type: ignore[attr-defined]
    with pytest.raises(NoRoute) as missing:
        sim.route_for(Request(EnvironBuilder("/v1/messages", method="PATCH").get_environ()))
    assert missing.value.allowed == ("POST",)
    with pytest.raises(NoRoute) as missing:
        sim.route_for(Request(EnvironBuilder("/elsewhere").get_environ()))
    assert missing.value.allowed == ()


def test_route_needs_a_rule() -> None:
    with pytest.raises(TypeError, match="at least one rule"):
        route()
