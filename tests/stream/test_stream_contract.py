"""The Stream driver passes the contract every driver runs."""

from __future__ import annotations

from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestStreamContract(DriverContract):
    driver_name = "stream"
    settings: ClassVar[dict[str, Any]] = {
        "login": "acme", "password": "s3cret-Pass!word", "sender": "ACME",
        "base_url": "https://stream.test/rest"}
    sample_message_id = "371324579"
