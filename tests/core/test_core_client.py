from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses

import smsbridge
from smsbridge import Message
from smsbridge.memory import MemoryDriver, MemorySettings
from smsbridge.transport import RetryPolicy

ECHO = "https://echo.test/api/send"
NUMBERS = [f"99655012{i:04d}" for i in range(7)]


def echo(**settings: Any) -> smsbridge.Client:
    return smsbridge.connect("testecho", login="acme", password="s3cret-pw",
                             retry=RetryPolicy(retries=0), **settings)


def answer_with_ids(mock: responses.RequestsMock) -> list[dict[str, Any]]:
    """Answer every send with one id per number; return the parsed request bodies."""
    bodies: list[dict[str, Any]] = []
    counter = itertools.count(1)

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        bodies.append(body)
        ids = [f"id{next(counter)}" for _ in body["to"]]
        return 200, {}, json.dumps({"ids": ids})

    mock.add_callback(responses.POST, ECHO, callback=callback)
    return bodies


def test_operations_the_driver_lacks_raise_not_supported() -> None:
    client = echo()
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for call in (client.balance, client.prices, lambda: client.hlr("996550123456"),
                 lambda: client.hlr_result("1"), lambda: client.lookup("996550123456"),
                 lambda: client.report(start, start + timedelta(days=1)),
                 lambda: client.inbox(start, start + timedelta(days=1)),
                 lambda: client.parse_callback(b"<x/>")):
        with pytest.raises(smsbridge.NotSupported) as caught:
            call()
        assert "'testecho'" in str(caught.value)
    assert not client.supports("balance")
    assert client.supports("send") and client.supports("status")


def test_a_driver_returning_none_or_a_wrong_type_is_named() -> None:
    client = smsbridge.connect("testnone")
    with pytest.raises(smsbridge.DriverError, match=r"'testnone' returned NoneType from balance"):
        client.balance()
    with pytest.raises(smsbridge.DriverError, match=r"returned str from status\(\); expected "
                                                    r"StatusReport"):
        client.status("1")


def test_send_chunks_to_the_batch_size_and_keeps_order(mocked: responses.RequestsMock) -> None:
    bodies = answer_with_ids(mocked)
    result = echo(sender="ACME").send(["+996 550 12-0000", *NUMBERS[1:]], "hello",
                                      reference="order42")
    assert [len(b["to"]) for b in bodies] == [3, 3, 1]
    assert bodies[0]["to"][0] == "996550120000"
    assert [b["reference"] for b in bodies] == ["order42", "order42#1", "order42#2"]
    assert result.ids == [f"id{i}" for i in range(1, 8)]
    assert [m.recipient for m in result] == NUMBERS
    assert all(m.provider == "testecho" for m in result)
    request = mocked.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("smsbridge/0.1.0 smsbridge-testecho/")


def test_send_validates_every_number_before_the_first_request(
        mocked: responses.RequestsMock) -> None:
    with pytest.raises(smsbridge.ValidationError, match="'12ab'"):
        echo().send([*NUMBERS, "12ab"], "hello")
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"send_at": datetime(2030, 1, 1)}, "send_at"),
    ({"validity": timedelta(0)}, "validity"),
    ({"validity": -5}, "validity"),
    ({"to": []}, "to"),
    ({"to": "123"}, "to"),
])
def test_bad_input_is_a_validation_error_without_io(mocked: responses.RequestsMock,
                                                    kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"to": NUMBERS[0], "text": "hello", **kwargs}
    with pytest.raises(smsbridge.ValidationError) as caught:
        echo().send(args.pop("to"), args.pop("text"), **args)
    assert caught.value.field == field
    assert len(mocked.calls) == 0


def test_a_channel_the_driver_lacks_is_not_supported(mocked: responses.RequestsMock) -> None:
    with pytest.raises(smsbridge.NotSupported, match="viber"):
        echo().send(NUMBERS[0], "hello", channel="viber")


def test_a_failed_later_chunk_reports_what_was_already_accepted(
        mocked: responses.RequestsMock) -> None:
    mocked.add(responses.POST, ECHO, json={"ids": ["a", "b", "c"]})
    mocked.add(responses.POST, ECHO, status=402, body="")
    with pytest.raises(smsbridge.InsufficientFunds) as caught:
        echo().send(NUMBERS, "hello")
    assert caught.value.partial.ids == ["a", "b", "c"]
    assert len(mocked.calls) == 2


def test_send_iter_pulls_numbers_lazily(mocked: responses.RequestsMock) -> None:
    answer_with_ids(mocked)
    pulled: list[int] = []

    def numbers() -> Iterator[str]:
        for i in itertools.count():  # endless: a campaign bigger than memory
            pulled.append(i)
            yield f"99655{i:07d}"

    sent = echo().send_iter(numbers(), "hello")
    first = list(itertools.islice(sent, 4))
    assert [m.message_id for m in first] == ["id1", "id2", "id3", "id4"]
    # Two chunks of three were needed for four results; nothing beyond them was read.
    assert len(pulled) == 6


def test_send_iter_checks_text_at_once(mocked: responses.RequestsMock) -> None:
    with pytest.raises(smsbridge.ValidationError):
        echo().send_iter(iter(NUMBERS), "")


def test_send_many_groups_equal_messages(mocked: responses.RequestsMock) -> None:
    bodies = answer_with_ids(mocked)
    messages = [Message(to=NUMBERS[0], text="a"), Message(to=NUMBERS[1], text="a"),
                Message(to=NUMBERS[2], text="b"), Message(to=NUMBERS[3], text="a")]
    result = echo().send_many(messages)
    assert [(b["text"], b["to"]) for b in bodies] == [
        ("a", NUMBERS[:2]), ("b", [NUMBERS[2]]), ("a", [NUMBERS[3]])]
    assert len(result) == 4


