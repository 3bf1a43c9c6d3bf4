from __future__ import annotations

import pytest

from smsbridge.testing.fixtures import FakeClock
from smsbridge.transport import RetryPolicy


@pytest.fixture
def retry(sms_clock: FakeClock) -> RetryPolicy:
    """A retry policy whose waits go to ``sms_sleeps`` (nothing really sleeps)."""
    return RetryPolicy(retries=2, backoff=0.5, jitter=lambda: 0.5, sleep=sms_clock.sleep)
