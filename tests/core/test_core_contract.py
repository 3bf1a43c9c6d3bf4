"""The memory driver passes the contract every driver runs."""

from __future__ import annotations

from smsbridge.testing.contract import DriverContract


class TestMemoryContract(DriverContract):
    driver_name = "memory"
    settings = {}
    sample_message_id = "mem-1"
    network = False
