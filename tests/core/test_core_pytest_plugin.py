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


def test_sms_outbox_keeps_every_client_in_the_process(pytester: pytest.Pytester) -> None:
    from decimal import Decimal

    simulator = pytest.importorskip("smsbridge_nikita.simulator")
    sim = simulator.NikitaSimulator()
    with sim.serve() as base:
        settings = sim.client_settings(base)
        url = (f"nikita+http://{settings['login']}:{settings['password']}@"
               f"{base.removeprefix('http://')}/api?sender=SHOP")
        pytester.makepyfile(shop=f"""
            import smsbridge
            # Built when the module is imported: before any fixture runs.
            sms = smsbridge.connect({url!r})

            def signup(phone):
                return sms.send(phone, "Your code is 1234")
            """)
        pytester.makepyfile(late=f"""
            import smsbridge
            sms = smsbridge.from_config({{"url": {url!r}}})
            """)
        pytester.makepyfile(test_app=f"""
            import pytest
            import smsbridge
            import shop

            def test_import_time_client(sms_outbox):
                result = shop.signup("+996 550 123 456")
                assert result.ids == ["mem-1"]
                assert shop.sms.status(result.ids[0]).state == "delivered"
                assert [(m.to, m.sender) for m in sms_outbox] == [("996550123456", "SHOP")]

            def test_clients_made_during_the_test(sms_outbox):
                import late
                late.sms.send("996550123457", "from a late import")
                smsbridge.connect("nikita", **{settings!r}).send("996550123458", "by name")
                smsbridge.from_env().send("996550123459", "from env")
                assert sms_outbox.texts == ["from a late import", "by name", "from env"]

            def test_the_providers_checks_still_apply(sms_outbox):
                with pytest.raises(smsbridge.ValidationError, match="800"):
                    shop.sms.send("996550123456", "x" * 801)
                assert sms_outbox == []

            def test_a_driver_extra_is_an_escape(sms_outbox):
                shop.sms.driver.account_active()

            def test_an_operation_the_outbox_lacks_is_an_escape(sms_outbox):
                shop.sms.lookup("996550123456")
            """)
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*sms_outbox: a nikita request (POST info, operation 'account_active') tried to leave*",
        "*sms_outbox: nikita client * was asked for lookup(), which would reach the provider*",
    ])
    assert sim.ledger() == []
    assert sim.requests == []
    assert sim.account.balance == Decimal("100.00")
