from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from smsbridge.transport import RetryPolicy


class SleepRecorder:
    """Records the waits a retry policy asks for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def retry(sleeps: SleepRecorder) -> RetryPolicy:
    return RetryPolicy(retries=2, backoff=0.5, jitter=lambda: 0.5, sleep=sleeps)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock
