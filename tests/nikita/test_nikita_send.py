"""Sending through /api/message: the request on the wire, the answers, the retries."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses

import smsbridge
from smsbridge.errors import (
    AuthError,
    DeliveryUnknown,
    DuplicateMessage,
    InsufficientFunds,
    InvalidRecipient,
    InvalidResponse,
    InvalidSender,
    ProviderError,
    RateLimited,
)
from smsbridge.ids import fit_reference
from smsbridge.testing.fixtures import Wire
from smsbridge.xmlutil import parse_xml
from smsbridge_nikita import PROVIDER_ERRORS

URL = "https://nikita.test/api/message"
DR_URL = "https://nikita.test/api/dr"
Payload = Callable[..., bytes]


def answer(payload: Payload, status: int | str = 0, *, id: str = "A88726", phones: int = 1,
           smscnt: int = 1, message: str = "") -> bytes:
    return payload("message-status.xml", id=id, status=status, phones=phones, smscnt=smscnt,
                   message=message)


# -- the request ----------------------------------------------------------------------


def test_request_on_the_wire_matches_the_document(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, body=payload("message-success-doc.xml"))
    # The document's 2010-09-21 23:59:57 Bishkek time, a century later (a past send_at is
    # refused before any request).
    send_at = datetime(2110, 9, 21, 17, 59, 57, tzinfo=timezone.utc)

    client.send(["+996 550 123 456", "996550123457"], "Any SMS message text",
                sender="My-company", send_at=send_at, reference="A88726")

    request = sms_wire[0]
    assert request.method == "POST"
    assert request.url == URL
    assert request.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert request.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    expected = parse_xml(payload("message-request-doc.xml"), force_list=("phone",))
    expected["message"].update(login="acme", pwd="s3cret-pw")
    del expected["message"]["test"]
    assert expected["message"]["time"] == "20100921235957"
    expected["message"]["time"] = "21100921235957"
    assert request.xml("phone") == expected
    # Same fields in the document's order.
    assert list(request.xml()["message"]) == ["login", "pwd", "id", "sender", "text",
                                              "time", "phones"]


def test_doc_answer_gives_one_message_per_recipient(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("message-success-doc.xml"))

    result = client.send(["996550123456", "996550123457"], "hello", reference="A88726")

    assert result.ids == ["A88726:996550123456", "A88726:996550123457"]
    assert [m.recipient for m in result] == ["996550123456", "996550123457"]
    assert all(m.parts == 2 and m.ok and m.provider == "nikita" for m in result)
    assert all(m.reference == "A88726" and m.price is None for m in result)
    assert result.messages[0].raw["smscnt"] == "2"


def test_without_time_and_test_those_fields_are_absent(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, body=answer(payload))

    client.send("996550123456", "hi")

    sent = sms_wire[0].xml("phone")["message"]
    assert "time" not in sent and "test" not in sent
    assert sent["sender"] == "ACME"  # the default sender setting
    assert sent["phones"] == {"phone": ["996550123456"]}


def test_cyrillic_and_markup_text_round_trips_as_utf8(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, body=answer(payload))
    text = "Код <1234> & \"привет\""

    client.send("996550123456", text)

    assert "Код &lt;1234&gt; &amp;".encode() in sms_wire[0].body
    assert sms_wire[0].xml()["message"]["text"] == text


@pytest.mark.parametrize(
    ("send_at", "expected"),
    [
        (datetime(2124, 3, 1, 6, 0, tzinfo=timezone.utc), "21240301120000"),
        (datetime(2124, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=3))),
         "21250101023000"),
        (datetime(2124, 6, 1, 0, 0, 5, tzinfo=timezone(timedelta(hours=6))), "21240601000005"),
    ],
)
def test_send_at_is_bishkek_time(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    sms_wire: Wire, send_at: datetime, expected: str,
) -> None:
    mocked.post(URL, body=answer(payload))

    client.send("996550123456", "later", send_at=send_at)

    assert sms_wire[0].xml()["message"]["time"] == expected
    assert client.supports("send_at")


# -- ids and chunks -------------------------------------------------------------------


def test_usable_reference_is_the_id_and_others_are_hashed(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, body=answer(payload))
    mocked.post(URL, body=answer(payload))
    mocked.post(URL, body=answer(payload))

    client.send("996550123456", "a", reference="order17")
    long_ref = client.send("996550123456", "b", reference="order-2024-000017")
    client.send("996550123456", "c")

    ids = [request.xml()["message"]["id"] for request in sms_wire]
    assert ids[0] == "order17"
    assert ids[1] == fit_reference("order-2024-000017", 12)
    assert ids[1].isalnum() and len(ids[1]) == 12
    assert long_ref.ids == [f"{ids[1]}:996550123456"]
    assert ids[2].isalnum() and len(ids[2]) == 12


def test_more_than_50_numbers_are_chunked_each_with_its_own_id(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    numbers = [f"99655{n:07d}" for n in range(120)]
    for size in (50, 50, 20):
        mocked.post(URL, body=answer(payload, phones=size))

    result = client.send(numbers, "campaign", reference="camp1")

    bodies = [request.xml("phone")["message"] for request in sms_wire]
    assert [len(b["phones"]["phone"]) for b in bodies] == [50, 50, 20]
    assert [p for b in bodies for p in b["phones"]["phone"]] == numbers
    ids = [b["id"] for b in bodies]
    assert ids[0] == "camp1" and len(set(ids)) == 3
    assert all(i.isalnum() and len(i) <= 12 for i in ids)
    assert result.ids == [f"{bodies[n // 50]['id']}:{num}" for n, num in enumerate(numbers)]


def test_send_iter_pulls_numbers_lazily_chunk_by_chunk(
    client: smsbridge.Client, payload: Payload,
) -> None:
    pulled = 0

    def numbers() -> Iterator[str]:
        nonlocal pulled
        for n in itertools.count():
            pulled += 1
            yield f"99655{n:07d}"

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(URL, body=answer(payload, phones=50))
        stream = client.send_iter(numbers(), "huge campaign")
        first = list(itertools.islice(stream, 60))

        assert len(mock.calls) == 2
        assert pulled <= 101  # two chunks and a look-ahead, not the endless generator
        assert first[0].recipient == "996550000000" and first[-1].recipient == "996550000059"


# -- test mode ------------------------------------------------------------------------


def test_test_mode_sends_test_flag_and_status_11_is_success(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Payload, sms_wire: Wire,
) -> None:
    client = connect(test=True)
    mocked.post(URL, body=answer(payload, 11, phones=2, smscnt=1))

    result = client.send(["996550123456", "996550123457"], "dry run", reference="T1")

    assert sms_wire[0].xml()["message"]["test"] == "1"
    assert result.ok and result.ids == ["T1:996550123456", "T1:996550123457"]
    assert all(m.parts == 1 for m in result)


def test_status_11_without_test_mode_is_an_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 11))

    with pytest.raises(ProviderError) as caught:
        client.send("996550123456", "real send")

    assert caught.value.code == "11"
    assert "test mode" in str(caught.value)


def test_test_setting_reads_from_a_url() -> None:
    client = smsbridge.connect("nikita://acme:pw@/?sender=ACME&test=1")

    assert client.driver.settings.test is True  # type: ignore[attr-defined]
    assert client.driver.settings.base_url == "https://smspro.nikita.kg/api"


# -- error statuses -------------------------------------------------------------------


@pytest.mark.parametrize(("code", "error"), sorted(PROVIDER_ERRORS.items()))
def test_every_send_status_maps_to_its_error(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Payload, code: int, error: type[ProviderError],
) -> None:
    client = connect(busy_retries=0)
    mocked.post(URL, body=answer(payload, code))
    if code == 10:  # a repeated id: dr has no report for it, so it is someone else's
        mocked.post(DR_URL, body=payload("dr-status.xml", status=4))

    with pytest.raises(error) as caught:
        client.send("996550123456", "hello")

    assert type(caught.value) is error
    assert caught.value.code == str(code)
    assert caught.value.provider == "nikita" and caught.value.operation == "send"


def test_concrete_send_errors(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Payload,
) -> None:
    client = connect(busy_retries=0)
    cases = [(2, AuthError), (3, AuthError), (4, InsufficientFunds), (5, InvalidSender),
             (7, InvalidRecipient), (9, RateLimited), (10, DuplicateMessage)]
    for code, _ in cases:
        mocked.post(URL, body=answer(payload, code))
    mocked.post(DR_URL, body=payload("dr-status.xml", status=4))
    for _code, error in cases:
        with pytest.raises(error):
            client.send("996550123456", "hello")
    for code in (1, 6, 8):
        assert PROVIDER_ERRORS[code] is ProviderError


def test_error_description_prefers_the_providers_text(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 4, message="Недостаточно средств"))
    mocked.post(URL, body=answer(payload, 6))

    with pytest.raises(InsufficientFunds) as funds:
        client.send("996550123456", "hello")
    with pytest.raises(ProviderError) as stop:
        client.send("996550123456", "hello")

    assert funds.value.description == "Недостаточно средств"
    assert stop.value.description == "message blocked by stop words"


def test_namespaced_error_answer(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("message-error-namespaced.xml"))

    with pytest.raises(InsufficientFunds):
        client.send("996550123456", "hello")


def test_one_refused_number_is_that_recipients_error(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=payload("message-one-number-refused.xml"))

    result = client.send(["996550123456", "99655012345"], "hi", reference="A88726")

    good, bad = result.messages
    assert good.ok and good.message_id == "A88726:996550123456"
    assert not bad.ok and bad.message_id is None
    assert isinstance(bad.error, InvalidRecipient)
    assert result.ids == ["A88726:996550123456"]


def test_short_phone_count_without_names_asks_dr_which_numbers_were_taken(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    # The document's success answer, but with <phones>1</phones> for two numbers sent and
    # no <message>: dr (the document's form without <phone>) lists what the id holds.
    mocked.post(URL, body=answer(payload, phones=1, id="A88726"))
    mocked.post(DR_URL, body=payload("dr-one-of-two.xml"))

    result = client.send(["996550123456", "996550123457"], "hi", reference="A88726")

    asked = sms_wire[1].xml()["dr"]
    assert asked == {"login": "acme", "pwd": "s3cret-pw", "id": "A88726"}
    taken, missing = result.messages
    assert taken.ok and taken.message_id == "A88726:996550123456" and taken.parts == 1
    assert not missing.ok and missing.message_id is None
    assert isinstance(missing.error, InvalidRecipient)
    assert result.ids == ["A88726:996550123456"]


def test_short_phone_count_when_dr_cannot_tell_is_delivery_unknown(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, phones=1))
    for _ in range(3):
        mocked.post(DR_URL, status=503, body=b"Service Unavailable")

    with pytest.raises(DeliveryUnknown) as caught:
        client.send(["996550123456", "996550123457"], "hi", reference="S1")

    assert "S1 was taken" in str(caught.value)


def test_full_phone_count_asks_nothing_more(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, phones=2))

    result = client.send(["996550123456", "996550123457"], "hi")

    assert result.ok and len(mocked.calls) == 1


# -- status 9 and 10: repeats with the same id -----------------------------------------


def test_busy_status_9_waits_and_repeats_with_the_same_id(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    sms_wire: Wire, sms_sleeps: list[float],
) -> None:
    mocked.post(URL, body=answer(payload, 9))
    mocked.post(URL, body=answer(payload, 9))
    mocked.post(URL, body=answer(payload, 0, smscnt=3))

    result = client.send("996550123456", "hello", reference="R9")

    assert [request.xml()["message"]["id"] for request in sms_wire] == ["R9", "R9", "R9"]
    assert sms_sleeps == [7.5, 7.5]  # between 5 and 10 s: jitter 0.5
    assert result.ok and result.messages[0].parts == 3


def test_busy_beyond_the_bound_is_rate_limited(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    sms_sleeps: list[float],
) -> None:
    for _ in range(4):
        mocked.post(URL, body=answer(payload, 9))

    with pytest.raises(RateLimited) as caught:
        client.send("996550123456", "hello")

    assert len(mocked.calls) == 4 and len(sms_sleeps) == 3
    assert caught.value.code == "9" and caught.value.retry_after == 10.0


def test_busy_delays_follow_the_settings(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Payload, sms_sleeps: list[float],
) -> None:
    client = connect(busy_delay_min=1, busy_delay_max=3, busy_retries=1)
    mocked.post(URL, body=answer(payload, 9))
    mocked.post(URL, body=answer(payload, 9))

    with pytest.raises(RateLimited):
        client.send("996550123456", "hello")

    assert sms_sleeps == [2.0]


def test_duplicate_after_a_busy_answer_means_the_earlier_one_was_taken(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 9))
    mocked.post(URL, body=answer(payload, 10))
    mocked.post(DR_URL, body=payload("dr-one-of-two.xml"))

    result = client.send("996550123456", "hello", reference="R10")

    assert result.ok and result.ids == ["R10:996550123456"]


def test_repeated_id_in_a_fresh_client_returns_the_earlier_acceptance(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    # A redelivered task: the first answer this process sees is "repeated id" (status 10).
    mocked.post(URL, body=answer(payload, 10, id="A88726", phones=2, smscnt=1))
    mocked.post(DR_URL, body=payload("dr-doc.xml"))

    result = client.send(["996550123456", "996550123457"], "hello", reference="A88726")

    assert sms_wire[1].xml()["dr"] == {"login": "acme", "pwd": "s3cret-pw",
                                       "id": "A88726"}
    assert result.ids == ["A88726:996550123456", "A88726:996550123457"]
    assert all(m.ok and m.parts == 1 and m.reference == "A88726" for m in result)


def test_repeated_id_holding_fewer_numbers_marks_the_others_not_taken(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 10, id="A88726", phones=3))
    mocked.post(DR_URL, body=payload("dr-doc.xml"))

    result = client.send(["996550123456", "996550123457", "996550123458"], "hello",
                         reference="A88726")

    assert result.ids == ["A88726:996550123456", "A88726:996550123457"]
    assert isinstance(result.messages[2].error, InvalidRecipient)


def test_repeated_id_of_another_send_is_duplicate_message(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 10, id="A88726"))
    mocked.post(DR_URL, body=payload("dr-doc.xml"))  # holds ...456 and ...457

    with pytest.raises(DuplicateMessage) as caught:
        client.send("996550123999", "hello", reference="A88726")

    assert caught.value.code == "10"
    assert "'A88726' was already used for a send to 2 other number(s)" in str(caught.value)


def test_duplicate_on_the_first_attempt_without_a_report_is_duplicate_message(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, body=answer(payload, 10))
    mocked.post(DR_URL, body=payload("dr-status.xml", status=4))

    with pytest.raises(DuplicateMessage) as caught:
        client.send("996550123456", "hello", reference="used1")

    assert "no report" in str(caught.value)


def test_lost_answer_then_duplicate_is_accepted(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
    sms_wire: Wire, sms_sleeps: list[float],
) -> None:
    mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(URL, body=answer(payload, 10))
    mocked.post(DR_URL, body=payload("dr-one-of-two.xml"))

    result = client.send("996550123456", "hello", reference="L1")

    assert [request.xml()["message"]["id"] for request in sms_wire[:2]] == ["L1", "L1"]
    assert result.ok and result.ids == ["L1:996550123456"]
    assert len(sms_sleeps) == 1


def test_lost_answer_then_duplicate_without_a_report_is_delivery_unknown(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    # Our own first attempt may have been taken: "no report" proves nothing either way.
    mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(URL, body=answer(payload, 10))
    mocked.post(DR_URL, body=payload("dr-status.xml", status=4))

    with pytest.raises(DeliveryUnknown):
        client.send("996550123456", "hello", reference="L2")


@pytest.mark.parametrize("status", [4, 7])
def test_a_refusal_after_a_lost_answer_is_delivery_unknown(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, status: int,
) -> None:
    """The first attempt may have been taken (and charged): the repeat's refusal proves
    nothing about it."""
    mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(URL, body=answer(payload, status))

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello", reference="L2")

    assert caught.value.__cause__ is not None
    assert caught.value.retry_safe is True  # Nikita deduplicates by id L2
    assert len(mocked.calls) == 2


def test_a_refusal_after_a_busy_answer_is_a_refusal(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    payload: Payload,
) -> None:
    """Status 9 (busy) is a readable refusal: nothing was taken before the repeat."""
    client = connect(busy_retries=1)
    mocked.post(URL, body=answer(payload, 9))
    mocked.post(URL, body=answer(payload, 4))

    with pytest.raises(InsufficientFunds):
        client.send("996550123456", "hello", reference="L3")


def test_lost_answers_until_the_retries_end_raise_delivery_unknown(
    client: smsbridge.Client, mocked: responses.RequestsMock,
) -> None:
    for _ in range(3):
        mocked.post(URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(DeliveryUnknown):
        client.send("996550123456", "hello")

    assert len(mocked.calls) == 3


def test_gateway_error_is_retried_with_the_same_body(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload, sms_wire: Wire,
) -> None:
    mocked.post(URL, status=502, body=b"Bad Gateway")
    mocked.post(URL, body=answer(payload))

    result = client.send("996550123456", "hello")

    assert result.ok
    assert sms_wire[0].body == sms_wire[1].body


def test_gateway_error_to_the_end_is_delivery_unknown(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
) -> None:
    client = connect(retries=0)
    mocked.post(URL, status=504, body=b"")

    with pytest.raises(DeliveryUnknown):
        client.send("996550123456", "hello")


# -- HTTP failures and garbage ------------------------------------------------------------


def test_http_500_without_a_status_is_delivery_unknown(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
) -> None:
    """A 5xx may come after the gateway took the message: never a refusal."""
    client = connect(retries=0)
    mocked.post(URL, status=500, body=b"Internal Server Error")

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello", reference="order17")

    assert caught.value.http_status == 500
    assert caught.value.body == "Internal Server Error"
    assert [m.to for m in caught.value.unknown] == ["996550123456"]
    # Nikita deduplicates by our id, derived from the caller's reference.
    assert caught.value.retry_safe is True


def test_http_500_to_a_send_without_a_reference_is_not_retry_safe(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
) -> None:
    client = connect(retries=0)
    mocked.post(URL, status=500, body=b"Internal Server Error")

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello")

    # A repeat of the same call would carry a new random id: a second message.
    assert caught.value.retry_safe is False


def test_http_401_without_a_status_is_an_auth_error(
    client: smsbridge.Client, mocked: responses.RequestsMock,
) -> None:
    mocked.post(URL, status=401, body=b"<html>Unauthorized</html>")

    with pytest.raises(AuthError) as caught:
        client.send("996550123456", "hello")

    assert caught.value.http_status == 401


def test_body_status_wins_over_the_http_status(
    client: smsbridge.Client, mocked: responses.RequestsMock, payload: Payload,
) -> None:
    mocked.post(URL, status=400, body=answer(payload, 5))

    with pytest.raises(InvalidSender) as caught:
        client.send("996550123456", "hello")

    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<response><id>A1</id></response>",
        b"<response><status>zero</status></response>",
        b"<answer><status>0</status></answer>",
        b"<response/>",
        b"<response><status>0</status><smscnt>two</smscnt></response>",
    ],
)
def test_unreadable_answers_to_a_send_are_delivery_unknown(
    client: smsbridge.Client, mocked: responses.RequestsMock, body: bytes,
) -> None:
    mocked.post(URL, body=body)

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello")

    assert caught.value.body == body.decode()
    assert isinstance(caught.value.__cause__, InvalidResponse)


def test_password_never_in_errors_or_logs(
    connect: Callable[..., smsbridge.Client], mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = connect(retries=1)
    caplog.set_level(logging.DEBUG)
    mocked.post(URL, status=500, body=b"<error>echo <pwd>s3cret-pw</pwd></error>")
    mocked.post(URL, status=500, body=b"<error>echo s3cret-pw</error>")

    with pytest.raises(DeliveryUnknown) as caught:
        client.send("996550123456", "hello")

    cause = caught.value.__cause__
    texts = [str(caught.value), repr(caught.value), str(caught.value.body), caplog.text,
             str(cause), repr(cause)]
    assert all("s3cret-pw" not in t for t in texts)
