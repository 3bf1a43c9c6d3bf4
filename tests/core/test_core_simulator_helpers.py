"""The simulator kit's helpers beyond routing: JSON bodies and answers, whole numbers and
checked values, headers on every answer, held records, paying, references, local times
(over HTTP on 127.0.0.1 where a request is involved)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, ClassVar

import pytest
import requests
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from smsbridge.testing.accounts import Accounts
from smsbridge.testing.answers import (
    Refusal,
    checked,
    json_answer,
    json_body,
    local_time,
    read_local_time,
    whole,
)
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.messages import NEVER, MessageBook
from smsbridge.testing.routes import route
from smsbridge.testing.simulator import Simulator


def request(data: bytes) -> Request:
    return Request(EnvironBuilder("/", method="POST", data=data).get_environ())


def test_json_body_reads_json_or_refuses_as_the_provider() -> None:
    unreadable = Refusal(24, "Invalid request payload")

    assert json_body(request(b'{"a": [1, "\xc3\xa9"]}')) == {"a": [1, "é"]}
    assert json_body(request(b"null"), unreadable) is None
    for data in (b"", b"{", b"not json"):
        assert json_body(request(data)) is None
        with pytest.raises(Refusal) as refused:
            json_body(request(data), unreadable)
        assert refused.value is unreadable


def test_json_answer_keeps_utf8_or_escapes_as_php_in_the_providers_content_type() -> None:
    payload = {"text": "Привет", "price": Decimal("0.02")}
    plain = json_answer(payload)
    assert plain.headers["Content-Type"] == "application/json; charset=utf-8"
    assert plain.get_data() == '{"text": "Привет", "price": 0.02}'.encode()
    php = json_answer(payload, 404, content_type="text/json", ascii_only=True)
    assert (php.status_code, php.headers["Content-Type"]) == (404, "text/json")
    escaped = b'"\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442"'
    assert php.get_data() == b'{"text": ' + escaped + b', "price": 0.02}'


def test_whole_reads_a_json_number_or_a_string_of_digits() -> None:
    assert [whole(v) for v in (72, "72", " 72 ", 0, "007")] == [72, 72, 72, 0, 7]
    # int() cannot read "²", which str.isdigit() takes: None, not a crash.
    for value in (True, 7.5, "7a", "", "-1", "²", None, [72]):
        assert whole(value) is None


def test_checked_gives_a_matching_string_or_raises_the_providers_refusal() -> None:
    refusal = Refusal(11, "Incorrect msisdn")
    number = re.compile(r"^\d{10,15}$")
    assert checked("380972000001", number, refusal) == "380972000001"
    for value in ("3809", "380972000001x", 380972000001, None):
        with pytest.raises(Refusal) as refused:
            checked(value, number, refusal)
        assert refused.value is refusal


class Framework(Simulator):
    """A provider whose web framework adds headers to every answer."""

    answer_headers: ClassVar[dict[str, str]] = {"X-Frame-Options": "DENY",
                                                "Cache-Control": "no-cache"}

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url}

    @route("/ok")
    def _ok(self, request: Request) -> Response:
        return json_answer({"ok": True}, headers={"Cache-Control": "max-age=5"})

    @route("/refused")
    def _refused(self, request: Request) -> Response:
        raise Refusal(3, "no", status=403)


@pytest.fixture
def url() -> Iterator[str]:
    with Framework().serve() as served:
        yield served


def test_answer_headers_go_on_every_answer_a_handlers_own_winning(url: str) -> None:
    ok = requests.get(url + "/ok", timeout=5)
    assert (ok.headers["X-Frame-Options"], ok.headers["Cache-Control"]) == ("DENY",
                                                                              "max-age=5")
    for path, status in (("/refused", 403), ("/nothing", 404)):
        answer = requests.get(url + path, timeout=5)
        assert (answer.status_code, answer.headers["X-Frame-Options"],
                answer.headers["Cache-Control"]) == (status, "DENY", "no-cache")


def test_held_records_stay_out_of_the_ledger_until_released() -> None:
    now = [1000.0]
    book = MessageBook(lambda: now[0])
    held = book.add(id="1", recipient="111", text="held", not_before=NEVER)
    book.add(id="2", recipient="222", text="free")

    assert [m.recipient for m in book.ledger()] == ["222"]
    assert book.step(held) is False

    book.release([held], 1500.0)
    assert [m.recipient for m in book.ledger()] == ["111", "222"]
    assert book.step(held) is False  # not due before 1500
    now[0] = 1500.0
    assert book.step(held) is True
    assert held.state == "sent"
    book.release([held], NEVER)
    assert [m.recipient for m in book.ledger()] == ["222"]


def test_pay_charges_or_refuses_and_afford_checks_a_total_without_charging() -> None:
    account = Accounts().add("acme", balance="1.00", price="0.25")
    unpaid = Refusal(8, "Not enough money")

    account.afford(Decimal("1.00"), unpaid)
    assert account.balance == Decimal("1.00")
    with pytest.raises(Refusal) as refused:
        account.afford(Decimal("1.01"), unpaid)
    assert refused.value is unpaid

    account.pay(Decimal("0.75"), unpaid)
    assert account.balance == Decimal("0.25")
    with pytest.raises(Refusal):
        account.pay(Decimal("0.50"), unpaid)
    assert account.balance == Decimal("0.25")  # nothing taken


def test_records_are_found_by_channel_and_reference_the_latest_winning() -> None:
    book = MessageBook(lambda: 1000.0)
    first = book.add(id="1", recipient="111", text="a", reference="ref-1")
    viber = book.add(id="2", recipient="111", text="b", reference="ref-1", channel="viber")
    book.add(id="3", recipient="111", text="c")  # no reference: not indexed

    assert book.referenced("ref-1") is first
    assert book.referenced("ref-1", "viber") is viber
    assert book.referenced("ref-2") is None
    assert book.referenced(None) is None
    again = book.add(id="4", recipient="222", text="d", reference="ref-1")
    assert book.referenced("ref-1") is again


def test_read_local_time_reads_the_providers_zone_and_layout_or_refuses() -> None:
    bishkek = timezone(timedelta(hours=6))
    unreadable = Refusal(8, "time: YYYYMMDDhhmmss")

    read = read_local_time("20260301120000", bishkek, "%Y%m%d%H%M%S", unreadable)
    assert read == datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc)
    assert local_time(read.timestamp(), bishkek, "%Y%m%d%H%M%S") == "20260301120000"
    for value in ("", "2026-03-01", "20261301120000"):
        with pytest.raises(Refusal) as refused:
            read_local_time(value, bishkek, "%Y%m%d%H%M%S", unreadable)
        assert refused.value is unreadable


class Shop(KitSimulator):
    """A kit simulator with no wire: ``record()`` is all these tests call."""

    failing_suffix = "0000"
    first_id = 70

    def client_settings(self, base_url: str) -> dict[str, Any]:
        return {"base_url": base_url}


def test_record_charges_once_for_every_message_with_texts_and_fields_of_their_own() -> None:
    shop = Shop(clock=lambda: 1000.0)
    account = shop.add_account("acme", balance="1.00", price="0.10")
    unpaid = Refusal(5, "no money")

    long_text = "x" * 161  # two GSM-7 parts
    records = shop.record(account, [
        "79001230000",
        {"recipient": "79001231111", "text": long_text},
        {"recipient": "79001232222", "id": "own-id", "cost": Decimal("0.01"),
         "path": ("queued", "rejected"), "extra": {"code": 48}},
    ], unpaid=unpaid, text="hi", sender="ACME", extra={"task": "t1"})

    assert [(r.id, r.recipient, r.text, r.parts, r.cost, r.path[-1]) for r in records] == [
        ("70", "79001230000", "hi", 1, Decimal("0.10"), "undelivered"),
        ("71", "79001231111", long_text, 2, Decimal("0.20"), "delivered"),
        ("own-id", "79001232222", "hi", 1, Decimal("0.01"), "rejected"),
    ]
    assert {r.sender for r in records} == {"ACME"} and {r.login for r in records} == {"acme"}
    assert account.balance == Decimal("0.69") and account.spent == Decimal("0.31")
    assert records[2].extra == {"task": "t1", "code": 48}
    records[0].extra["task"] = "changed"
    assert records[1].extra == {"task": "t1"}  # each record has an extra of its own

    with pytest.raises(Refusal) as refused:
        shop.record(account, ["79001233333"] * 7, unpaid=unpaid, text="hi")
    assert refused.value is unpaid
    assert account.balance == Decimal("0.69") and len(shop.messages) == 3
    assert [r.id for r in shop.record(account, ["79001234444"], unpaid=unpaid,
                                      text="hi")] == ["72"]  # no id spent on the refusal


def test_credit_lets_the_balance_go_below_zero_and_payments_and_refunds_are_counted() -> None:
    account = Accounts().add("acme", balance="1.00", credit_limit="2")
    unpaid = Refusal(8, "Not enough money")

    account.pay(Decimal("2.50"), unpaid)
    assert account.balance == Decimal("-1.50") and account.spent == Decimal("2.50")
    with pytest.raises(Refusal):
        account.pay(Decimal("0.51"), unpaid)
    account.refund(Decimal("0.50"))
    account.top_up("3")
    assert (account.balance, account.spent, account.paid_in) == (
        Decimal("2.00"), Decimal("2.00"), Decimal("3"))
    assert Accounts().add("plain", balance="1").can_pay(Decimal("1.01")) is False


def test_a_record_is_found_by_each_of_its_aliases() -> None:
    book = MessageBook(lambda: 1000.0)
    record = book.add(id="11,12", recipient="111", text="two parts", login="acme")
    book.alias(record, ["11", "12"])

    assert book.find("12") == [record] and book.find("11", "acme") == [record]
    assert book.find("11", "other") == [] and book.find("13") == []
    assert [m.provider_id for m in book.ledger()] == ["11,12"]  # still one message


def test_record_takes_the_parts_it_is_given_without_counting_the_text() -> None:
    shop = Shop(clock=lambda: 1000.0)
    account = shop.add_account("acme", balance="1.00", price="0.10")

    (record,) = shop.record(account, ["79001230001"], unpaid=Refusal(5), text="hi", parts=3)
    assert (record.parts, record.cost, account.balance) == (3, Decimal("0.30"), Decimal("0.70"))
