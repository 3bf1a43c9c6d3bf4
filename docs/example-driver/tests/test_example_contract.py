"""The Example SMS driver passes the contract every driver runs."""

from __future__ import annotations

from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestExampleContract(DriverContract):
    driver_name = "example"
    settings: ClassVar[dict[str, Any]] = {"api_key": "contract-key-s3cret",
                                          "base_url": "https://api.example-sms.test/v1"}
    sample_message_id = "msg-1"
