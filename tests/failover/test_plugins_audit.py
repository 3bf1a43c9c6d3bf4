"""The audit plugin: one JSON line per operation, no secrets, texts and numbers opt-in."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
import responses

import smsbridge
from smsbridge.errors import DeliveryUnknown, InvalidRecipient, NotFound, ProviderError
from smsbridge.models import Balance, Message, SentMessage
from smsbridge.plugins import AuditPlugin, find_plugin
from smsbridge.transport import Request, RetryPolicy

NUMBER = "996550123456"
TEXT = "Your secret code is 4321"
API = "https://api.example.test"
KEY = "s3cret-api-k3y"
COMMON_KEYS = {"ts", "operation", "provider", "recipients", "message_ids", "outcome",
               "error_type", "error_code", "http_status", "duration_ms"}
SEND_KEYS = COMMON_KEYS | {"channel", "reference", "parts", "accepted", "refused", "accepted_by"}


@attrs.frozen(kw_only=True)
class KeySettings(smsbridge.BaseSettings):
    api_key: str = smsbridge.secret()
    base_url: str = API


class KeyDriver(smsbridge.Driver):
    """A provider taking its key in the query string (the worst case for leaks)."""

    name = "keyed"
    settings_class = KeySettings
    batch_size = 100

    @smsbridge.hookimpl
    def send(self, messages: Sequence[Message]) -> list[SentMessage]:
        assert isinstance(self.settings, KeySettings)
        response = self.perform(
            Request(method="POST", path="/send", params={"key": self.settings.api_key},
                    json={"to": [m.to for m in messages], "text": messages[0].text}),
            operation="send", send=True, idempotent=False)
        body = response.json()
        if "error" in body:
            raise ProviderError(f"refused; key={self.settings.api_key}", provider=self.name,
                                code=body["error"], http_status=response.status_code,
                                operation="send")
        if not response.ok:
            raise response.http_error()
        return [SentMessage(recipient=m.to, message_id=f"{self.settings.api_key}-{i}",
                            provider=self.name, parts=1)
                for i, m in zip(body["ids"], messages, strict=True)]

    @smsbridge.hookimpl
    def balance(self) -> Balance:
        response = self.perform(Request(method="GET", path="/balance"), operation="balance")
        return Balance(amount=response.json()["amount"])


def keyed(stream: io.StringIO, **options: Any) -> smsbridge.Client:
    driver = KeyDriver(KeySettings(api_key=KEY), retry=RetryPolicy(retries=0))
    return smsbridge.Client(driver, plugins=[AuditPlugin(driver, stream=stream, **options)])


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_send_writes_one_line_of_the_documented_shape() -> None:
    stream = io.StringIO()
    with smsbridge.connect("memory", plugins=["audit"],
                           plugin_options={"audit": {"stream": stream}}) as client:
        client.send(["+996 550 123 456", "996550123457"], TEXT, reference="order-7")
    (line,) = lines(stream)
    assert set(line) == SEND_KEYS
    assert line["operation"] == "send" and line["provider"] == "memory"
    assert line["recipients"] == 2
    assert line["message_ids"] == ["mem-1", "mem-2"]
    assert (line["outcome"], line["error_type"], line["error_code"]) == ("ok", None, None)
    assert (line["accepted"], line["refused"], line["parts"]) == (2, 0, 2)
    assert line["accepted_by"] == ["memory"] and line["reference"] == "order-7"
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])
    datetime.fromisoformat(line["ts"].replace("Z", "+00:00"))
    raw = stream.getvalue()
    assert TEXT not in raw and "4321" not in raw
    assert NUMBER not in raw and "996550123457" not in raw


def test_text_and_numbers_only_when_asked() -> None:
    stream = io.StringIO()
    with smsbridge.connect("memory", plugins=["audit"], plugin_options={"audit": {
            "stream": stream, "include_text": True, "include_numbers": True}}) as client:
        client.send([NUMBER, "996550123457"], TEXT)
    (line,) = lines(stream)
    assert line["texts"] == [TEXT]
    assert line["numbers"] == [NUMBER, "996550123457"]


def test_every_operation_gets_a_line_and_errors_keep_type_code_and_status() -> None:
    stream = io.StringIO()
    with smsbridge.connect("memory", plugins=["audit"],
                           plugin_options={"audit": {"stream": stream}}) as client:
        client.send(NUMBER, "hi")
        client.status("mem-1")
        client.balance()
        with pytest.raises(NotFound):
            client.status("mem-404")
    sent, status, balance, missing = lines(stream)
    assert [x["operation"] for x in (sent, status, balance, missing)] == [
        "send", "status", "balance", "status"]
    assert set(status) == COMMON_KEYS | {"state"} and status["state"] == "delivered"
    assert status["message_ids"] == ["mem-1"]
    assert set(balance) == COMMON_KEYS
    assert missing["outcome"] == "error" and missing["error_type"] == "NotFound"
    assert "no such message" not in stream.getvalue()  # error messages are not written


@responses.activate
def test_no_secret_reaches_a_line_whatever_the_provider_answers() -> None:
    responses.post(f"{API}/send", json={"ids": [1]})
    responses.post(f"{API}/send", json={"error": "E42"}, status=400)
    responses.post(f"{API}/send", body=f"bad key {KEY}", status=500)
    responses.get(f"{API}/balance", json={"amount": "10"})
    stream = io.StringIO()
    with keyed(stream, include_text=True, include_numbers=True) as client:
        assert client.send(NUMBER, "hello").ids == [f"{KEY}-1"]
        with pytest.raises(ProviderError):
            client.send(NUMBER, "hello")
        with pytest.raises(DeliveryUnknown):  # a 5xx may follow an accepted send
            client.send(NUMBER, "hello")
        client.balance()
    assert KEY in responses.calls[0].request.url  # the provider did get it
    ok, refused, failed, balance = lines(stream)
    assert ok["message_ids"] == ["***-1"]
    assert (refused["error_type"], refused["error_code"], refused["http_status"]) == (
        "ProviderError", "E42", 400)
    assert (failed["error_type"], failed["http_status"]) == ("DeliveryUnknown", 500)
    assert balance["outcome"] == "ok"
    assert KEY not in stream.getvalue()


def test_per_recipient_refusals_are_counted() -> None:
    class RefusingDriver(smsbridge.memory.MemoryDriver):
        @smsbridge.hookimpl
        def send(self, messages: Sequence[Message]) -> list[SentMessage]:
            return [SentMessage(recipient=m.to, message_id=None, provider=self.name,
                                error=InvalidRecipient("bad", provider=self.name))
                    for m in messages]

    stream = io.StringIO()
    driver = RefusingDriver(smsbridge.memory.MemorySettings())
    with smsbridge.Client(driver, plugins=[AuditPlugin(driver, stream=stream)]) as client:
        client.send([NUMBER, "996550123457"], "hi")
    (line,) = lines(stream)
    assert (line["accepted"], line["refused"], line["accepted_by"]) == (0, 2, [])
    assert line["message_ids"] == [None, None]


def test_a_file_gets_whole_lines_from_many_threads(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with smsbridge.connect("memory", plugins=["audit"],
                           plugin_options={"audit": {"path": path}}) as client:
        def work() -> None:
            for _ in range(25):
                client.send(NUMBER, "hi")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    written = path.read_text(encoding="utf-8").splitlines()
    assert len(written) == 200
    ids = [json.loads(line)["message_ids"][0] for line in written]
    assert sorted(ids) == sorted(f"mem-{i}" for i in range(1, 201))


def test_a_failing_write_never_fails_the_operation(tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with smsbridge.connect("memory", plugins=["audit"],
                           plugin_options={"audit": {"path": tmp_path}}) as client:
        assert client.send(NUMBER, "hi").ids == ["mem-1"]
        assert client.driver.outbox.texts == ["hi"]  # type: ignore[attr-defined]
    assert "audit: could not write the line for send()" in caplog.text


def test_without_path_or_stream_lines_go_to_the_audit_logger(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="smsbridge.audit")
    with smsbridge.connect("memory", plugins=["audit"]) as client:
        client.balance()
    (record,) = [r for r in caplog.records if r.name == "smsbridge.audit"]
    assert json.loads(record.getMessage())["operation"] == "balance"


def test_on_a_failover_client_lines_say_which_provider_took_the_message() -> None:
    stream = io.StringIO()
    config = {"driver": "failover", "providers": ["memory://", "memory://"],
              "plugins": ["audit"]}
    with smsbridge.from_config(config, plugin_options={"audit": {"stream": stream}}) as client:
        client.send(NUMBER, "hi")
        find_plugin(client, AuditPlugin)
    (line,) = lines(stream)
    assert line["provider"] == "failover"
    assert line["accepted_by"] == ["memory"]
    assert line["message_ids"] == ["0:mem-1"]


def test_lines_are_pinned_byte_for_byte() -> None:
    stream = io.StringIO()
    driver = smsbridge.memory.MemoryDriver(smsbridge.memory.MemorySettings())
    plugin = AuditPlugin(driver, stream=stream, include_numbers=True)
    plugin.timer = lambda: 0.0
    with smsbridge.Client(driver, plugins=[plugin]) as client:
        client.send(NUMBER, "hi", reference="order-7")
        client.status("mem-1")
        with pytest.raises(NotFound):
            client.status("mem-404")
    written = re.sub(r'"ts":"[^"]+"', '"ts":"T"', stream.getvalue())
    assert written == (
        '{"ts":"T","operation":"send","provider":"memory","recipients":1,'
        '"message_ids":["mem-1"],"outcome":"ok","error_type":null,"error_code":null,'
        '"http_status":null,"duration_ms":0.0,"channel":"sms","reference":"order-7",'
        '"numbers":["996550123456"],"parts":1,"accepted":1,"refused":0,'
        '"accepted_by":["memory"]}\n'
        '{"ts":"T","operation":"status","provider":"memory","recipients":null,'
        '"message_ids":["mem-1"],"outcome":"ok","error_type":null,"error_code":null,'
        '"http_status":null,"duration_ms":0.0,"state":"delivered"}\n'
        '{"ts":"T","operation":"status","provider":"memory","recipients":null,'
        '"message_ids":["mem-404"],"outcome":"error","error_type":"NotFound",'
        '"error_code":null,"http_status":null,"duration_ms":0.0}\n')
