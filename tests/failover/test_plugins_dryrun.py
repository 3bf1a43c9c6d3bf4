"""The dryrun plugin: validation as usual, nothing sent, what would be sent kept."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs
import pytest
import responses

import smsbridge
from smsbridge.errors import NotFound, ValidationError
from smsbridge.memory import MemoryDriver
from smsbridge.models import DeliveryState, HlrResult, HlrStatus, Message, SentMessage, StatusReport
from smsbridge.plugins import DryRunPlugin, find_plugin
from smsbridge.transport import Request

NUMBER = "996550123456"
API = "https://api.example.test"


@attrs.frozen(kw_only=True)
class WireSettings(smsbridge.BaseSettings):
    base_url: str = API


class WireDriver(smsbridge.Driver):
    """Every operation is an HTTP request, so any leak past the plugin shows."""

    name = "wire"
    settings_class = WireSettings
    batch_size = 2

    @smsbridge.hookimpl
    def validate(self, messages: Sequence[Message]) -> bool:
        for message in messages:
            if len(message.text) > 20:
                raise ValidationError("wire: text over 20 characters", field="text")
        return True

    @smsbridge.hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        response = self.perform(
            Request(method="POST", path="/send", json=[m.to for m in messages]),
            operation="send", send=True, idempotent=False)
        return [SentMessage(recipient=m.to, message_id=str(i), provider=self.name)
                for m, i in zip(messages, response.json(), strict=True)]

    @smsbridge.hookimpl
    def status(self, message_id: str) -> StatusReport:
        response = self.perform(
            Request(method="GET", path=f"/status/{message_id}"),
            operation="status")
        return StatusReport(message_id=message_id, state=DeliveryState(response.json()))

    @smsbridge.hookimpl
    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        response = self.perform(
            Request(method="POST", path="/hlr", json=list(msisdns)),
            operation="hlr", send=True, idempotent=False)
        return [HlrResult(id=str(i), msisdn=n) for n, i in zip(msisdns, response.json(),
                                                                strict=True)]

    @smsbridge.hookimpl
    def hlr_result(self, hlr_id: str) -> HlrResult:
        response = self.perform(
            Request(method="GET", path=f"/hlr/{hlr_id}"),
            operation="hlr_result")
        return HlrResult(id=hlr_id, msisdn=response.json())


@pytest.fixture
def dry_run() -> Iterator[tuple[smsbridge.Client, DryRunPlugin, responses.RequestsMock]]:
    plugin = DryRunPlugin()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, \
            smsbridge.Client(WireDriver(WireSettings()), plugins=[plugin]) as client:
        yield client, plugin, mock


def test_memory_outbox_stays_empty_and_the_plugin_keeps_the_messages() -> None:
    with smsbridge.connect("memory", plugins=["dryrun"]) as client:
        result = client.send(["+996 550 123 456", "996550123457"], "Sale on Monday",
                             sender="SHOP", reference="camp-1")
        assert isinstance(client.driver, MemoryDriver)
        assert client.driver.outbox == []
        plugin = find_plugin(client, DryRunPlugin)
    assert result.ids == ["dryrun-1", "dryrun-2"]
    assert {s.provider for s in result} == {"dryrun"}
    assert [s.parts for s in result] == [1, 1]
    assert [m.to for m in plugin.outbox] == [NUMBER, "996550123457"]
    assert plugin.outbox.last.sender == "SHOP"
    assert plugin.outbox.last.reference == "camp-1"


def test_no_request_is_made_and_ids_answer_status_locally(
        dry_run: tuple[smsbridge.Client, DryRunPlugin, responses.RequestsMock]) -> None:
    client, plugin, mock = dry_run
    result = client.send([NUMBER, "996550000002", "996550000003"], "hello")
    assert result.ids == ["dryrun-1", "dryrun-2", "dryrun-3"]
    report = client.status("dryrun-2")
    assert report.state is DeliveryState.UNKNOWN and report.provider_state == "dryrun"
    hlr = client.hlr([NUMBER])
    assert hlr[0].id == "dryrun-4" and hlr[0].status is HlrStatus.UNKNOWN
    assert client.hlr_result("dryrun-4").id == "dryrun-4"
    assert plugin.hlr_requests == [NUMBER]
    assert len(mock.calls) == 0


def test_ids_of_real_messages_still_reach_the_provider(
        dry_run: tuple[smsbridge.Client, DryRunPlugin, responses.RequestsMock]) -> None:
    client, _, mock = dry_run
    mock.get(f"{API}/status/77", json="delivered")
    assert client.status("77").state is DeliveryState.DELIVERED
    assert len(mock.calls) == 1


def test_the_drivers_validation_still_applies(
        dry_run: tuple[smsbridge.Client, DryRunPlugin, responses.RequestsMock]) -> None:
    client, plugin, mock = dry_run
    with pytest.raises(ValidationError, match="over 20 characters"):
        client.send(NUMBER, "this text is too long for the wire provider")
    with pytest.raises(ValidationError):
        client.send("not a number", "hi")
    assert plugin.outbox == [] and len(mock.calls) == 0


def test_chunks_and_send_iter_follow_the_driver(
        dry_run: tuple[smsbridge.Client, DryRunPlugin, responses.RequestsMock]) -> None:
    client, plugin, mock = dry_run
    numbers = (f"99655000{i:04d}" for i in range(5))
    ids = [s.message_id for s in client.send_iter(numbers, "hi")]
    assert ids == [f"dryrun-{i}" for i in range(1, 6)]
    assert len(plugin.outbox) == 5 and len(mock.calls) == 0


def test_a_failover_client_in_dry_run_touches_no_provider() -> None:
    with smsbridge.connect("failover", providers=["memory://", "memory://"],
                           plugins=["dryrun"]) as client:
        assert client.send(NUMBER, "hi").ids == ["dryrun-1"]
        assert [c.driver.outbox for c in client.driver.clients] == [[], []]  # type: ignore[attr-defined]


def test_audit_records_what_the_dry_run_answered() -> None:
    stream = io.StringIO()
    with smsbridge.connect("memory", plugins=["audit", "dryrun"],
                           plugin_options={"audit": {"stream": stream}}) as client:
        client.send(NUMBER, "hi")
    line = json.loads(stream.getvalue())
    assert line["message_ids"] == ["dryrun-1"] and line["accepted_by"] == ["dryrun"]


def test_memory_status_for_unknown_ids_is_unchanged_by_the_plugin() -> None:
    with smsbridge.connect("memory", plugins=["dryrun"]) as client, pytest.raises(NotFound):
        client.status("mem-1")
