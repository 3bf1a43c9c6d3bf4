"""Phone number normalization, done before any request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from smsbridge.errors import ValidationError

__all__ = ["COUNTRIES", "Country", "country_code", "country_setting", "normalize_many",
           "normalize_msisdn", "normalize_number"]

_SEPARATORS = re.compile(r"[\s\-().\u00a0]")
MIN_DIGITS = 7
MAX_DIGITS = 15  # E.164
# Longest text read as a number: digits plus generous separators.
_MAX_TEXT = 64


@attrs.frozen(kw_only=True)
class Country:
    """How a country writes its phone numbers at home.

    :ivar calling_code: the international calling code (``"996"``).
    :ivar trunk_prefix: what national numbers start with at home (``"0"``), or ``""``.
    :ivar lengths: how many digits follow the calling code (the national significant
        number).
    """

    calling_code: str
    trunk_prefix: str
    lengths: frozenset[int]


def _country(calling_code: str, trunk_prefix: str, *lengths: int) -> Country:
    return Country(calling_code=calling_code, trunk_prefix=trunk_prefix,
                   lengths=frozenset(lengths))


#: Countries whose national numbers :func:`normalize_number` understands, by ISO code:
#: the countries the bundled drivers' providers serve and their neighbours.
COUNTRIES: Mapping[str, Country] = {
    "AM": _country("374", "0", 8),
    "AZ": _country("994", "0", 9),
    "BY": _country("375", "80", 9),
    "GE": _country("995", "0", 9),
    "KG": _country("996", "0", 9),
    "KZ": _country("7", "8", 10),
    "MD": _country("373", "0", 8),
    "RU": _country("7", "8", 10),
    "TJ": _country("992", "8", 9),
    "TM": _country("993", "8", 8),
    "UA": _country("380", "0", 9),
    "UZ": _country("998", "8", 9),
}


def country_code(value: str | None) -> str | None:
    """Check a country setting: an ISO code of :data:`COUNTRIES` (any case), or None.

    An empty string means None, so ``SMSBRIDGE_DEFAULT_COUNTRY=`` turns a driver's default
    off.
    """
    return _country_code(value, "default_country")


def _country_code(value: str | None, field: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = value.strip().upper() if isinstance(value, str) else value
    if code not in COUNTRIES:
        raise ValidationError(
            f"unknown country {value!r}; known countries: {', '.join(sorted(COUNTRIES))}",
            field=field)
    return code


def country_setting(default: str | None = None) -> Any:
    """Declare a driver's ``default_country`` setting (for national providers).

    The client reads national recipients (``0550 123 456``) as this country's numbers::

        default_country: str | None = country_setting("KG")
    """
    return attrs.field(default=country_code(default), converter=country_code)


def normalize_number(number: str | int, country: str | None = None) -> str:
    """Return a phone number as international digits only, the form every driver takes.

    ``"+996 550 123-456"``, ``"(996) 550123456"``, ``"00996550123456"`` and integers are
    international already. With ``country`` (an ISO code such as ``"KG"``), a national
    number is completed with the country's calling code: ``normalize_number("0550 123 456",
    country="KG")`` is ``"996550123456"``, as is ``"550 123 456"``. A number is read as
    national only when its length says so; anything else is taken as international.
    Without ``country`` the digits are kept as they are (a driver whose provider takes
    national forms converts them itself).

    :raises ValidationError: for anything that is not 7 to 15 digits, and for an unknown
        ``country``.
    """
    return _normalize(number, _country_code(country, "country"))


def _normalize(number: str | int, code: str | None) -> str:
    """:func:`normalize_number` for a checked country code."""
    if (type(number) is str and MIN_DIGITS <= len(number) <= MAX_DIGITS
            and number.isascii() and number.isdigit() and number[0] != "0"
            and (code is None or _is_international(number, COUNTRIES[code]))):
        return number  # digits already (a campaign's usual input): nothing to strip
    if isinstance(number, bool) or not isinstance(number, (str, int)):
        raise ValidationError(f"phone number must be a string, got {type(number).__name__}",
                              field="to")
    if isinstance(number, int) and not 0 < number < 10**MAX_DIGITS:
        raise ValidationError("invalid phone number: a number given as an integer must be "
                              "positive, with at most 15 digits", field="to")
    if isinstance(number, str) and len(number) > _MAX_TEXT:
        raise ValidationError(f"invalid phone number: {len(number)} characters long",
                              field="to")
    text = _SEPARATORS.sub("", str(number))
    international = text.startswith(("+", "00"))
    text = text[1:] if text.startswith("+") else text[2:] if international else text
    if not text.isascii() or not text.isdigit():
        raise ValidationError(f"invalid phone number {number!r}: only digits, spaces, "
                              "dashes, brackets and a leading + are allowed", field="to")
    if not international and code is not None:
        text = _internationalize(text, COUNTRIES[code])
        if text.startswith("0"):  # no calling code starts with 0: a national number
            raise ValidationError(
                f"invalid phone number {number!r}: a national number of {code} has "
                f"{' or '.join(map(str, sorted(COUNTRIES[code].lengths)))} digits after "
                "its leading 0", field="to")
    if not MIN_DIGITS <= len(text) <= MAX_DIGITS:
        raise ValidationError(f"invalid phone number {number!r}: expected {MIN_DIGITS} to "
                              f"{MAX_DIGITS} digits in international format", field="to")
    return text


def _is_international(digits: str, country: Country) -> bool:
    """True when ``digits`` read as this country's number with its calling code already
    (what :func:`_internationalize` keeps as it is)."""
    trunk, code = country.trunk_prefix, country.calling_code
    return (digits.startswith(code) and len(digits) - len(code) in country.lengths
            and not (trunk and digits.startswith(trunk)))


def _internationalize(digits: str, country: Country) -> str:
    trunk = country.trunk_prefix
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in country.lengths:
        return country.calling_code + digits[len(trunk):]
    if digits.startswith("0"):
        return digits  # national, but of no length this country uses: refused
    already = (digits.startswith(country.calling_code)
               and len(digits) - len(country.calling_code) in country.lengths)
    if len(digits) in country.lengths and not already:
        return country.calling_code + digits
    return digits


def normalize_msisdn(number: str | int) -> str:
    """Return an international phone number as digits only (no national numbers)."""
    return normalize_number(number)


def normalize_many(numbers: str | int | Iterable[str | int],
                   country: str | None = None) -> Iterator[str]:
    """Normalize one number or lazily each number of an iterable."""
    code = _country_code(country, "country")
    if isinstance(numbers, (str, int)):
        yield _normalize(numbers, code)
        return
    if numbers is None or isinstance(numbers, (bytes, Mapping)) or not isinstance(
            numbers, Iterable):
        raise ValidationError(f"expected a phone number or an iterable of them, got "
                              f"{type(numbers).__name__}", field="to")
    for number in numbers:
        yield _normalize(number, code)
