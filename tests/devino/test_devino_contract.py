"""The Devino driver passes the contract every driver runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestDevinoContract(DriverContract):
    driver_name = "devino"
    settings: ClassVar[dict[str, Any]] = {
        "login": "acme", "password": "s3cret-pw", "sender": "DEVINO",
        "base_url": "https://devino.test/rest"}
    sample_message_id = "579700854169272358,579700854169272359"

    def calls(self) -> dict[str, Any]:
        # Sms/In refuses a start more than a year ago; keep the period recent.
        calls = super().calls()
        start = datetime.now(timezone.utc) - timedelta(days=10)
        calls["report"] = lambda c: c.report(start, start + timedelta(days=1))
        calls["inbox"] = lambda c: c.inbox(start, start + timedelta(days=1))
        return calls
