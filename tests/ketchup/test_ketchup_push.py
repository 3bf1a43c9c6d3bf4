"""KetchUp's pushes: the simulator posts SMS, Viber and HLR reports like the provider, and
the driver reads them back with the ids its sends returned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import smsbridge
from smsbridge.models import DeliveryState, HlrResult, HlrStatus, StatusReport
from smsbridge.transport import RetryPolicy
from smsbridge_ketchup.simulator import KetchupSimulator

NUMBER = "380972000001"
PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def sim(receiver: Any) -> Iterator[KetchupSimulator]:
    sim = KetchupSimulator(undeliverable={"380972000099"}, callback_url=receiver.url)
    sim.push_delays = (0.05,) * 5
    yield sim
    sim.stop_pushing()


@pytest.fixture
def sms(sim: KetchupSimulator) -> Iterator[smsbridge.Client]:
    with sim.serve() as url:
        client = smsbridge.connect("ketchup", retry=RetryPolicy(retries=0), sender="ACME",
                                   **sim.client_settings(url))
        yield client
        client.close()


def reports(sms: smsbridge.Client, receiver: Any) -> list[tuple[str, Any]]:
    out = []
    for push in receiver.received:
        for report in sms.parse_callback(push.body, push.content_type):
            state = report.state if isinstance(report, StatusReport) else report.status
            out.append((report.message_id if isinstance(report, StatusReport) else report.id,
                        state))
    return out


def test_sms_status_changes_are_pushed_as_statistics_rows(
        sim: KetchupSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    result = sms.send([NUMBER, "380972000099"], "hello")
    ok, failing = result.ids
    for _ in range(3):
        sim.advance()
        assert sim.wait_pushes(5)

    assert [r.path for r in receiver.received] == ["/dlr"] * 4
    row = json.loads(receiver.received[0].body)["message_data"][0]
    assert row["message_ID"] == int(ok)
    assert row["message_type"] == "sms"
    assert row["Status"] == "Sent"
    assert row["price"] == "0.02 EUR"
    assert reports(sms, receiver) == [
        (ok, DeliveryState.SENT), (failing, DeliveryState.SENT),
        (ok, DeliveryState.DELIVERED), (failing, DeliveryState.UNDELIVERED)]


def test_viber_reports_go_to_the_message_callback_url(
        sim: KetchupSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    viber_url = receiver.url.replace("/dlr", "/viber-dlr")
    message_id = sms.send(NUMBER, "hi", channel="viber", callback_url=viber_url).ids[0]
    for _ in range(4):
        sim.advance()
        assert sim.wait_pushes(5)
    assert {r.path for r in receiver.received} == {"/viber-dlr"}
    assert reports(sms, receiver) == [(message_id, DeliveryState.SENT),
                                      (message_id, DeliveryState.DELIVERED),
                                      (message_id, DeliveryState.READ)]


def test_hlr_results_are_pushed_when_known(sim: KetchupSimulator, sms: smsbridge.Client,
                                           receiver: Any) -> None:
    hlr_url = receiver.url.replace("/dlr", "/hlr")
    created = sms.hlr([NUMBER], callback_url=hlr_url)
    assert sim.wait_pushes(5)
    assert [r.path for r in receiver.received] == ["/hlr"]
    (pushed,) = sms.parse_callback(receiver.received[0].body)
    assert isinstance(pushed, HlrResult)
    assert (pushed.id, pushed.msisdn, pushed.status, pushed.network) == (
        created[0].id, NUMBER, HlrStatus.ACTIVE, "25501")


def test_a_status_query_that_moves_a_message_pushes_it(
        sim: KetchupSimulator, sms: smsbridge.Client, receiver: Any) -> None:
    message_id = sms.send(NUMBER, "hello").ids[0]
    assert sms.status(message_id).state is DeliveryState.SENT
    assert sim.wait_pushes(5)
    assert reports(sms, receiver) == [(message_id, DeliveryState.SENT)]


def test_non_2xx_is_retried_five_times_at_most(sim: KetchupSimulator, sms: smsbridge.Client,
                                               receiver: Any) -> None:
    receiver.answer([500, 404, 302])
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert [p.status for p in sim.pushes] == [500, 404, 302, 200]
    receiver.answer([503] * 10)
    sim.advance()
    assert sim.wait_pushes(5)
    assert [p.status for p in sim.pushes][4:] == [503] * 6


def test_the_documented_statistics_rows_parse(sms: smsbridge.Client) -> None:
    body = (PAYLOADS / "push-stat-rows.json").read_bytes()
    sms_report, hlr, viber = sms.parse_callback(body)
    assert isinstance(sms_report, StatusReport)
    assert (sms_report.message_id, sms_report.recipient, sms_report.state,
            sms_report.provider_state, sms_report.price, sms_report.currency) == (
        "1529112192", "380505142320", DeliveryState.DELIVERED, "Delivered",
        Decimal("0.0000000"), "EUR")
    assert sms_report.delivered_at == datetime(2020, 10, 22, 17, 28, 45, tzinfo=timezone.utc)
    assert isinstance(hlr, HlrResult)
    assert (hlr.id, hlr.status, hlr.network, hlr.ported, hlr.roaming) == (
        "1529112193", HlrStatus.ACTIVE, "25503", True, False)
    assert isinstance(viber, StatusReport)
    assert (viber.message_id, viber.state, viber.delivered_at) == (
        "viber:1529112194", DeliveryState.UNDELIVERED, None)


def test_a_row_without_status_is_invalid(sms: smsbridge.Client) -> None:
    with pytest.raises(smsbridge.InvalidResponse):
        sms.parse_callback(b'{"message_data": [{"message_ID": 1, "msisdn": 380505142320}]}')


def test_any_2xx_acknowledges_a_push(sim: KetchupSimulator, sms: smsbridge.Client,
                                     receiver: Any) -> None:
    receiver.answer([204])
    sms.send(NUMBER, "hello")
    sim.advance()
    assert sim.wait_pushes(5)
    assert [(p.status, p.ok) for p in sim.pushes] == [(204, True)]
