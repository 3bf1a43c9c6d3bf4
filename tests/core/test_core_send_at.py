"""A send_at in the past is a mistake caught before any request; a little skew is not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import smsbridge
from smsbridge import Message, ValidationError


@pytest.fixture
def sms(sms_outbox: list[Message]) -> smsbridge.Client:
    return smsbridge.connect("memory")


def test_a_send_at_in_the_past_is_refused_before_sending(sms: smsbridge.Client,
                                                         sms_outbox: list[Message]) -> None:
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    for send in (lambda: sms.send("996550123456", "hi", send_at=yesterday),
                 lambda: list(sms.send_iter(["996550123456"], "hi", send_at=yesterday)),
                 lambda: sms.send_many([Message(to="996550123456", text="hi",
                                                send_at=yesterday)]),
                 lambda: sms.check([Message(to="996550123456", text="hi",
                                            send_at=yesterday)])):
        with pytest.raises(ValidationError, match="is in the past") as caught:
            send()
        assert caught.value.field == "send_at"
    assert sms_outbox == []


def test_a_few_seconds_of_clock_skew_are_tolerated(sms: smsbridge.Client,
                                                   sms_outbox: list[Message]) -> None:
    just_now = datetime.now(timezone(timedelta(hours=6))) - timedelta(seconds=30)
    later = datetime.now(timezone.utc) + timedelta(hours=1)

    sms.send("996550123456", "now", send_at=just_now)
    sms.send("996550123456", "later", send_at=later)

    assert [m.send_at for m in sms_outbox] == [just_now, later]
