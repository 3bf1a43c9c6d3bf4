"""KetchUp status, prices, estimates, HLR and pushes: requests and parsed results."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
import requests
from responses import matchers

import smsbridge
from smsbridge.errors import (
    DuplicateMessage,
    InvalidRecipient,
    InvalidResponse,
    NotFound,
    NotSupported,
    ProviderError,
    TransportError,
    ValidationError,
)
from smsbridge.models import DeliveryState, HlrStatus

BASE = "https://ketchup.test/rest"
API_KEY = "live_s3cret-key-42"
UTC = timezone.utc


# -- status ---------------------------------------------------------------------------


def test_status_by_id(client, mocked, payload):
    mocked.get(f"{BASE}/sms/211", body=payload("sms-status-id.json"),
             match=[matchers.header_matcher({"X-API-KEY": API_KEY})])
    report = client.status("211")
    assert report.message_id == "211"
    assert report.recipient == "380972000001"
    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "delivered"
    assert report.sent_at == datetime(2017, 1, 17, 9, 11, 41, tzinfo=UTC)
    assert report.delivered_at == datetime(2017, 1, 17, 9, 11, 41, tzinfo=UTC)
    assert report.price == Decimal("0.23") and report.currency == "EUR"
    assert report.raw["reference"] == "ext_id_19"


def test_the_user_agent_reports_the_ketchup_distribution_version(client, mocked, payload, sms_wire):
    from importlib import metadata

    mocked.get(f"{BASE}/sms/211", body=payload("sms-status-id.json"))
    client.status("211")
    agent = sms_wire[0].headers["User-Agent"]
    assert f" smsbridge-ketchup/{metadata.version('smsbridge-ketchup')} " in agent
    assert agent.startswith(f"smsbridge/{metadata.version('smsbridge')} ")


def test_the_user_agent_follows_the_ketchup_distribution_not_the_core(
        connect, mocked, payload, monkeypatch, sms_wire):
    from smsbridge import driver as driver_module

    versions = {"smsbridge_ketchup": "7.7.7"}
    monkeypatch.setattr(driver_module, "distribution_version",
                        lambda module: versions.get(module.split(".")[0]))
    mocked.get(f"{BASE}/sms/211", body=payload("sms-status-id.json"))
    connect().status("211")
    assert " smsbridge-ketchup/7.7.7 " in sms_wire[0].headers["User-Agent"]


def test_status_by_reference_strips_the_word(client, mocked, payload):
    mocked.get(f"{BASE}/sms/reference/12erdgm9", body=payload("sms-status-reference.json"))
    report = client.driver.status_by_reference("12erdgm9")
    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "delivered"
    assert report.delivered_at == datetime(2016, 1, 1, 0, 1, 1, tzinfo=UTC)
    assert report.message_id == "ref:12erdgm9"
    assert client.status("ref:12erdgm9").state is DeliveryState.DELIVERED


def test_status_of_a_viber_id_asks_the_viber_module(client, mocked, payload):
    mocked.get(f"{BASE}/viber/22125", body=payload("viber-status.json"))
    report = client.status("viber:22125")
    assert report.state is DeliveryState.READ
    assert report.provider_state == "read"
    assert report.message_id == "viber:22125"


def test_viber_status_by_reference(client, mocked, payload):
    mocked.get(f"{BASE}/viber/reference/12erdgm9", body=payload("viber-status.json"))
    assert client.driver.status_by_reference("12erdgm9", "viber").state is DeliveryState.READ


def test_status_not_found(client, mocked, payload):
    mocked.get(f"{BASE}/sms/999", body=payload("sms-status-error-20.json"))
    with pytest.raises(NotFound) as caught:
        client.status("999")
    assert caught.value.code == "20"


def test_viber_status_not_found(client, mocked, payload):
    mocked.get(f"{BASE}/viber/999", body=payload("viber-status-error-40.json"))
    with pytest.raises(NotFound):
        client.status("viber:999")


@pytest.mark.parametrize("bad", ["../etc", "a b", "viber:", "ref:", "x" * 65])
def test_status_refuses_ids_it_never_issues(client, mocked, bad):
    with pytest.raises(ValidationError):
        client.status(bad)


@pytest.mark.parametrize(("word", "state"), [
    ("scheduled", DeliveryState.QUEUED), ("moderation", DeliveryState.QUEUED),
    ("accepted", DeliveryState.QUEUED), ("sending", DeliveryState.QUEUED),
    ("sent", DeliveryState.SENT), ("delivered", DeliveryState.DELIVERED),
    ("Delivered", DeliveryState.DELIVERED), ("read", DeliveryState.READ),
    ("undelivered", DeliveryState.UNDELIVERED), ("undeliverable", DeliveryState.UNDELIVERED),
    ("failed", DeliveryState.UNDELIVERED), ("not-viber-user", DeliveryState.UNDELIVERED),
    ("expired", DeliveryState.EXPIRED), ("rejected", DeliveryState.REJECTED),
    ("unknown", DeliveryState.UNKNOWN), ("something new", DeliveryState.UNKNOWN),
])
def test_every_status_word_maps(client, mocked, word, state):
    mocked.get(f"{BASE}/sms/1", json={"error": 0, "id": 1, "status": word})
    report = client.status("1")
    assert report.state is state
    assert report.provider_state == word


def test_every_status_of_the_table_is_tested():
    from smsbridge_ketchup.errors import STATUS_STATES

    assert set(STATUS_STATES) == {
        "scheduled", "moderation", "accepted", "sending", "sent", "delivered", "read",
        "undelivered", "undeliverable", "failed", "not-viber-user", "expired", "rejected",
        "unknown"}


def test_status_minimal_and_wrapped_answers(client, mocked):
    mocked.get(f"{BASE}/sms/211", json={"error": "0", "id": "211", "reference": "invite42",
                                      "status": "sent"})
    mocked.get(f"{BASE}/sms/212", json={"result": {"error": 0, "id": 212, "status": "delivered",
                                                 "price": "0.02"}})
    first = client.status("211")
    assert first.state is DeliveryState.SENT and first.recipient is None
    assert first.sent_at is None and first.price is None
    second = client.status("212")
    assert second.state is DeliveryState.DELIVERED and second.price == Decimal("0.02")


def test_status_without_a_status_is_invalid(client, mocked):
    mocked.get(f"{BASE}/sms/1", json={"error": 0, "id": 1})
    with pytest.raises(InvalidResponse):
        client.status("1")


def test_status_reads_are_retried_after_5xx(client, mocked, payload, sms_sleeps):
    mocked.get(f"{BASE}/sms/211", status=503, body="")
    mocked.get(f"{BASE}/sms/211", body=requests.exceptions.ReadTimeout())
    mocked.get(f"{BASE}/sms/211", body=payload("sms-status-id.json"))
    assert client.status("211").state is DeliveryState.DELIVERED
    assert len(sms_sleeps) == 2


def test_status_http_errors_without_code(client, mocked):
    mocked.get(f"{BASE}/sms/1", status=401, body="Unauthorized")
    with pytest.raises(smsbridge.AuthError) as caught:
        client.status("1")
    assert caught.value.http_status == 401
    for _ in range(3):
        mocked.get(f"{BASE}/sms/2", status=500, body="<html>oops</html>")
    with pytest.raises(ProviderError) as failed:
        client.status("2")
    assert failed.value.http_status == 500


def test_network_failure_on_a_read(client, mocked):
    for _ in range(3):
        mocked.get(f"{BASE}/sms/1", body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TransportError):
        client.status("1")


# -- task -----------------------------------------------------------------------------


def test_task_status(client, mocked, payload):
    mocked.get(f"{BASE}/sms/task/21902", body=payload("sms-task.json"))
    stats = client.driver.task_status("21902")
    assert (stats.sent, stats.delivered, stats.undelivered, stats.expired) == (2, 1, 1, 0)
    assert stats.in_progress == 0 and stats.total == 2
    assert stats.delivery_ratio == 0.5
    assert stats.raw["totalprice"] == "0.04"


def test_task_status_numbers_without_error_field(client, mocked, payload):
    mocked.get(f"{BASE}/sms/task/5", body=payload("sms-task-numbers.json"))
    stats = client.driver.task_status("5")
    assert stats.sent == 1 and stats.delivered == 1


def test_task_not_found(client, mocked, payload):
    mocked.get(f"{BASE}/sms/task/5", body=payload("sms-task-error-30.json"))
    with pytest.raises(NotFound) as caught:
        client.driver.task_status("5")
    assert caught.value.code == "30"


# -- prices and estimates -------------------------------------------------------------


def test_sms_prices_strip_country_and_mcc(client, mocked, payload):
    mocked.get(f"{BASE}/sms/prices", body=payload("sms-prices.json"))
    prices = client.prices("sms")
    assert [(p.channel, p.country, p.mcc, p.price) for p in prices] == [
        ("sms", "AE", "424", Decimal("0.02")), ("sms", "AF", "412", Decimal("0.05"))]
    assert prices[0].country_name == "United Arab Emirates"
    assert prices[0].currency == "EUR"


def test_prices_of_a_tariff(client, mocked, payload):
    mocked.get(f"{BASE}/viber/prices/3", body=payload("viber-prices.json"))
    prices = client.prices("viber", tariff=3)
    assert [p.channel for p in prices] == ["viber", "viber"]


def test_hlr_prices_with_nested_entries(connect, mocked, payload):
    client = connect(tariff=9)
    mocked.get(f"{BASE}/hlr/prices/9", body=payload("hlr-prices.json"))
    prices = client.prices("hlr")
    assert [p.country for p in prices] == ["AE", "AF"]
    assert prices[1].price == Decimal("0.002")


def test_all_prices_and_country_filter(client, mocked, payload):
    mocked.get(f"{BASE}/sms/prices", body=payload("sms-prices.json"))
    mocked.get(f"{BASE}/viber/prices", body=payload("viber-prices.json"))
    mocked.get(f"{BASE}/hlr/prices", body=payload("hlr-prices.json"))
    prices = client.prices(country="af")
    assert [(p.channel, p.country) for p in prices] == [
        ("sms", "AF"), ("viber", "AF"), ("hlr", "AF")]


def test_prices_wire_sample_numbers_and_empty_country(client, mocked):
    mocked.get(f"{BASE}/hlr/prices", json={"error": 0, "errorDescription": "No errors", "prices": [
        {"type": "hlr", "country": "", "country_name": "Other countries", "mcc": "",
         "price": "0.0034000", "currency": "EUR"},
        {"type": "hlr", "country": "AB", "country_name": "Abkhazia", "mcc": 289,
         "price": 0.005, "currency": "EUR"}]})
    other, abkhazia = client.prices("hlr")
    assert other.country is None and other.mcc is None
    assert abkhazia.mcc == "289" and abkhazia.price == Decimal("0.005")


def test_invalid_tariff_code(client, mocked, payload):
    mocked.get(f"{BASE}/sms/prices/7", body=payload("prices-error-6.json"))
    with pytest.raises(ProviderError) as caught:
        client.prices("sms", tariff=7)
    assert caught.value.code == "6"


@pytest.mark.parametrize("call", [
    lambda c: c.prices("fax"),
    lambda c: c.prices("sms", tariff=12),
    lambda c: c.prices("sms", zone="eu"),
])
def test_bad_price_filters(client, mocked, call):
    with pytest.raises(ValidationError):
        call(client)


def test_sms_estimate(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/sms/price", body=payload("sms-price.json"))
    price = client.driver.estimate(["380972000001", "380972000002"], "test sms")
    body = sms_wire[0].json()
    assert body["destination"] == "phones" and body["originator"] == "ACME"
    assert [p["msisdn"] for p in body["phones"]] == ["380972000001", "380972000002"]
    assert price.channel == "sms"
    assert price.price == Decimal("0.004") and price.currency == "EUR"


def test_viber_estimate(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/viber/price", body=payload("viber-price.json"))
    price = client.driver.estimate("380972000001", "hi", channel="viber", caption="Go")
    body = sms_wire[0].json()
    assert body["messages"][0]["options"] == {"viber": {"caption": "Go"}}
    assert price.channel == "viber" and price.price == Decimal("0.004")


def test_estimate_validates_first(client, mocked):
    with pytest.raises(ValidationError):
        client.driver.estimate("380972000001", "hi", sender="FAR-TOO-LONG-NAME")


# -- HLR ------------------------------------------------------------------------------


def test_hlr_one_number_as_form_fields(connect, mocked, payload, sms_wire):
    client = connect(tariff=9, callback_url="https://somelink.com/hlr")
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-one.json"))
    [result] = client.hlr("380505142320", reference="sendHLR0407")
    assert sms_wire[0].headers["Content-Type"].startswith("multipart/form-data")
    assert sms_wire[0].multipart() == {"msisdn": "380505142320", "reference": "sendHLR0407",
                                       "tariff": "9", "callback_url": "https://somelink.com/hlr"}
    assert result.id == "12123"
    assert result.status is HlrStatus.SENT
    assert result.msisdn == "380505142320" and result.reference == "sendHLR0407"
    assert result.price == Decimal("0.002") and result.currency == "EUR"


def test_hlr_many_numbers_as_payload(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-many.json"))
    results = client.hlr(["380972920000", "380972920001"], tariff=9)
    entries = json.loads(sms_wire[0].multipart()["payload"])
    assert [e["msisdn"] for e in entries] == ["380972920000", "380972920001"]
    assert all(e["tariff"] == 9 for e in entries)
    assert [r.id for r in results] == ["12345", "12346"]  # no reference of ours: by position
    assert all(r.status is HlrStatus.SENT for r in results)


HLR_BY_REFERENCE = re.compile(rf"{re.escape(BASE)}/hlr/reference/[a-z0-9]+$")


def _hlr_found(msisdn: str, id: str = "12345") -> dict[str, Any]:
    """A ``hlr/reference/{reference}`` answer in the document's shape."""
    return {"id": id, "reference": "ours", "msisdn": msisdn, "network": "25501",
            "status": "active", "details": {"ported": "0", "roaming": "0"},
            "createdDatetime": "2015-08-04T06:50:19+00:00",
            "statusDatetime": "2015-08-04T06:50:19+00:00"}


