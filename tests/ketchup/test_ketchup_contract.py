"""The KetchUp driver passes the contract every driver runs."""

from __future__ import annotations

from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestKetchupContract(DriverContract):
    driver_name = "ketchup"
    settings: ClassVar[dict[str, Any]] = {
        "api_key": "live_contract-key-77",
        "base_url": "https://ketchup.test/rest",
        "sender": "ACME",
    }
    sample_message_id = "22125"
    sample_hlr_id = "12123"
