from __future__ import annotations

import pytest

from smsbridge.redaction import Redactor


@pytest.mark.parametrize(("text", "expected"), [
    ("https://x/rest/user/sessionid?login=acme&password=a%2Bb%3D%3D13%25!",
     "https://x/rest/user/sessionid?login=acme&password=***"),
    ("SessionID=Z5CYSZEKDL1DPICU37WEHQVOYKP0T1GSLHX1&DestinationAddress=7916",
     "SessionID=***&DestinationAddress=7916"),
    ('{"login": "acme", "password": "p\\"w", "apiKey": 1}',
     '{"login": "acme", "password": "***", "apiKey": "***"}'),
    ('{"token": 12345}', '{"token": "***"}'),
    ("<message><login>acme</login><pwd>passwd</pwd><id>A1</id></message>",
     "<message><login>acme</login><pwd>***</pwd><id>A1</id></message>"),
    ("X-API-KEY: abcdef123", "X-API-KEY: ***"),
    ("nothing secret here", "nothing secret here"),
])
def test_secret_fields_are_masked_by_name(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


def test_known_secret_values_are_masked_anywhere_in_any_encoding() -> None:
    redactor = Redactor(["a+b==13%!"])
    assert redactor.text("echo a+b==13%! and a%2Bb%3D%3D13%25%21 and a%2Bb%3D%3D13%25!") == (
        "echo *** and *** and ***")


def test_session_ids_learnt_later_are_masked() -> None:
    redactor = Redactor()
    redactor.add("SESSION-12345")
    assert redactor.text("/State?id=1&sid=SESSION-12345") == "/State?id=1&sid=***"


def test_mappings_are_masked_recursively() -> None:
    masked = Redactor(["hunter22"]).mapping(
        {"login": "acme", "Password": "x", "nested": {"api_key": "k", "note": "hunter22"}})
    assert masked == {"login": "acme", "Password": "***",
                      "nested": {"api_key": "***", "note": "***"}}


def test_bytes_are_decoded() -> None:
    assert Redactor(["topsecret"]).text(b"<pwd>x</pwd> topsecret") == "<pwd>***</pwd> ***"


def test_prose_naming_a_secret_field_keeps_its_words() -> None:
    text = "password: environment variable SMSBRIDGE_PASSWORD"
    assert Redactor().text(text) == text
    assert Redactor().text("Authorization: Bearer abc.def") == "Authorization: ***"
