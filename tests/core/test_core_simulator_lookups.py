"""The simulator kit's HLR lookups: recorded in order, found by id and by reference."""

from __future__ import annotations

from smsbridge.testing.lookups import LookupBook, LookupRecord

NOW = 1_772_344_800.0


def test_a_lookup_is_stamped_now_and_active_unless_its_number_says_otherwise() -> None:
    now = [NOW]
    book = LookupBook(lambda: now[0])
    book.statuses["380972000097"] = "absent"
    live = book.add(id="22125", number="380972000001", reference="h1", login="demo",
                    network="25501")
    now[0] += 5
    gone = book.add(id="22126", number="380972000097")
    assert (live.status, live.created, live.network, live.ported, live.roaming) == (
        "active", NOW, "25501", False, False)
    assert (gone.status, gone.created, gone.reference, gone.login, gone.network) == (
        "absent", NOW + 5, None, "", "")
    assert list(book) == [live, gone] and len(book) == 2


def test_given_fields_win_over_the_defaults() -> None:
    book = LookupBook(lambda: NOW)
    book.statuses["380972000001"] = "absent"
    record = book.add(id="7", number="380972000001", status="unknown", created=NOW - 60,
                      ported=True, roaming=True, extra={"callback_url": "https://a.test/hlr"})
    assert record is book.find("7")
    assert (record.status, record.created, record.ported, record.roaming, record.extra) == (
        "unknown", NOW - 60, True, True, {"callback_url": "https://a.test/hlr"})


def test_lookups_are_found_by_id_and_by_reference() -> None:
    book = LookupBook(lambda: NOW)
    first = book.add(id="22125", number="380972000001", reference="h1")
    plain = book.add(id="22126", number="380972000002")
    assert book.find("22125") is first and book.find("22126") is plain
    assert book.find("22127") is None
    assert book.referenced("h1") is first
    assert book.referenced("h2") is None
    # No reference finds nothing, not the lookups made without one.
    assert book.referenced(None) is None


def test_a_repeated_reference_finds_the_latest_lookup() -> None:
    # Providers refuse a repeat (the simulator asks referenced() first); one that does
    # not gets the newer lookup back.
    book = LookupBook(lambda: NOW)
    book.add(id="1", number="380972000001", reference="h1")
    again = book.add(id="2", number="380972000002", reference="h1")
    assert book.referenced("h1") is again
    assert isinstance(again, LookupRecord) and len(book) == 2
