from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from smsbridge import ValidationError
from smsbridge.ids import chunk_reference, fit_reference, new_reference
from smsbridge.parsing import (
    as_int,
    as_str,
    parse_bool,
    parse_decimal,
    parse_local_datetime,
)
from smsbridge.phones import normalize_msisdn
from smsbridge.xmlutil import build_xml, parse_xml

UTC = timezone.utc


@pytest.mark.parametrize(("value", "expected"), [
    ("20123.12", Decimal("20123.12")), (0.5, Decimal("0.5")), (12, Decimal(12)),
    ("1 234,50", Decimal("1234.50")), ("12.30 RUB", Decimal("12.30")), ("", None), (None, None),
])
def test_money(value: object, expected: Decimal | None) -> None:
    assert parse_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", True, [1], "1.2.3"])
def test_not_money(value: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(value)


def test_tolerant_scalars() -> None:
    assert as_int("0") == 0 and as_int(0) == 0 and as_int(" 12 ") == 12 and as_int("3.0") == 3
    assert as_int(None) is None and as_int("") is None
    with pytest.raises(ValueError):
        as_int("1.5")
    with pytest.raises(ValueError):
        as_int("zero")
    with pytest.raises(ValueError):
        as_int(True)
    assert as_str(" AE") == "AE" and as_str(42) == "42" and as_str("  ") is None
    with pytest.raises(ValueError):
        as_str({"a": 1})
    assert parse_bool("Yes") and not parse_bool("0") and parse_bool(1)
    with pytest.raises(ValueError):
        parse_bool("maybe")


def test_provider_local_time_becomes_utc() -> None:
    bishkek = timezone(timedelta(hours=6))
    assert parse_local_datetime("20110909032815", "%Y%m%d%H%M%S", bishkek) == datetime(
        2011, 9, 8, 21, 28, 15, tzinfo=UTC)
    assert parse_local_datetime("", "%Y%m%d%H%M%S", bishkek) is None


def test_xml_without_namespace_and_forced_lists() -> None:
    body = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<response xmlns="http://Giper.mobi/schema/Info"><status>0</status>'
            b'<phone><number>1</number></phone></response>')
    assert parse_xml(body, force_list=("phone",)) == {
        "response": {"status": "0", "phone": [{"number": "1"}]}}


def test_xml_entities_are_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>')
    with pytest.raises(ValueError):
        parse_xml(bomb)


@pytest.mark.parametrize("body", [b"", b"   ", b"<unclosed>", b"plain text"])
def test_malformed_xml_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_xml(body)


def test_build_xml() -> None:
    assert build_xml("info", {"login": "a", "pwd": "b"},
                     namespace="http://Giper.mobi/schema/Info") == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<info xmlns="http://Giper.mobi/schema/Info"><login>a</login><pwd>b</pwd></info>')


@pytest.mark.parametrize(("raw", "digits"), [
    ("+996 550 123-456", "996550123456"), ("996550123456", "996550123456"),
    ("(996) 550.123.456", "996550123456"), ("00996550123456", "996550123456"),
    (996550123456, "996550123456"), ("+7 916 100-20-30", "79161002030"),
])
def test_numbers_are_normalized(raw: str | int, digits: str) -> None:
    assert normalize_msisdn(raw) == digits


@pytest.mark.parametrize("raw", ["", "12345", "+1234567890123456", "99655O123456", "٩٩٦٥٥٠١٢٣٤٥٦",
                                 None, True, 5.5])
def test_bad_numbers_are_validation_errors(raw: object) -> None:
    with pytest.raises(ValidationError):
        normalize_msisdn(raw)  # type: ignore[arg-type]


def test_references_survive_retries() -> None:
    assert fit_reference("A88726", 12) == "A88726"
    derived = fit_reference("order-42#1", 12)
    assert derived == fit_reference("order-42#1", 12)
    assert len(derived) == 12 and derived.isalnum()
    assert fit_reference("x" * 40, 32) != fit_reference("x" * 41, 32)
    assert fit_reference(None, 12) != fit_reference(None, 12)
    assert len(new_reference(32)) == 32
    assert chunk_reference("R", 0) == "R" and chunk_reference("R", 2) == "R#2"
    assert chunk_reference(None, 3) is None


def test_build_xml_escapes_text_and_writes_values_as_xmltodict_did() -> None:
    assert build_xml("message", {
        "login": "a&b<c>\"'", "pwd": None, "test": 1, "flag": True, "off": False,
        "phones": {"phone": ["996550123456", "996550123457"]}, "text": "Привет ]]>",
    }) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<message>'
        "<login>a&amp;b&lt;c&gt;\"'</login><pwd></pwd><test>1</test><flag>true</flag>"
        "<off>false</off><phones><phone>996550123456</phone><phone>996550123457</phone>"
        "</phones><text>Привет ]]&gt;</text></message>").encode()


def test_build_xml_refuses_a_name_that_is_not_an_element_name() -> None:
    with pytest.raises(ValueError, match="not an XML element name"):
        build_xml("message", {"a b": "1"})
