"""The public number normaliser: international digits, national numbers with a country."""

from __future__ import annotations

import pytest

import smsbridge
from smsbridge import ValidationError, normalize_number


@pytest.mark.parametrize(("raw", "country", "digits"), [
    ("0550 123 456", "KG", "996550123456"),
    ("550 123 456", "KG", "996550123456"),
    ("0550-123-456", "kg", "996550123456"),
    ("996550123456", "KG", "996550123456"),
    ("+996 550 123 456", "KG", "996550123456"),
    ("00996550123456", "KG", "996550123456"),
    ("8 (916) 100-20-30", "RU", "79161002030"),
    ("916 100 20 30", "RU", "79161002030"),
    ("7 916 100 20 30", "RU", "79161002030"),
    ("+7 916 100 20 30", "KG", "79161002030"),   # international stays as it is
    ("79161002030", "KG", "79161002030"),        # not a Kyrgyz length: international
    ("8 029 123 45 67", "BY", "375291234567"),
    ("097 123 45 67", "UA", "380971234567"),
    (996550123456, None, "996550123456"),
    ("+996 550 123-456", None, "996550123456"),
])
def test_numbers_become_international_digits(raw: str | int, country: str | None,
                                             digits: str) -> None:
    assert normalize_number(raw, country=country) == digits


def test_without_a_country_the_digits_are_kept() -> None:
    # Drivers whose provider takes national forms (Phoenix) convert them themselves.
    assert normalize_number("0550 123 456") == "0550123456"


@pytest.mark.parametrize("raw", ["", "12345", "0550 12", "+1234567890123456", "0550 l23 456",
                                 None, True, 5.5])
def test_bad_numbers_are_validation_errors(raw: object) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_number(raw, country="KG")  # type: ignore[arg-type]
    assert caught.value.field == "to"


@pytest.mark.parametrize("raw", ["0 550 123 45", "0550 123 4567", "055012345"])
def test_a_national_number_of_the_wrong_length_is_refused(raw: str) -> None:
    """A leading 0 marks a national number: never read it as international."""
    with pytest.raises(ValidationError, match="national number of KG has 9 digits"):
        normalize_number(raw, country="KG")


def test_an_unknown_country_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValidationError,
                       match=r"unknown country 'XX'; known countries: .*KG") as caught:
        normalize_number("0550 123 456", country="XX")
    assert caught.value.field == "country"


def test_the_memory_driver_takes_international_numbers_only(sms_outbox: list[object]) -> None:
    sms = smsbridge.connect("memory")
    sms.send("+996 550 123 456", "hi")
    assert sms.driver.outbox.last.to == "996550123456"


def test_the_memory_driver_reads_national_numbers_when_given_a_country(
        sms_outbox: list[object]) -> None:
    sms = smsbridge.connect("memory", default_country="kg")
    sms.send("0550 123 456", "hi")
    assert sms.driver.outbox.last.to == "996550123456"


def test_a_stand_in_reads_national_numbers_as_the_real_driver_does() -> None:
    pytest.importorskip("smsbridge_nikita")
    from smsbridge.memory import Outbox, stand_in

    nikita = smsbridge.connect("nikita", login="acme", password="pw", sender="ACME")
    outbox = Outbox()
    stand_in(nikita.driver, outbox).send("0550 123 456", "hi")
    assert outbox.last.to == "996550123456"
