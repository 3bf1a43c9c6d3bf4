"""The Phoenix driver passes the contract every driver runs."""

from __future__ import annotations

from typing import Any, ClassVar

from smsbridge.testing.contract import DriverContract


class TestPhoenixContract(DriverContract):
    driver_name = "phoenix"
    settings: ClassVar[dict[str, Any]] = {"token": "contract-t0ken-secret", "base_url": "https://phoenix.test/api"}
    sample_message_id = "1:380710000000"

    def calls(self) -> dict[str, Any]:
        # The contract's sample number is not a Phoenix number, which the driver
        # refuses before any request; send to one Phoenix takes.
        calls = super().calls()
        calls["send"] = lambda c: c.send("380710000000", "contract check")
        return calls
