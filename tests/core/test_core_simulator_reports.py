"""The simulator kit's records by number, inbox, counts and two-step reports."""

from __future__ import annotations

import pytest

from smsbridge.testing.answers import Refusal
from smsbridge.testing.inbox import Inbox, IncomingMessage, between, ratio, tally
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.messages import Ids
from smsbridge.testing.reports import NotReady, Reports, UnknownReport

NOW = 1_772_344_800.0


def test_records_by_number_and_by_time() -> None:
    sim = KitSimulator(clock=lambda: NOW)
    account = sim.add_account("acme", balance="10")
    first, other = sim.record(account, ["79001234567", "79001234568"], parts=1,
                              unpaid=Refusal(5), id="1", text="hi")
    (second,) = sim.record(account, ["79001234567"], parts=2, unpaid=Refusal(5), id="2",
                           text="again")
    assert sim.sent_to("+79001234567") == [first, second]
    assert sim.sent_to("79001234568") == [other]
    assert sim.sent_to("79001234569") == []
    assert sim.messages_between(NOW, NOW) == [first, other, second]
    assert sim.messages_between(NOW - 2, NOW - 1) == []
    assert sim.messages_between(NOW, NOW, login="other") == []


def test_inbox_counts_ids_stamps_now_and_answers_a_window() -> None:
    inbox = Inbox(lambda: NOW, first_id=5126)
    first = inbox.add("79001234567", "2420", "STOP", login="demo", prefix="SHOP")
    old = inbox.add("79001234568", "2420", "old", login="demo", created=NOW - 3600)
    other = inbox.add("79001234569", "2420", "hi", login="other", created=NOW - 60)
    assert first == IncomingMessage(id=5126, login="demo", sender="79001234567",
                                    recipient="2420", text="STOP", prefix="SHOP", created=NOW)
    assert (old.id, other.id, old.prefix) == (5127, 5128, "")
    assert inbox.between(NOW - 60, NOW) == [first, other]
    assert inbox.between(NOW - 3600, NOW, login="demo") == [first, old]
    assert inbox.between(NOW + 1, NOW + 2) == []
    assert (len(inbox), list(inbox)) == (3, [first, old, other])


def test_between_tally_and_ratio() -> None:
    assert between([1.0, 2.0, 3.0, 4.0], 2.0, 3.0, lambda t: t) == [2.0, 3.0]
    counts = tally([0, 0, 42, -1, 7], {0: "Delivered", 42: "NotDelivered", -1: "InProgress"},
                   ("Delivered", "NotDelivered", "InProgress", "Expired"))
    assert counts == {"Delivered": 2, "NotDelivered": 1, "InProgress": 1, "Expired": 0}
    assert tally([0, 7], {0: "Delivered"}, ("Delivered", "Other"), default="Other") == {
        "Delivered": 1, "Other": 1}
    assert (ratio(1, 3), ratio(2, 3), ratio(0, 0)) == (33, 67, 0)


def test_a_report_is_ready_after_its_polls_and_only_for_its_login() -> None:
    reports = Reports(Ids(12124), polls=2)
    report = reports.create(["row"], login="demo", file_format="0")
    assert (report.id, report.rows, report.extra, report.ready) == (
        "12124", ["row"], {"file_format": "0"}, False)
    assert reports.pending("demo") == 1 and reports.pending("other") == 0
    for _ in range(2):
        with pytest.raises(NotReady):
            reports.download("12124", "demo")
    with pytest.raises(UnknownReport):
        reports.download("12124", "other")
    with pytest.raises(UnknownReport):
        reports.download("99")
    assert reports.download("12124", "demo") is report
    assert reports.pending() == 0


def test_reports_are_a_dict_of_exports_the_polls_settable() -> None:
    exports = Reports(Ids(1, prefix="export"))
    exports.polls = 0
    first, second = exports.create([]), exports.create([1])
    assert sorted(exports) == ["export1", "export2"]
    assert exports.download("export1") is first
    assert exports.pop("export2") is second and len(exports) == 1
    with pytest.raises(NotReady):
        exports.download(exports.create([], polls=1).id)


def test_a_download_raises_the_providers_refusals_when_given() -> None:
    reports = Reports(Ids(1, prefix="export"), polls=1)
    report = reports.create(["row"], login="demo")
    unknown, not_ready = Refusal(90, "File not found"), Refusal(91, "File not ready")
    with pytest.raises(Refusal) as refused:
        reports.download("export1", "demo", unknown=unknown, not_ready=not_ready)
    assert refused.value is not_ready
    for report_id, login in (("export9", "demo"), ("export1", "other")):
        with pytest.raises(Refusal) as refused:
            reports.download(report_id, login, unknown=unknown, not_ready=not_ready)
        assert refused.value is unknown
    assert reports.download("export1", unknown=unknown, not_ready=not_ready) is report
