"""Status: Sms/State per segment, every state code, /Date(ms)/ values, aggregation."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

import smsbridge
from smsbridge import DeliveryState
from smsbridge.errors import InvalidResponse, ProviderError
from smsbridge.testing.fixtures import Wire
from smsbridge_devino import STATES


def _state(code: Any, **extra: Any) -> bytes:
    body = {"State": code, "CreationDateUtc": None, "SubmittedDateUtc": None,
            "ReportedDateUtc": None, "TimeStampUtc": None, "StateDescription": f"s{code}",
            "Price": None, **extra}
    return json.dumps(body).encode()


def test_status_of_a_delivered_message(client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    api.add("GET", "Sms/State", payload="state-delivered.json")
    report = client.status("579700854169272358")
    (request,) = sms_wire.to("/rest/Sms/State")
    assert request.method == "GET"
    assert request.query_pairs == [("sessionId", api.session),
                                   ("messageId", "579700854169272358")]
    assert report.message_id == "579700854169272358"
    assert report.state is DeliveryState.DELIVERED
    assert report.provider_state == "0"
    assert report.description == "Доставлено абоненту"
    assert report.sent_at == datetime(2016, 2, 18, 18, 38, 58, tzinfo=timezone.utc)
    assert report.delivered_at == datetime(2016, 2, 18, 18, 39, 4, tzinfo=timezone.utc)
    assert report.price == Decimal("1.5")
    assert report.raw["State"] == 0


def test_status_of_the_documented_unknown_example(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/State", payload="state-unknown-255.json")
    report = client.status("579700854169272358")
    assert report.state is DeliveryState.UNKNOWN
    assert report.provider_state == "255"
    assert report.description == "Неизвестный"
    assert report.sent_at is None and report.delivered_at is None and report.price is None


def test_codes_and_prices_as_strings_and_unescaped_dates(client: smsbridge.Client,
                                                         api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/State", payload="state-queued-strings.json")
    report = client.status("1")
    assert report.state is DeliveryState.QUEUED
    assert report.provider_state == "-2"
    assert report.price == Decimal("1.50")


@pytest.mark.parametrize("value, expected", [
    ("/Date(1294045911213)/", datetime(2011, 1, 3, 9, 11, 51, 213000, tzinfo=timezone.utc)),
    ("\\/Date(1294045911213)\\/", datetime(2011, 1, 3, 9, 11, 51, 213000,
                                            tzinfo=timezone.utc)),
    ("/Date(-1000)/", datetime(1969, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
    ("/Date(-62135596800000)/", None),  # .NET DateTime.MinValue: no date
    (None, None),
])
def test_dotnet_dates(client: smsbridge.Client, api: Any, value: Any,
                      expected: datetime | None) -> None:
    api.add_login()
    api.add("GET", "Sms/State", body=_state(-1, SubmittedDateUtc=value))
    assert client.status("1").sent_at == expected


@pytest.mark.parametrize("code", sorted(STATES))
def test_every_documented_state_code_is_mapped(client: smsbridge.Client, api: Any,
                                               code: int) -> None:
    api.add_login()
    api.add("GET", "Sms/State", body=_state(code))
    report = client.status("1")
    assert report.state is STATES[code][0]
    assert report.provider_state == str(code)


def test_state_table_covers_the_document() -> None:
    documented = {-1, -2, -98, 0, 10, 11, 41, 42, 46, 47, 48, 69, 99, 255}
    assert set(STATES) == documented
    assert STATES[0][0] is DeliveryState.DELIVERED
    assert STATES[-1][0] is DeliveryState.SENT
    assert STATES[-2][0] is DeliveryState.QUEUED
    assert STATES[46][0] is DeliveryState.EXPIRED
    assert STATES[47][0] is DeliveryState.CANCELED
    assert STATES[-98][0] is DeliveryState.CANCELED
    assert STATES[11][0] is DeliveryState.REJECTED
    assert STATES[255][0] is DeliveryState.UNKNOWN


def test_undocumented_state_is_unknown(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/State", body=_state(12345))
    report = client.status("1")
    assert report.state is DeliveryState.UNKNOWN
    assert report.provider_state == "12345"


def _segments(api: Any, *bodies: bytes) -> None:
    for body in bodies:
        api.add("GET", "Sms/State", body=body)


def test_every_segment_is_queried(client: smsbridge.Client, api: Any, sms_wire: Wire) -> None:
    api.add_login()
    _segments(api, _state(0, Price=1.5, ReportedDateUtc="/Date(1000)/"),
              _state(0, Price="1.5", ReportedDateUtc="/Date(2000)/"))
    report = client.status("579700854169272358,579700854169272359")
    ids = [request.params["messageId"] for request in sms_wire.to("/rest/Sms/State")]
    assert ids == ["579700854169272358", "579700854169272359"]
    assert report.message_id == "579700854169272358,579700854169272359"
    assert report.state is DeliveryState.DELIVERED
    assert report.price == Decimal("3.0")
    assert report.delivered_at == datetime(1970, 1, 1, 0, 0, 2, tzinfo=timezone.utc)
    assert len(report.raw) == 2
    assert len(sms_wire.to("/rest/user/sessionid")) == 1


@pytest.mark.parametrize("codes, state, provider_state", [
    ((0, 0, 0), DeliveryState.DELIVERED, "0"),
    ((0, -2), DeliveryState.QUEUED, "-2"),
    ((-1, 0), DeliveryState.SENT, "-1"),
    ((0, 11), DeliveryState.REJECTED, "11"),
    ((-2, 46), DeliveryState.QUEUED, "-2"),  # not final while a part is under way
    ((46, 0), DeliveryState.EXPIRED, "46"),
    ((0, 255), DeliveryState.UNKNOWN, "255"),
])
def test_segments_aggregate_to_the_least_advanced(client: smsbridge.Client, api: Any,
                                                 codes: tuple[int, ...],
                                                 state: DeliveryState,
                                                 provider_state: str) -> None:
    api.add_login()
    _segments(api, *[_state(c) for c in codes])
    report = client.status(",".join(str(n) for n in range(len(codes))))
    assert report.state is state
    assert report.provider_state == provider_state
    assert report.delivered_at is None or state is DeliveryState.DELIVERED


def test_message_id_with_spaces_around_segments(client: smsbridge.Client, api: Any,
                                                sms_wire: Wire) -> None:
    api.add_login()
    _segments(api, _state(0), _state(0))
    client.status(" 1 , 2 ")
    assert [request.params["messageId"] for request in sms_wire.to("/rest/Sms/State")] == ["1", "2"]


def test_documented_state_error(client: smsbridge.Client, api: Any) -> None:
    api.add_login()
    api.add("GET", "Sms/State", payload="error-messageid-empty.txt", status=400)
    with pytest.raises(ProviderError) as caught:
        client.status("1")
    assert type(caught.value) is ProviderError
    assert caught.value.code == "1"
    assert "MessageID" in (caught.value.description or "")


@pytest.mark.parametrize("body", [
    b'{"StateDescription": "no state"}',
    b'{"State": null}',
    b'{"State": "delivered"}',
    b'{"State": 0, "SubmittedDateUtc": "yesterday"}',
    b'{"State": 0, "Price": "free"}',
    b'["State", 0]',
    b"\xff\xfe",
])
def test_garbled_states_are_invalid(client: smsbridge.Client, api: Any, body: bytes) -> None:
    api.add_login()
    api.add("GET", "Sms/State", body=body)
    with pytest.raises(InvalidResponse) as caught:
        client.status("1")
    assert caught.value.body is not None
