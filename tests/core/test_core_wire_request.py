"""The plugin's readers of a request on the wire (``sms_wire``'s items, ``WireRequest.of``)."""

from __future__ import annotations

import pytest
import requests
import responses

from smsbridge.testing.fixtures import Wire, WireRequest


def prepared(method: str, url: str, **kwargs: object) -> requests.PreparedRequest:
    return requests.Request(method, url, **kwargs).prepare()  # type: ignore[arg-type]


def test_of_reads_a_prepared_request() -> None:
    request = WireRequest.of(prepared("POST", "https://provider.test/api/send?a=1",
                                      data="to=996550123456",
                                      headers={"Content-Type": "text/plain"}))

    assert request.method == "POST"
    assert request.url == "https://provider.test/api/send?a=1"
    assert request.path == "/api/send"
    assert request.body == b"to=996550123456"  # a str body becomes bytes
    assert request.headers == {"Content-Type": "text/plain", "Content-Length": "15"}


def test_of_a_request_without_a_body_has_empty_bytes() -> None:
    request = WireRequest.of(prepared("GET", "https://provider.test/x"))

    assert request.body == b""
    assert request.headers == {}


def test_of_reads_what_responses_recorded() -> None:
    with responses.RequestsMock() as mock:
        mock.post("https://provider.test/f", body="ok")
        requests.post("https://provider.test/f", json={"text": "Привет"})
        request = WireRequest.of(mock.calls[0].request)

    assert (request.method, request.path) == ("POST", "/f")
    assert request.json() == {"text": "Привет"}


def test_a_body_of_non_ascii_text_fails_the_test() -> None:
    # urllib3 1.26 would send it as Latin-1 (or refuse it), urllib3 2 as UTF-8.
    with pytest.raises(AssertionError, match="POST /f: a body of non-ASCII text goes on the "
                                             "wire differently by urllib3 version"):
        WireRequest.of(prepared("POST", "https://provider.test/f?key=1", data="Привет"))

    assert WireRequest.of(prepared("POST", "https://provider.test/f", data="hi")).body == b"hi"
    assert WireRequest.of(prepared(
        "POST", "https://provider.test/f", data="Привет".encode())).text == "Привет"


def test_query_pairs_keep_order_blanks_and_repeats() -> None:
    request = WireRequest.of(prepared("GET", "https://provider.test/x?id=1&id=2&b=&a=%2B1"))

    assert request.query_pairs == [("id", "1"), ("id", "2"), ("b", ""), ("a", "+1")]
    assert request.params == {"id": "2", "b": "", "a": "+1"}


def test_form_pairs_keep_order_blanks_and_repeats() -> None:
    request = WireRequest.of(prepared(
        "POST", "https://provider.test/f",
        data=[("to", "79160000001"), ("to", "79160000002"), ("sender", ""),
              ("text", "Привет & пока")]))

    assert request.form_pairs == [("to", "79160000001"), ("to", "79160000002"), ("sender", ""),
                                  ("text", "Привет & пока")]
    assert request.form == {"to": "79160000002", "sender": "", "text": "Привет & пока"}


def test_xml_drops_namespaces_and_forces_the_named_lists() -> None:
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<message xmlns="http://Giper.mobi/schema">'
            "<id>A1</id><text>Код &lt;1&gt;</text><phones><phone>996550123456</phone></phones>"
            "</message>").encode()
    request = WireRequest.of(prepared("POST", "https://provider.test/api/message", data=body))

    assert request.xml() == {"message": {"id": "A1", "text": "Код <1>",
                                         "phones": {"phone": "996550123456"}}}
    assert request.xml("phone") == {"message": {"id": "A1", "text": "Код <1>",
                                                "phones": {"phone": ["996550123456"]}}}


def test_xml_refuses_entity_declarations() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "boom">]><m>&e;</m>')
    request = WireRequest.of(prepared("POST", "https://provider.test/x", data=body))

    with pytest.raises(ValueError, match="malformed XML"):
        request.xml()


def test_multipart_reads_the_fields_by_name() -> None:
    request = WireRequest.of(prepared(
        "POST", "https://provider.test/hlr",
        files={"msisdn": (None, "380505142320"), "payload": (None, '[{"tariff": 9}]')}))

    assert request.multipart() == {"msisdn": "380505142320", "payload": '[{"tariff": 9}]'}


def test_multipart_of_another_body_fails_the_test() -> None:
    request = WireRequest.of(prepared("POST", "https://provider.test/f", data={"a": "1"}))

    with pytest.raises(AssertionError, match="not a multipart body: 'a=1'"):
        request.multipart()


def test_to_picks_the_requests_to_one_path_in_order() -> None:
    wire = Wire(WireRequest.of(prepared(method, url)) for method, url in [
        ("POST", "https://provider.test/rest/login"),
        ("GET", "https://provider.test/rest/state?id=1"),
        ("GET", "https://provider.test/rest/balance"),
        ("GET", "https://provider.test/rest/state?id=2"),
    ])

    states = wire.to("/rest/state")

    assert isinstance(states, Wire)
    assert [request.url for request in states] == ["https://provider.test/rest/state?id=1",
                                                    "https://provider.test/rest/state?id=2"]
    assert states.paths == ["GET /rest/state", "GET /rest/state"]
    assert wire.to("/rest/none") == []
