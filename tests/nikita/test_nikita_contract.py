"""The Nikita driver passes the contract every driver runs."""

from __future__ import annotations

from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestNikitaContract(DriverContract):
    driver_name = "nikita"
    settings: ClassVar[dict[str, Any]] = {
        "login": "acme",
        "password": "s3cret-pw",
        "sender": "ACME",
        "base_url": "https://nikita.test/api",
    }
    sample_message_id = "A88726:996550123456"