def test_hlr_per_item_error(client, mocked, payload):
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-many-duplicate.json"))
    # "exists": looked up by reference, it is a request for another number.
    mocked.get(HLR_BY_REFERENCE, body=payload("hlr-result.json"))
    first, second = client.hlr(["380972920000", "380972920001"])
    assert first.status is HlrStatus.FAILED and first.id is None
    assert "already belongs to another HLR request" in first.error
    assert second.status is HlrStatus.SENT and second.error is None


def test_hlr_duplicate_on_a_retry_is_success(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/hlr/create", body=requests.exceptions.ReadTimeout())
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-many-duplicate.json"))
    mocked.get(HLR_BY_REFERENCE, json=_hlr_found("380972920000"))
    first, _second = client.hlr(["380972920000", "380972920001"])
    assert first.status is HlrStatus.ACTIVE and first.id == "12345" and first.error is None
    assert sms_wire[0].multipart() == sms_wire[1].multipart()


def test_hlr_reference_exists_in_a_fresh_client_returns_the_earlier_request(client, mocked,
                                                                            sms_wire):
    mocked.post(f"{BASE}/hlr/create",
              json={"error": "13", "errorDescription": "HLR already exists"})
    mocked.get(f"{BASE}/hlr/reference/check1", json=_hlr_found("380972920000", id="777"))
    [found] = client.hlr("380972920000", reference="check1")
    assert found.id == "777" and found.status is HlrStatus.ACTIVE
    assert sms_wire[1].headers["X-API-KEY"] == API_KEY


def test_hlr_reference_of_another_number_is_duplicate_message(client, mocked, payload):
    mocked.post(f"{BASE}/hlr/create",
              json={"error": "13", "errorDescription": "HLR already exists"})
    mocked.get(f"{BASE}/hlr/reference/check1", body=payload("hlr-result.json"))
    with pytest.raises(DuplicateMessage) as caught:
        client.hlr("380972920000", reference="check1")
    assert "check1 already belongs to another HLR request" in str(caught.value)


def test_hlr_error_14_creates_nothing(client, mocked, payload):
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-many-error-14.json"))
    with pytest.raises(ProviderError) as caught:
        client.hlr(["380972920000", "380972920001"])
    assert caught.value.code == "14"


def test_hlr_incorrect_msisdn(client, mocked, payload):
    mocked.post(f"{BASE}/hlr/create", body=payload("hlr-create-one-error-11.json"))
    with pytest.raises(InvalidRecipient):
        client.hlr("380972920000")


def test_hlr_unknown_option(client, mocked):
    with pytest.raises(ValidationError):
        client.hlr("380972920000", colour="red")


def test_hlr_wire_sample_answers(client, mocked):
    mocked.post(f"{BASE}/hlr/create", json={"result": [{
        "error": 0, "errorDescription": "No errors", "msisdn": "380501111111",
        "reference": "1488536778", "tariff_code": "0", "callback_url": "", "price": 0.0025,
        "currency": "EUR", "id": "174568"}], "total_price": 0.0025, "currency": "EUR"})
    [result] = client.hlr("380501111111", reference="1488536778")
    assert result.id == "174568" and result.price == Decimal("0.0025")


def test_hlr_result(client, mocked, payload):
    mocked.get(f"{BASE}/hlr/34298934543", body=payload("hlr-result.json"))
    result = client.hlr_result("34298934543")
    assert result.id == "34298934543"
    assert result.reference == "1234567"
    assert result.msisdn == "380932990000"
    assert result.status is HlrStatus.UNKNOWN
    assert result.network is None
    assert result.ported is False and result.roaming is False


def test_hlr_by_reference_with_null_details(client, mocked):
    mocked.get(f"{BASE}/hlr/reference/su1488546296", json={
        "error": 0, "errorDescription": "No errors", "msisdn": "380501111111",
        "id": "380501111111", "reference": "su1488546296", "network": "25501",
        "status": "failed", "details": None})
    result = client.driver.hlr_by_reference("su1488546296")
    assert result.status is HlrStatus.FAILED and result.network == "25501"
    assert result.ported is None


@pytest.mark.parametrize(("word", "status"), [
    ("sent", HlrStatus.SENT), ("absent", HlrStatus.ABSENT), ("active", HlrStatus.ACTIVE),
    ("unknown", HlrStatus.UNKNOWN), ("failed", HlrStatus.FAILED), ("odd", HlrStatus.UNKNOWN),
])
def test_hlr_statuses(client, mocked, word, status):
    mocked.get(f"{BASE}/hlr/1", json={"id": "1", "msisdn": "380501111111", "status": word,
                                    "details": {"ported": "1", "roaming": 1}})
    result = client.hlr_result("1")
    assert result.status is status
    assert result.ported is True and result.roaming is True


def test_hlr_not_found_example_code_10(client, mocked, payload):
    mocked.get(f"{BASE}/hlr/1", body=payload("hlr-error-10.json"))
    with pytest.raises(NotFound):
        client.hlr_result("1")


def test_hlr_push_parses(client, payload):
    [result] = client.parse_callback(payload("hlr-result.json"), "application/json")
    assert result.id == "34298934543" and result.status is HlrStatus.UNKNOWN


def test_status_push_parses(client, payload):
    [report] = client.parse_callback(payload("viber-status.json").encode())
    assert report.state is DeliveryState.READ and report.recipient == "380972000000"
    assert report.message_id == "ref:12erdgm9"


def test_push_of_several_reports(client):
    body = json.dumps([{"id": "1", "msisdn": "380501111111", "status": "active"},
                       {"id": "2", "msisdn": "380501111112", "status": "absent"}])
    results = client.parse_callback(body)
    assert [r.status for r in results] == [HlrStatus.ACTIVE, HlrStatus.ABSENT]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": "1"}', b'"text"'])
def test_unreadable_push(client, body):
    with pytest.raises(InvalidResponse) as caught:
        client.parse_callback(body)
    assert caught.value.body is not None


# -- what KetchUp does not offer ------------------------------------------------------


def test_balance_and_lookup_are_not_supported(client):
    assert not client.supports("balance") and not client.supports("lookup")
    assert not client.supports("inbox")
    with pytest.raises(NotSupported):
        client.balance()
    with pytest.raises(NotSupported):
        client.lookup("380972000000")


def test_capabilities(client):
    assert client.capabilities >= {"send", "send_many", "status", "prices", "hlr",
                                   "hlr_result", "report", "parse_callback", "viber",
                                   "send_at"}


def test_url_form_takes_the_key(client):
    for url in ("ketchup://live_abc123@", "ketchup://:live_abc123@"):
        with smsbridge.connect(url) as sms:
            assert sms.driver.settings.api_key == "live_abc123"
            assert sms.driver.settings.base_url == "https://api.smsketchuployalty.com.ua/rest"
            assert "live_abc123" not in repr(sms.driver)


def test_test_key_is_recognised(connect):
    assert connect(api_key="test_abc").driver.is_test_key
    assert not connect(api_key="live_abc").driver.is_test_key


def test_settings_checks():
    with pytest.raises(smsbridge.ConfigError):
        smsbridge.connect("ketchup", api_key="k", tariff=10)
    with pytest.raises(smsbridge.ConfigError):
        smsbridge.connect("ketchup", api_key="k", chunk_size=0)


