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


def test_sms_clock_moves_only_when_told(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        from datetime import datetime, timezone

        from smsbridge.testing.fixtures import FakeClock

        def test_frozen_then_advanced(sms_clock):
            assert abs(sms_clock.now - time.time()) < 60
            start = sms_clock()
            sms_clock.advance(90)
            assert sms_clock() == sms_clock.time() == start + 90
            assert sms_clock.monotonic() == 90
            assert sms_clock.sleeps == []

        def test_retries_of_sms_connect_move_it(sms_clock, sms_connect, sms_sleeps):
            client = sms_connect("memory", retries=1, jitter=0.0)
            assert client.driver.retry.delay(1) == 0.25
            before = sms_clock.now
            client.driver.retry.sleep(2.5)
            assert sms_sleeps == [2.5] and sms_clock.now == before + 2.5

        def test_a_set_start_and_no_way_back():
            clock = FakeClock(datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc))
            assert clock() == 1772344800.0
            clock.now += 3600
            assert clock.monotonic() == 3600
            try:
                clock.advance(-1)
            except ValueError as exc:
                assert "forward" in str(exc)
            else:
                raise AssertionError("moved back")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_sms_simulator_and_sms_until_final(pytester: pytest.Pytester) -> None:
    pytest.importorskip("smsbridge_nikita.simulator")
    pytester.makepyfile(
        """
        from decimal import Decimal

        import pytest
        from smsbridge import DeliveryState
        from smsbridge_nikita.simulator import NikitaSimulator

        def test_by_name(sms_simulator, sms_until_final):
            sim, client = sms_simulator("nikita")
            assert isinstance(sim, NikitaSimulator)
            message_id = client.send("996550123456", "hi").ids[0]
            polls = sms_until_final(client, message_id)
            assert polls.states == [DeliveryState.SENT, DeliveryState.DELIVERED]
            assert polls.last.state is DeliveryState.DELIVERED
            assert [m.recipient for m in sim.ledger()] == ["996550123456"]

        def test_an_instance_with_settings(sms_simulator, sms_clock):
            served = sms_simulator(NikitaSimulator(balance="7", clock=sms_clock),
                                   sender="SMSBRIDGE")
            assert served.name == "nikita"
            assert served.url.startswith("http://127.0.0.1:")
            assert served.client.balance().amount == Decimal("7")
            other = served.connect(sender="Other")
            assert other is not served.client
            assert other.driver.settings.sender == "Other"
            assert served.client.driver.settings.sender == "SMSBRIDGE"

        def test_never_final_fails_bounded(sms_simulator, sms_until_final, sms_clock):
            sim, client = sms_simulator("nikita")
            message_id = client.send("996550123456", "hi").ids[0]
            start = sms_clock.now
            with pytest.raises(AssertionError, match="did not reach read in 3 queries"):
                sms_until_final(client, message_id, until=DeliveryState.READ, rounds=3)
            assert sms_clock.now == start + 2

        def test_unknown_driver(sms_simulator):
            sms_simulator("no-such-driver")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*DriverNotFound*no-such-driver*"])


def test_sms_wire_records_what_went_on_the_wire(pytester: pytest.Pytester) -> None:
    pytest.importorskip("smsbridge_nikita.simulator")
    pytester.makepyfile(
        """
        import responses

        def test_served(sms_simulator, sms_wire):
            sim, client = sms_simulator("nikita")
            client.balance()
            assert sms_wire.paths == ["POST /api/info"]
            request = sms_wire.last
            assert (request.method, request.path, request.params) == ("POST", "/api/info", {})
            assert b"<login>demo</login>" in request.body

        def test_mocked_requests_are_recorded_too(sms_wire, sms_connect):
            with responses.RequestsMock() as mocked:
                mocked.get("https://provider.test/x", body="ok")
                import requests
                requests.get("https://provider.test/x", params={"a": "1", "b": ""})
            (request,) = sms_wire
            assert (request.method, request.path, request.params) == (
                "GET", "/x", {"a": "1", "b": ""})
            assert request.body == b""

        def test_bodies_read_as_form_and_json(sms_wire):
            with responses.RequestsMock() as mocked:
                mocked.post("https://provider.test/f")
                import requests
                requests.post("https://provider.test/f", data={"to": "996550123456"})
                requests.post("https://provider.test/f", json={"text": "Привет"})
            assert sms_wire[0].form == {"to": "996550123456"}
            assert sms_wire[1].json() == {"text": "Привет"}

        def test_each_test_starts_empty(sms_wire):
            assert sms_wire == []
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)
