"""KetchUp statistics exports: report() and the raw export operations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from smsbridge.errors import NotFound, ProviderError, ValidationError

BASE = "https://ketchup.test/rest"
START = datetime(2020, 10, 22, 17, 28, 45, tzinfo=timezone.utc)
END = START + timedelta(days=1)


def test_report_creates_waits_counts_and_deletes(client, mocked, payload, sms_sleeps, sms_wire):
    mocked.post(f"{BASE}/stat/create", body=payload("stat-create.json"))
    mocked.get(f"{BASE}/stat/file/id/f8a61c0e2b/format/json", body=payload("stat-error-91.json"))
    mocked.get(f"{BASE}/stat/file/id/f8a61c0e2b/format/json", body=payload("stat-file.json"))
    mocked.delete(f"{BASE}/message/list/f8a61c0e2b", json={"error": 0})
    stats = client.report(START, END, message_type="sms", originator="testsms")

    body = sms_wire[0].json()
    assert body == {"time_in_from": "2020-10-22 17:28:45", "time_in_to": "2020-10-23 17:28:45",
                    "message_type": "sms", "originator": "testsms"}
    assert sms_sleeps == [2.0]
    assert stats.total == 3
    assert stats.delivered == 2
    assert stats.undelivered == 1  # not-viber-user
    assert stats.sent == 0 and stats.expired == 0
    assert len(stats.raw) == 3


def test_report_of_an_empty_period(client, mocked, payload):
    mocked.post(f"{BASE}/stat/create", body=payload("stat-create.json"))
    mocked.get(f"{BASE}/stat/file/id/f8a61c0e2b/format/json", body=payload("stat-error-93.json"))
    mocked.delete(f"{BASE}/message/list/f8a61c0e2b", body="")
    stats = client.report(START, END)
    assert stats.total == 0 and stats.delivery_ratio is None


def test_report_gives_up_after_the_timeout(connect, mocked, payload, sms_sleeps):
    client = connect(report_timeout=3, report_poll_interval=1, report_cleanup=False)
    mocked.post(f"{BASE}/stat/create", body=payload("stat-create.json"))
    for _ in range(4):
        mocked.get(f"{BASE}/stat/file/id/f8a61c0e2b/format/json",
                 body=payload("stat-error-91.json"))
    with pytest.raises(ProviderError) as caught:
        client.report(START, END)
    assert caught.value.code == "91"
    assert sms_sleeps == [1, 1, 1]


def test_too_many_exports(client, mocked, payload):
    mocked.post(f"{BASE}/stat/create", body=payload("stat-error-92.json"))
    with pytest.raises(ProviderError) as caught:
        client.report(START, END)
    assert caught.value.code == "92"


@pytest.mark.parametrize("filters", [
    {"source_type": "fax"}, {"message_type": "mms"}, {"status": "delivered"},
    {"sl_clicks_comp": "!="}, {"sl_clicks_count": 1_000_000}, {"colour": "red"},
    {"operator_id": 5}, {"time_sent_from": START},
    {"time_sent_from": START.replace(tzinfo=None), "time_sent_to": END},
])
def test_bad_report_filters_fail_before_any_request(client, mocked, filters):
    with pytest.raises(ValidationError):
        client.report(START, END, **filters)
    assert len(mocked.calls) == 0


def test_create_export_by_message_ids_with_filters(client, mocked, payload, sms_wire):
    mocked.post(f"{BASE}/stat/create", body=payload("stat-create.json"))
    key = client.driver.create_export(
        message_ids=[1530913625, "1530913626"], msisdn=["+380 50 514 2322"],
        status="Delivered", source_type="web", time_sent_from=START, time_sent_to=END,
        country_name="Ukraine", operator_id=None,
        callback_url="https://somelink.com/message_report")
    assert key == "f8a61c0e2b"
    body = sms_wire[0].json()
    assert body == {"message_id": ["1530913625", "1530913626"], "msisdn": ["380505142322"],
                    "status": "Delivered", "source_type": "web",
                    "time_sent_from": "2020-10-22 17:28:45",
                    "time_sent_to": "2020-10-23 17:28:45", "country_name": "Ukraine",
                    "callback_url": "https://somelink.com/message_report"}


@pytest.mark.parametrize("ids", [[], ["x1"], [str(i) for i in range(301)]])
def test_message_id_limits(client, mocked, ids):
    with pytest.raises(ValidationError):
        client.driver.create_export(message_ids=ids)


def test_create_export_needs_ids_or_a_period(client, mocked):
    with pytest.raises(ValidationError):
        client.driver.create_export()


def test_export_file_formats(client, mocked):
    mocked.get(f"{BASE}/stat/file/id/k1/format/csv", body=b"message_ID;Status\n1;Delivered\n")
    assert client.driver.export_file("k1", "csv").startswith(b"message_ID")
    mocked.get(f"{BASE}/stat/file/id/k2/format/xml", json={"error": "90",
                                                         "errorDescription": "file not found"})
    with pytest.raises(NotFound):
        client.driver.export_file("k2", "xml")
    with pytest.raises(ValidationError):
        client.driver.export_file("k1", "pdf")


def test_export_rows_flat_list_and_doc_forms(client, mocked):
    mocked.get(f"{BASE}/stat/file/id/k1/format/json",
             json=[{"message_ID": 1, "Status": "Delivered"}])
    mocked.get(f"{BASE}/stat/file/id/k2/format/json",
             json={"error": 0, "rows": [{"message_ID": 2, "Status": "Expired"}]})
    assert client.driver.export_rows("k1")[0]["message_ID"] == 1
    assert client.driver.export_rows("k2")[0]["Status"] == "Expired"


def test_list_and_delete_exports(client, mocked, sms_wire):
    mocked.get(f"{BASE}/stat/list", json={"error": 0, "files": ["k1", "k2"]})
    mocked.delete(f"{BASE}/message/list/k1", json={"error": 0})
    assert client.driver.list_exports() == {"error": 0, "files": ["k1", "k2"]}
    client.driver.delete_export("k1")
    assert sms_wire[1].method == "DELETE"
    with pytest.raises(ValidationError):
        client.driver.delete_export("../k")


def test_delete_of_an_unknown_export(client, mocked):
    mocked.delete(f"{BASE}/message/list/k9", json={"error": "90",
                                                 "errorDescription": "file not found"})
    with pytest.raises(NotFound):
        client.driver.delete_export("k9")
