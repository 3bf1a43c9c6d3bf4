"""The sms_outbox fixture, as an application's test suite uses it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_sms_outbox_collects_what_the_application_sends(pytester: pytest.Pytester,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(
        """
        import smsbridge

        def send_login_code(phone):
            with smsbridge.from_env() as sms:
                return sms.send(phone, "Your code is 1234")

        def test_code_is_sent(sms_outbox):
            result = send_login_code("+996 550 123 456")
            assert result.ok
            assert sms_outbox.last.to == "996550123456"
            assert sms_outbox.texts == ["Your code is 1234"]
            assert len(sms_outbox.to("996550123456")) == 1

        def test_each_test_starts_empty(sms_outbox):
            assert sms_outbox == []
        """
    )
    # A developer's own provider settings must not leak into the test.
    monkeypatch.setenv("SMSBRIDGE_DRIVER", "nikita")
    monkeypatch.setenv("SMSBRIDGE_PASSWORD", "from-the-shell")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_sms_connect_records_waits_instead_of_sleeping(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import functools
        import pytest
        import smsbridge

        @pytest.fixture
        def connect(sms_connect):
            return functools.partial(sms_connect, "memory", sender="ACME")

        def test_policy(connect, sms_sleeps):
            client = connect(retries=5)
            assert client.driver.retry.retries == 5
            assert client.driver.retry.delay(1) == 0.5
            client.driver.retry.sleep(3.0)
            assert sms_sleeps == [3.0]
            assert client.driver.settings.sender == "ACME"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
