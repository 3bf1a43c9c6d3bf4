"""Input checks against Devino's documented limits, all before any request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import smsbridge
from smsbridge.errors import ValidationError
from smsbridge.testing.fixtures import Wire

NOW = datetime.now(timezone.utc)
LATER = NOW + timedelta(days=1)


@pytest.mark.parametrize("call, field", [
    (lambda c: c.send("79161002030", "x" * 2001), "text"),
    (lambda c: c.send("79161002030", "Ж" * 2001), "text"),
    (lambda c: c.send("79161002030", "hi", sender="TWELVECHARSX"), "sender"),
    (lambda c: c.send("79161002030", "hi", sender="1234567890123456"), "sender"),
    (lambda c: c.send("79161002030", "hi", sender="ДЕВИНО"), "sender"),
    (lambda c: c.send("79161002030", "hi", sender="---"), "sender"),
    (lambda c: c.send("79161002030", "hi", validity=30), "validity"),
    (lambda c: c.send("79161002030", "hi", validity=90), "validity"),
    (lambda c: c.send("79161002030", "hi", validity=timedelta(minutes=2**31)), "validity"),
    (lambda c: c.send("79161002030", "hi", flash=True), "flash"),
    (lambda c: c.send("79161002030", "hi", local_time="yes", send_at=LATER), "local_time"),
    (lambda c: c.send("79161002030", "hi", local_time=True), "send_at"),
    (lambda c: c.send(["79161002030", "79161002031"], "x" * 2001), "text"),
    (lambda c: c.status(""), "message_id"),
    (lambda c: c.status("1,,2"), "message_id"),
    (lambda c: c.status(",".join(["1"] * 65)), "message_id"),
    (lambda c: c.report(NOW - timedelta(days=91), NOW), "end"),
    (lambda c: c.report(NOW - timedelta(days=1), NOW, campaign="x"), "campaign"),
    (lambda c: c.inbox(NOW - timedelta(days=366), NOW), "start"),
])
def test_limits_fail_before_any_request(client: smsbridge.Client, api: Any,
                                        call: Callable[[smsbridge.Client], Any],
                                        field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call(client)
    assert caught.value.field == field
    assert not api.mock.calls


def test_missing_sender_fails_before_any_request(connect: Any, api: Any) -> None:
    client = connect(sender=None)
    with pytest.raises(ValidationError, match="sender"):
        client.send("79161002030", "hi")
    assert not api.mock.calls


def test_one_bad_chunk_stops_the_whole_send(connect: Any, api: Any) -> None:
    client = connect(bulk_size=1)
    messages = [smsbridge.Message(to="79161002030", text="fine"),
                smsbridge.Message(to="79161002031", text="fine", sender="WAYTOOLONGSENDER")]
    with pytest.raises(ValidationError):
        client.send_many(messages)
    assert not api.mock.calls


@pytest.mark.parametrize("sender", ["DEVINO", "A", "Shop-24.ru", "ABCDEFGHIJK",
                                    "123456789012345", "7"])
def test_documented_senders_are_accepted(client: smsbridge.Client, api: Any,
                                         sender: str, sms_wire: Wire) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", payload="send-single.json")
    client.send("79161002030", "hi", sender=sender)
    assert sms_wire.to("/rest/Sms/Send")[0].form["SourceAddress"] == sender


def test_limits_at_their_edges_are_accepted(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("POST", "Sms/Send", body=b'["1"]')
    api.add("GET", "Sms/Statistics", payload="statistics.json")
    api.add("GET", "Sms/In", body=b"[]")
    client.send("79161002030", "x" * 2000, validity=60)
    client.report(NOW - timedelta(days=90), NOW)
    client.inbox(NOW - timedelta(days=364), NOW)
    assert len(api.mock.calls) == 4  # login + three


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(smsbridge.ConfigError, match="bulk_size"):
        smsbridge.connect("devino", login="a", password="b", bulk_size=0)
