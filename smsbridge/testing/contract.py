"""The contract every driver's tests run: subclass :class:`DriverContract`.

::

    class TestNikitaContract(DriverContract):
        driver_name = "nikita"
        settings = {"login": "acme", "password": "s3cret-pw", "base_url": "https://x.test/api"}
        sample_message_id = "A88726:996550123456"

Needs pytest and responses (the ``test`` extra).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import attrs
import pytest

import smsbridge
from smsbridge import hookspecs
from smsbridge.discovery import available_drivers, load_driver
from smsbridge.errors import (
    ConfigError,
    DeliveryUnknown,
    InvalidResponse,
    NotSupported,
    ProviderError,
    SmsBridgeError,
    ValidationError,
)
from smsbridge.settings import secret_values

__all__ = ["DriverContract"]

_GARBAGE = b"\x00<<this is not what the provider documents>>"
_NUMBER = "996550123456"


class DriverContract:
    """Checks every driver must pass; the subclass says how to build one."""

    #: The entry-point name.
    driver_name: ClassVar[str] = ""
    #: Valid settings, secrets included, ``base_url`` pointing nowhere real.
    settings: ClassVar[dict[str, Any]] = {}
    #: A message id of the form the driver's ``send`` returns.
    sample_message_id: ClassVar[str] = "1"
    #: An HLR id of the form the driver's ``hlr`` returns.
    sample_hlr_id: ClassVar[str] = "1"
    #: A phone number the provider accepts.
    sample_number: ClassVar[str] = _NUMBER
    #: False for drivers that never talk to a provider (``memory``).
    network: ClassVar[bool] = True

    def needs_network(self) -> None:
        if not self.network:
            pytest.skip("the driver makes no requests")

    def connect(self, **overrides: Any) -> smsbridge.Client:
        from smsbridge.transport import RetryPolicy

        retry = RetryPolicy(retries=0, sleep=lambda _: None)
        return smsbridge.connect(self.driver_name, retry=retry, **{**self.settings, **overrides})

    def calls(self) -> dict[str, Any]:
        # Relative to now: providers limit how far back a period may start.
        start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
        return {
            "send": lambda c: c.send(self.sample_number, "contract check"),
            "status": lambda c: c.status(self.sample_message_id),
            "balance": lambda c: c.balance(),
            "prices": lambda c: c.prices(),
            "hlr": lambda c: c.hlr([self.sample_number]),
            "hlr_result": lambda c: c.hlr_result(self.sample_hlr_id),
            "lookup": lambda c: c.lookup(self.sample_number),
            "report": lambda c: c.report(start, start + timedelta(days=1)),
            "inbox": lambda c: c.inbox(start, start + timedelta(days=1)),
            "parse_callback": lambda c: c.parse_callback(_GARBAGE),
        }

    def test_entry_point_names_the_driver(self) -> None:
        driver = load_driver(self.driver_name)
        assert driver.name == self.driver_name
        info = available_drivers()[self.driver_name]
        assert info.distribution in (f"smsbridge-{self.driver_name}", "smsbridge")
        assert info.version

    def test_settings_are_frozen_and_keyword_only(self) -> None:
        client = self.connect()
        settings = client.driver.settings
        assert attrs.has(type(settings))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            settings.timeout = 1

    def test_secrets_are_masked_in_reprs(self) -> None:
        client = self.connect()
        secrets = secret_values(client.driver.settings)
        if self.network:
            assert secrets, "the contract settings should include the driver's secrets"
        for text in (repr(client), repr(client.driver), repr(client.driver.settings),
                     str(client.driver.settings)):
            for value in secrets:
                assert value not in text

    def test_unknown_setting_names_key_and_valid_ones(self) -> None:
        with pytest.raises(ConfigError) as caught:
            self.connect(pasword="x")
        assert "'pasword'" in str(caught.value)
        assert "base_url" in str(caught.value)

    def test_missing_required_settings_are_named(self) -> None:
        driver = load_driver(self.driver_name)
        required = [a.name for a in attrs.fields(driver.settings_class)
                    if a.default is attrs.NOTHING]
        for name in required:
            values = {k: v for k, v in self.settings.items() if k != name}
            with pytest.raises(ConfigError, match=re.escape(repr(name))):
                smsbridge.connect(self.driver_name, **values)

    def test_capabilities_match_implemented_hooks(self) -> None:
        client = self.connect()
        driver_class = type(client.driver)
        for operation in hookspecs.OPERATIONS:
            method = getattr(driver_class, operation, None)
            implemented = method is not None and hasattr(method, "smsbridge_impl")
            if operation != "validate":
                assert client.supports(operation) == implemented, operation

    def test_unsupported_operations_raise_not_supported(self) -> None:
        client = self.connect()
        for operation, call in self.calls().items():
            if not client.supports(operation):
                with pytest.raises(NotSupported):
                    call(client)

    def test_error_table_maps_to_provider_errors(self) -> None:
        driver = load_driver(self.driver_name)
        for code, error in driver.error_table.items():
            assert issubclass(error, ProviderError), code

    def test_bad_input_fails_before_any_request(self) -> None:
        import responses

        client = self.connect()
        naive = datetime(2030, 1, 1, 12, 0)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            bad_inputs: list[Callable[[], object]] = [
                lambda: client.send(self.sample_number, ""),
                lambda: client.send("not a number", "hello"),
                lambda: client.send([], "hello"),
                lambda: client.send(self.sample_number, "hello", send_at=naive),
            ]
            for bad in bad_inputs:
                with pytest.raises(ValidationError):
                    bad()
            assert len(mock.calls) == 0

    def test_unreadable_answers_raise_invalid_response(self) -> None:
        """A read gets InvalidResponse; a send DeliveryUnknown (it may have been taken)."""
        import responses

        self.needs_network()
        client = self.connect()
        anything = re.compile(r".*")
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in ("GET", "POST", "PUT", "DELETE"):
                mock.add(method, anything, body=_GARBAGE, status=200)
            for operation, call in self.calls().items():
                if client.supports(operation):
                    expected = DeliveryUnknown if operation == "send" else InvalidResponse
                    with pytest.raises(expected) as caught:
                        call(client)
                    assert getattr(caught.value, "body", None) is not None, operation
                    assert not (operation == "send" and caught.value.retry_safe
                                and not client.supports("deduplication")), operation

    def test_secrets_stay_out_of_logs_and_errors(self, caplog: pytest.LogCaptureFixture) -> None:
        import responses

        self.needs_network()
        client = self.connect()
        secrets = secret_values(client.driver.settings)
        anything = re.compile(r".*")
        caplog.set_level(logging.DEBUG, logger="smsbridge")
        errors: list[SmsBridgeError] = []
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            for method in ("GET", "POST", "PUT", "DELETE"):
                mock.add(method, anything, body=b"{\"error\": \"boom\"}", status=500)
            for operation, call in self.calls().items():
                if client.supports(operation):
                    try:
                        call(client)
                    except SmsBridgeError as exc:
                        errors.append(exc)
        assert errors
        texts = [caplog.text] + [f"{e!s} {e!r} {getattr(e, 'body', '')}" for e in errors]
        for value in secrets:
            for text in texts:
                assert value not in text
