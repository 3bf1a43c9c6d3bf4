"""The memory driver passes the contract every driver runs."""

from __future__ import annotations

from typing import ClassVar

from smsbridge.testing.contract import DriverContract


class TestMemoryContract(DriverContract):
    driver_name = "memory"
    settings: ClassVar[dict[str, object]] = {}
    sample_message_id = "mem-1"
    network = False
