"""End to end: the real KetchUp driver against its simulator over 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    DuplicateMessage,
    InsufficientFunds,
    InvalidSender,
    NotFound,
)
from smsbridge.models import DeliveryState, HlrStatus
from smsbridge.testing.fixtures import until_final
from smsbridge.transport import RetryPolicy
from smsbridge_ketchup.simulator import KetchupSimulator

NUMBER = "380972000001"


@pytest.fixture
def sim() -> KetchupSimulator:
    return KetchupSimulator(undeliverable={"380972000099"}, not_viber_users={"380972000098"},
                            absent={"380972000097"})


@pytest.fixture
def served(sim: KetchupSimulator) -> Iterator[str]:
    with sim.serve() as url:
        yield url


def _connect(sim: KetchupSimulator, url: str, **overrides: Any) -> smsbridge.Client:
    retry = RetryPolicy(retries=2, sleep=lambda _: None)
    settings = {**sim.client_settings(url), "sender": "ACME", "timeout": 5.0,
                "report_poll_interval": 1.0, **overrides}
    return smsbridge.connect("ketchup", retry=retry, **settings)


@pytest.fixture
def sms(sim: KetchupSimulator, served: str) -> Iterator[smsbridge.Client]:
    with _connect(sim, served) as client:
        yield client


def test_send_then_status_until_delivered(sim, sms):
    before = sim.account.balance
    result = sms.send(NUMBER, "hello")
    assert result.ok
    assert sim.account.balance == before - Decimal("0.02")
    states = until_final(sms, result.ids[0]).states
    assert states == [DeliveryState.SENT, DeliveryState.DELIVERED]


def test_a_failing_number_ends_undelivered(sms):
    result = sms.send(["380972000099", NUMBER], "hello", reference="camp1")
    failing = result.messages[0]
    assert until_final(sms, failing.message_id).states[-1] is DeliveryState.UNDELIVERED
    stats = sms.driver.task_status(failing.raw["task_id"])
    assert stats.undelivered == 1


def test_money_goes_down_per_part(sim, sms):
    before = sim.account.balance
    sms.send([NUMBER, "380972000002"], "x" * 200)  # two parts each
    assert sim.account.balance == before - Decimal("0.08")


def test_send_many_individual_and_viber(sim, sms):
    result = sms.send_many([
        smsbridge.Message(to=NUMBER, text="one"),
        smsbridge.Message(to="380972000002", text="two", sender="Other"),
        smsbridge.Message(to="380972000098", text="viber", channel="viber",
                          options={"image": "https://x.test/i.png", "caption": "Go",
                                   "action": "https://x.test"}),
    ])
    assert result.ok
    _sms_id, _, viber_id = result.ids
    assert viber_id.startswith("viber:")
    assert {m.sender for m in sim.messages} == {"ACME", "Other"}
    assert until_final(sms, viber_id).states[-1] is DeliveryState.UNDELIVERED
    assert sms.status(viber_id).provider_state == "not-viber-user"


def test_viber_reaches_read(sms):
    result = sms.send(NUMBER, "hi", channel="viber", validity=3600)
    assert until_final(sms, result.ids[0], until=DeliveryState.READ).states == [
        DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.READ]


def test_bad_key_is_an_auth_error(sim, served):
    with _connect(sim, served, api_key="wrong-key") as client:
        with pytest.raises(AuthError) as caught:
            client.send(NUMBER, "hello")
        assert caught.value.code == "1"
    assert not sim.ledger()


def test_insufficient_funds(served):
    sim = KetchupSimulator(balance=Decimal("0.01"))
    with sim.serve() as url, _connect(sim, url) as client, pytest.raises(InsufficientFunds):
        client.send(NUMBER, "hello")


def test_simulator_answers_documented_errors(sim, served, sms):
    import requests

    headers = {"X-API-KEY": "demo-key"}
    with requests.Session() as http:
        long_sender = http.post(f"{served}/rest/sms/create", headers=headers, json={
            "destination": "phone", "originator": "A" * 15, "body": "x", "msisdn": NUMBER,
            "reference": "r1"}).json()
        bad_number = http.post(f"{served}/rest/sms/create", headers=headers, json={
            "destination": "phone", "originator": "ACME", "body": "x", "msisdn": "12",
            "reference": "r2"}).json()
    assert long_sender == {"error": "25", "errorDescription": "Invalid originator"}
    # A refused single SMS is a failed message inside "result", as the platform answers.
    assert bad_number == {"result": {"error": 21, "errorDescription": "Incorrect msisdn",
                                     "reference": "r2"}}
    with pytest.raises(NotFound):
        sms.status("424242")
    with pytest.raises(NotFound):
        sms.hlr_result("424242")
    _ = InvalidSender


def test_a_5xx_on_a_read_is_retried(sim, sms):
    result = sms.send(NUMBER, "hello")
    sim.inject("status", status=503, path=f"/sms/{result.ids[0]}")
    assert sms.status(result.ids[0]).state is DeliveryState.SENT


def test_lost_answer_of_a_send_is_repeated_without_doubling(sim, sms):
    sim.inject("drop_after_accept", path="/sms/create")
    result = sms.send(NUMBER, "hello", reference="order42")
    assert len(sim.ledger()) == 1
    [sent] = result.messages
    [accepted] = sim.ledger()
    assert accepted.reference == "order42"
    assert sent.ok and sent.message_id == accepted.provider_id
    assert sms.status(sent.message_id).recipient == NUMBER


def test_lost_answers_beyond_the_retries_give_delivery_unknown(sim, sms):
    sim.inject("drop_after_accept", path="/sms/create", times=3)
    with pytest.raises(DeliveryUnknown):
        sms.send([NUMBER, "380972000002"], "hello")
    assert len(sim.ledger()) == 2  # accepted once, never doubled


def test_lost_batch_answer_keeps_ids(sim, sms):
    sim.inject("drop_after_accept", path="/sms/create")
    result = sms.send([NUMBER, "380972000002"], "hello", reference="bulk")
    assert result.ok and len(sim.ledger()) == 2
    assert sorted(result.ids) == sorted(m.provider_id for m in sim.ledger())


def test_hlr_create_and_results(sim, sms):
    created = sms.hlr([NUMBER, "380972000097"], reference="h")
    assert [r.status for r in created] == [HlrStatus.SENT, HlrStatus.SENT]
    active = sms.hlr_result(created[0].id)
    absent = sms.driver.hlr_by_reference(created[1].reference)
    assert active.status is HlrStatus.ACTIVE and active.network == "25501"
    assert absent.status is HlrStatus.ABSENT and absent.network is None
    [one] = sms.hlr("380972000003")
    assert sms.hlr_result(one.id).ported is False


def test_prices_and_estimates(sms):
    assert {p.channel for p in sms.prices()} == {"sms", "viber", "hlr"}
    assert sms.prices("sms", tariff=3)[0].country == "AE"
    assert sms.driver.estimate([NUMBER, "380972000002"], "hi").price == Decimal("0.04")
    assert sms.driver.estimate(NUMBER, "hi", channel="viber").price == Decimal("0.01")


def test_report_and_exports(sim, sms):
    result = sms.send([NUMBER, "380972000099"], "hello")
    for message_id in result.ids:
        until_final(sms, message_id)
    start = datetime.now(timezone.utc) - timedelta(days=1)
    stats = sms.report(start, start + timedelta(days=2))
    assert (stats.total, stats.delivered, stats.undelivered) == (2, 1, 1)
    assert not sim.exports  # cleaned up
    key = sms.driver.create_export(message_ids=[result.ids[0]])
    assert sms.driver.list_exports()["files"] == [key]
    with pytest.raises(smsbridge.ProviderError) as caught:
        sms.driver.export_rows(key)
    assert caught.value.code == "91"
    assert len(sms.driver.export_rows(key)) == 1
    sms.driver.delete_export(key)
    assert not sim.exports


# -- repeats across processes and references ---------------------------------------------


def test_rerun_in_a_fresh_client_returns_the_first_acceptance(sim, served):
    numbers = [NUMBER, "380972000002", "380972000003"]
    with _connect(sim, served) as first_client:
        first = first_client.send(numbers, "hello", reference="campaign7")
    with _connect(sim, served) as second_client:
        again = second_client.send(numbers, "hello", reference="campaign7")
    assert again.ids == first.ids and all(m.ok for m in again)
    assert len(sim.ledger()) == 3
    assert sim.account.balance == Decimal("10") - 3 * Decimal("0.02")


def test_viber_rerun_in_a_fresh_client_returns_the_first_acceptance(sim, served):
    with _connect(sim, served) as first_client:
        first = first_client.send(NUMBER, "hi", channel="viber", reference="v1")
    with _connect(sim, served) as second_client:
        again = second_client.send(NUMBER, "hi", channel="viber", reference="v1")
    assert again.ids == first.ids and again.ids[0].startswith("viber:")
    assert [m.channel for m in sim.ledger()] == ["viber"]
    sent = [r for r in sim.requests if r.path.endswith("/viber/create")]
    assert [b'"reference": "v1"' in r.body for r in sent] == [True, True]


def test_reused_reference_for_another_number_is_that_recipients_conflict(sim, sms):
    sms.send(NUMBER, "first", reference="mine1")
    with pytest.raises(DuplicateMessage) as caught:
        sms.send("380972000002", "second", reference="mine1")
    assert "mine1 already belongs to another message" in str(caught.value)
    assert [m.recipient for m in sim.ledger()] == [NUMBER]


def test_status_by_reference_maps_the_reference_as_send_did(sim, sms):
    [sent] = sms.send(NUMBER, "hello", reference="ext_id_16").messages
    report = sms.driver.status_by_reference("ext_id_16")
    assert report.recipient == NUMBER
    assert {m.provider_id: m.reference for m in sim.ledger()}[sent.message_id] != "ext_id_16"

    many = sms.send([NUMBER, "380972000002"], "hello", reference="ext_id_17")
    second = sms.driver.status_by_reference("ext_id_17", recipient="+380 97 200 0002")
    assert second.recipient == "380972000002"
    assert second.message_id == f"ref:{many.messages[1].reference}"


def test_viber_status_by_reference_maps_the_reference(sim, sms):
    sms.send(NUMBER, "hi", channel="viber", reference="ext_id_18")
    assert sms.driver.status_by_reference("ext_id_18", channel="viber").recipient == NUMBER


def test_hlr_by_reference_maps_the_reference_as_hlr_did(sim, sms):
    sms.hlr(NUMBER, reference="hlr_ext_1")
    assert sms.driver.hlr_by_reference("hlr_ext_1").msisdn == NUMBER
    sms.hlr([NUMBER, "380972000097"], reference="hlr_ext_2")
    found = sms.driver.hlr_by_reference("hlr_ext_2", msisdn="380972000097")
    assert found.status is HlrStatus.ABSENT


def test_later_request_of_a_chunk_failing_keeps_the_earlier_in_partial(sim, sms):
    # One chunk, two requests (SMS, then Viber); the Viber answer is lost every time.
    sim.inject("drop_after_accept", path="/viber/create", times=3)
    with pytest.raises(DeliveryUnknown) as caught:
        sms.send_many([smsbridge.Message(to=NUMBER, text="sms", reference="p1"),
                       smsbridge.Message(to="380972000002", text="viber", channel="viber",
                                         reference="p2")])
    [kept] = caught.value.partial.messages
    assert kept.ok and kept.recipient == NUMBER
    assert sorted(m.recipient for m in sim.ledger()) == [NUMBER, "380972000002"]


def test_a_repeat_of_an_accepted_batch_is_not_refused_for_money(sim, served):
    numbers = [NUMBER, "380972000002"]
    sim.account.balance = Decimal("0.04")  # exactly two SMS
    with _connect(sim, served) as first_client:
        first = first_client.send(numbers, "hello", reference="paid1")
    with _connect(sim, served) as second_client:
        again = second_client.send(numbers, "hello", reference="paid1")
    assert again.ids == first.ids and sim.account.balance == Decimal("0")


def test_hlr_rerun_in_a_fresh_client_returns_the_first_requests(sim, served):
    numbers = [NUMBER, "380972000097"]
    with _connect(sim, served) as first_client:
        first = first_client.hlr(numbers, reference="hlrjob")
    with _connect(sim, served) as second_client:
        again = second_client.hlr(numbers, reference="hlrjob")
    assert [r.id for r in again] == [r.id for r in first]
    assert [r.status for r in again] == [HlrStatus.ACTIVE, HlrStatus.ABSENT]
    assert len(sim.hlrs) == 2


def test_deliver_after_moves_messages_on_the_simulators_clock():
    now = [1_770_000_000.0]
    sim = KetchupSimulator(clock=lambda: now[0], undeliverable={"380972000099"})
    sim.deliver_after = 30
    with sim.serve() as url, _connect(sim, url) as client:
        first = client.send(NUMBER, "timed").ids[0]
        failed = client.send("380972000099", "timed").ids[0]
        assert client.status(first).state is DeliveryState.SENT
        now[0] += 30
        assert client.status(first).state is DeliveryState.DELIVERED
        assert client.status(failed).state is DeliveryState.UNDELIVERED
    assert [(m.recipient, m.state) for m in sim.ledger()] == [
        (NUMBER, "delivered"), ("380972000099", "undelivered")]
