"""A chunk re-run in a fresh client (a redelivered task, a rerun after a crash).

On a deduplicating provider the repeat with the same reference returns the earlier
acceptance; elsewhere the library says a repeat is not safe, and a careful caller
(one that repeats only ``retry_safe`` errors) never doubles.
"""

from __future__ import annotations

import pytest

from smsbridge.errors import DeliveryUnknown, DuplicateMessage


def test_rerun_after_success_returns_the_earlier_acceptance(world):
    numbers = world.campaign()
    first = world.connect().send(numbers, "Sale at noon", reference="camp42")
    rerun_client = world.connect()

    assert rerun_client.supports("deduplication") is world.provider.deduplicating
    if not world.provider.deduplicating:
        return  # no id the provider keeps: a rerun would be a second campaign

    again = rerun_client.send(numbers, "Sale at noon", reference="camp42")

    assert again.ids == first.ids
    assert all(m.ok for m in again)
    books = world.books(numbers, again, None)
    assert sorted(books.held) == sorted(numbers)
    # Ids a third process can ask about.
    reader = world.connect()
    for message in again.messages[:: world.provider.chunk]:
        assert reader.status(message.message_id).recipient == message.recipient


def test_rerun_of_a_crashed_campaign_completes_it_exactly_once(world):
    numbers = world.campaign()
    # The first process: chunk 1 accepted, chunk 2 accepted with every answer lost.
    world.inject("drop_after_accept", skip=1, times=3)
    _, error = world.send(world.connect(), numbers, reference="crash7")
    assert isinstance(error, DeliveryUnknown)
    world.books(numbers, None, error)

    assert error.retry_safe is world.provider.deduplicating
    if not error.retry_safe:
        return  # a careful caller stops here; what it knows is exact (books above)

    # The redelivered task: a new process, the same call.
    result, again = world.send(world.connect(), numbers, reference="crash7")

    assert again is None, repr(again)
    books = world.books(numbers, result, None)
    assert books.accepted == numbers
    assert sorted(books.held) == sorted(numbers)
    assert result.ids[: world.provider.chunk] == error.partial.ids


def test_reference_reused_for_another_number_is_a_conflict_not_an_acceptance(world):
    if not world.provider.deduplicating:
        assert not world.connect().supports("deduplication")
        return
    [mine] = world.numbers(1)
    [other] = world.numbers(1, start=50)
    world.connect().send(mine, "Sale at noon", reference="taken1")

    with pytest.raises(DuplicateMessage) as caught:
        world.connect().send(other, "Sale at noon", reference="taken1")

    assert "already" in str(caught.value)
    assert caught.value.retry_safe is True  # a refusal: nothing was sent
    assert world.held() == {mine: 1}  # nothing sent, and nobody else's id handed out