def test_send_many_on_a_mixed_batch_driver_uses_one_request() -> None:
    client = smsbridge.connect("memory")
    result = client.send_many([Message(to=NUMBERS[0], text="a"),
                               Message(to=NUMBERS[1], text="b", sender="X")])
    assert result.ok
    assert [m.text for m in client.driver.outbox] == ["a", "b"]
    assert client.supports("send_many")


def test_default_sender_comes_from_settings() -> None:
    client = smsbridge.connect("memory", sender="ACME")
    client.send(NUMBERS[0], "hi")
    client.send(NUMBERS[0], "hi", sender="OTHER")
    assert [m.sender for m in client.driver.outbox] == ["ACME", "OTHER"]


def test_validity_in_seconds_becomes_a_timedelta() -> None:
    client = smsbridge.connect("memory")
    client.send(NUMBERS[0], "hi", validity=600)
    assert client.driver.outbox[0].validity == timedelta(minutes=10)


@pytest.mark.parametrize(("validity", "shown"), [(-5, "-5"),
                                                 (timedelta(seconds=-5), "-5 seconds")])
def test_negative_validity_is_reported_in_seconds(validity: object, shown: str) -> None:
    client = smsbridge.connect("memory")
    with pytest.raises(smsbridge.ValidationError) as caught:
        client.send(NUMBERS[0], "hi", validity=validity)  # type: ignore[arg-type]
    # Never "-1 day, 23:59:55", the way a negative timedelta prints.
    assert caught.value.message.endswith(f"got {shown}")
    assert "day," not in caught.value.message
    assert client.driver.outbox == []


def test_driver_validation_runs_before_any_send() -> None:
    client = smsbridge.connect("memory", max_parts=1)
    with pytest.raises(smsbridge.ValidationError, match="2 SMS parts"):
        client.send(NUMBERS, "x" * 200)
    assert client.driver.outbox == []


def test_status_needs_an_id() -> None:
    with pytest.raises(smsbridge.ValidationError):
        echo().status("")


def test_period_checks() -> None:
    client = smsbridge.connect("memory")
    start = datetime(2026, 1, 2, tzinfo=timezone.utc)
    with pytest.raises(smsbridge.ValidationError, match="timezone-aware"):
        client.report(datetime(2026, 1, 1), start)
    with pytest.raises(smsbridge.ValidationError, match="after start"):
        client.report(start, start - timedelta(days=1))


def test_context_manager_closes_the_session() -> None:
    import requests

    closed: list[bool] = []

    class Recording(requests.Session):
        def close(self) -> None:
            closed.append(True)
            super().close()

    with smsbridge.connect("testecho", login="a", password="b") as client:
        client.driver.transport.session.close = Recording().close  # type: ignore[method-assign]
    assert closed == [True]
    # A session the application passed in is the application's to close.
    own = Recording()
    with smsbridge.connect("testecho", login="a", password="b", session=own) as client:
        assert client.driver.transport.session is own
    assert closed == [True]


class Recorder:
    """An extension plugin wrapping every send."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    @smsbridge.hookimpl(wrapper=True)
    def send(self, messages: list[Message]) -> Any:
        result = yield
        self.seen.append(len(result))
        return result


def test_extension_plugins_wrap_hooks() -> None:
    recorder = Recorder()
    client = smsbridge.connect("memory", plugins=[recorder])
    client.send(NUMBERS[:2], "hi")
    assert recorder.seen == [2]
    assert client.capabilities == smsbridge.connect("memory").capabilities


def test_an_unknown_plugin_name_is_a_config_error() -> None:
    with pytest.raises(smsbridge.ConfigError, match="no smsbridge plugin named 'nosuch'"):
        smsbridge.connect("memory", plugins=["nosuch"])


def test_check_runs_every_send_check_without_sending(mocked: responses.RequestsMock) -> None:
    client = smsbridge.connect("memory", sender="ACME", max_parts=1)
    checked = client.check([Message(to="+996 550 123-456", text="hi", validity=60)])
    assert checked == [Message(to="996550123456", text="hi", sender="ACME",
                               validity=timedelta(minutes=1))]
    with pytest.raises(smsbridge.ValidationError, match="SMS parts"):
        client.check([Message(to="996550123456", text="x" * 200)])
    assert client.driver.outbox == []


class WithdrawingDriver(MemoryDriver):
    """A memory driver that, as its settings say, offers fewer hooks and features."""

    def __init__(self, settings: smsbridge.BaseSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.features = frozenset({"viber"})
        self.mixed_batches = False
        self.batch_size = 2

    def offers(self, operation: str) -> bool:
        return operation != "balance"


def test_a_driver_instance_decides_what_it_offers() -> None:
    recorder = Recorder()
    client = smsbridge.Client(WithdrawingDriver(MemorySettings()), plugins=[recorder])
    assert not client.supports("balance")
    with pytest.raises(smsbridge.NotSupported, match="balance"):
        client.balance()
    assert client.plugin_manager.hook.balance.get_hookimpls() == []
    assert client.supports("status") and client.supports("viber")
    assert not client.supports("send_at") and not client.supports("send_many")
    result = client.send(NUMBERS[:5], "hi")
    assert len(result.ids) == 5
    assert recorder.seen == [2, 2, 1]
