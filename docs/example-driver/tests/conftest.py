"""Fixtures of the Example SMS driver's tests."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest
import responses

import smsbridge

BASE_URL = "https://api.example-sms.test/v1"
API_KEY = "key-S3cret-example"


@pytest.fixture
def connect(sms_connect: Callable[..., smsbridge.Client]) -> Callable[..., smsbridge.Client]:
    """Make an Example SMS client whose retries do not sleep; keywords override settings."""
    return functools.partial(sms_connect, "example", api_key=API_KEY)


@pytest.fixture
def client(connect: Callable[..., smsbridge.Client]) -> smsbridge.Client:
    return connect()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Answer requests from the test; fail on any the test did not expect."""
    with responses.RequestsMock() as mock:
        yield mock
