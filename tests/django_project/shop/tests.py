"""The shop under Django's own test runner: ``python manage.py test``."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core import checks
from django.test import Client, LiveServerTestCase, SimpleTestCase, override_settings

import smsbridge
from smsbridge.integrations import django as sms
from smsbridge.integrations.django import get_client, send_sms
from smsbridge.integrations.django.checks import check_settings
from smsbridge.integrations.django.signals import (
    CancelSend,
    delivery_report,
    post_send,
    pre_send,
)
from smsbridge.models import DeliveryState
from smsbridge_nikita.simulator import NikitaSimulator

AUTH = "Basic " + base64.b64encode(b"dlr:hook-pw").decode()


class OutboxTests(SimpleTestCase):
    def test_a_view_that_sends_lands_in_the_outbox(self) -> None:
        answer = self.client.post("/signup/", {"phone": "+996 550 123 456"})
        self.assertEqual(answer.status_code, 200)
        self.assertEqual([(m.to, m.text, m.sender) for m in sms.outbox],
                         [("996550123456", "Your code is 1234", "SHOP")])
        self.assertEqual(answer.json()["ids"], ["mem-1"])

    def test_each_test_starts_with_an_empty_outbox(self) -> None:
        self.assertEqual(len(sms.outbox), 0)
        send_sms("996550123456", "one")
        send_sms("996550123457", "two")
        self.assertEqual(sms.outbox.texts, ["one", "two"])

    def test_a_client_taken_at_import_time_sends_nothing(self) -> None:
        # shop.views took get_client("backup") at import; "backup" points at a port
        # where nothing listens, so a real send would fail.
        answer = self.client.post("/notify/", {"phone": "996550123456"})
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(sms.outbox.last.text, "Your order has shipped")
        self.assertEqual(sms.outbox.last.sender, "BACKUP")

    def test_one_client_per_name(self) -> None:
        with ThreadPoolExecutor(8) as pool:
            made = set(map(id, pool.map(lambda _: get_client("default"), range(32))))
        self.assertEqual(made, {id(get_client("default"))})
        self.assertIs(get_client("default"), get_client("default"))
        self.assertIsNot(get_client("default"), get_client("backup"))
        self.assertIsInstance(get_client(), smsbridge.Client)
        self.assertTrue(get_client().supports("send"))

    def test_new_settings_make_new_clients(self) -> None:
        from smsbridge.integrations.django.clients import real_client

        before = real_client("default")
        with override_settings(SMSBRIDGE={"default": "memory://?sender=OTHER"}):
            self.assertEqual(get_client().driver.settings.sender, "OTHER")
            self.assertIsNot(real_client("default"), before)
        self.assertEqual(get_client().driver.settings.sender, "SHOP")

    def test_an_unknown_name_is_a_config_error_naming_the_known_ones(self) -> None:
        with self.assertRaisesRegex(smsbridge.ConfigError, "backup, default"):
            get_client("nope")

    def test_pre_send_may_shorten_or_cancel_and_post_send_gets_the_result(self) -> None:
        seen: list[Any] = []

        def shorten(to: list[str], **kwargs: Any) -> None:
            if "996550123457" in to:
                to.remove("996550123457")

        def cancel(text: str, **kwargs: Any) -> None:
            if "spam" in text:
                raise CancelSend

        def record(result: Any, error: Any, using: str, **kwargs: Any) -> None:
            seen.append((using, result.ids, error))

        pre_send.connect(shorten)
        pre_send.connect(cancel)
        post_send.connect(record)
        try:
            result = send_sms(["996550123456", "996550123457"], "hello")
            self.assertEqual(len(send_sms("996550123456", "spam offer")), 0)
        finally:
            pre_send.disconnect(shorten)
            pre_send.disconnect(cancel)
            post_send.disconnect(record)
        self.assertEqual([m.to for m in sms.outbox], ["996550123456"])
        self.assertEqual(seen, [("default", result.ids, None)])


    def test_post_send_gets_the_error_which_is_raised(self) -> None:
        seen: list[Any] = []

        def record(result: Any, error: Any, **kwargs: Any) -> None:
            seen.append((result, type(error).__name__))

        post_send.connect(record)
        try:
            # Nikita takes at most 800 characters: the stand-in checks as Nikita would.
            with self.assertRaisesRegex(smsbridge.ValidationError, "800"):
                send_sms("996550123456", "x" * 801)
        finally:
            post_send.disconnect(record)
        self.assertEqual(seen, [(None, "ValidationError")])
        self.assertEqual(len(sms.outbox), 0)


class CallbackViewTests(SimpleTestCase):
    def push(self, body: bytes, **headers: str) -> Any:
        return self.client.post("/sms/default/callback/", data=body,
                                content_type="text/xml", headers=headers)

    def test_wrong_basic_auth_is_401(self) -> None:
        wrong = "Basic " + base64.b64encode(b"dlr:guess").decode()
        self.assertEqual(self.push(b"<report/>", Authorization=wrong).status_code, 401)
        self.assertEqual(self.push(b"<report/>").status_code, 401)

    def test_an_oversized_body_is_413(self) -> None:
        self.assertEqual(self.push(b"x" * 5000, Authorization=AUTH).status_code, 413)

    def test_a_body_that_is_not_a_report_is_400(self) -> None:
        self.assertEqual(self.push(b"<html/>", Authorization=AUTH).status_code, 400)

    def test_an_unknown_provider_is_404_and_probes_are_answered(self) -> None:
        self.assertEqual(self.client.post("/sms/nope/callback/").status_code, 404)
        self.assertEqual(self.client.get("/sms/default/callback/").status_code, 200)

    def test_the_view_is_csrf_exempt(self) -> None:
        client = Client(enforce_csrf_checks=True)
        answer = client.post("/sms/default/callback/", data=b"<html/>",
                             content_type="text/xml", headers={"Authorization": AUTH})
        self.assertEqual(answer.status_code, 400)
        self.assertEqual(client.post("/signup/", {"phone": "996550123456"}).status_code, 403)

    @override_settings(SMSBRIDGE_WEBHOOK=None)
    def test_without_webhook_settings_every_push_is_refused(self) -> None:
        self.assertEqual(self.push(b"<report/>", Authorization=AUTH).status_code, 403)


class ChecksTests(SimpleTestCase):
    def ids(self) -> list[str]:
        return [message.id for message in check_settings()]

    def test_the_project_settings_pass(self) -> None:
        self.assertEqual(self.ids(), [])
        self.assertEqual([m for m in checks.run_checks() if m.id.startswith("smsbridge")], [])

    @override_settings(SMSBRIDGE={"default": "nikita://acme@/?pasword=x",
                                  "other": "smsnope://x"})
    def test_bad_providers_are_errors_naming_the_entry(self) -> None:
        found = check_settings()
        self.assertEqual([m.id for m in found], ["smsbridge.E002", "smsbridge.E002"])
        self.assertIn("'pasword'", found[0].msg)
        self.assertIn("SMSBRIDGE['other']", found[1].msg)

    @override_settings(SMSBRIDGE=["nikita://"])
    def test_providers_must_be_a_dict(self) -> None:
        self.assertEqual(self.ids(), ["smsbridge.E001"])

    @override_settings(SMSBRIDGE={})
    def test_no_provider_is_a_warning(self) -> None:
        self.assertEqual(self.ids(), ["smsbridge.W001"])

    @override_settings(SMSBRIDGE_WEBHOOK={"username": "dlr", "pasword": "x"})
    def test_a_bad_webhook_setting_is_an_error(self) -> None:
        found = check_settings()
        self.assertEqual([m.id for m in found], ["smsbridge.E003", "smsbridge.E003"])
        self.assertIn("pasword", found[0].msg)

    @override_settings(SMSBRIDGE_WEBHOOK=None)
    def test_callback_urls_without_webhook_settings_is_an_error(self) -> None:
        self.assertEqual(self.ids(), ["smsbridge.E004"])


class DeliveryReportTests(LiveServerTestCase):
    """The Nikita simulator pushes its reports to the running shop."""

    def setUp(self) -> None:
        self.reports: list[Any] = []
        self.failures: list[Exception] = []
        delivery_report.connect(self.receive)
        self.addCleanup(delivery_report.disconnect, self.receive)
        self.sim = NikitaSimulator()
        self.sim.push_delays = (0.1, 0.1, 0.1)
        self.addCleanup(self.sim.stop_pushing)
        host = self.live_server_url.replace("http://", "http://dlr:hook-pw@")
        self.sim.callback_url = f"{host}/sms/default/callback/"

    def receive(self, report: Any, using: str, **kwargs: Any) -> None:
        if self.failures:
            raise self.failures.pop()
        self.reports.append((using, report.message_id, report.state))

    def send_through_the_simulator(self) -> str:
        # The app's own clients record into the outbox during tests, so the test sends
        # to the simulator with a client of its own.
        with self.sim.serve() as url:
            client = smsbridge.connect("nikita", **self.sim.client_settings(url))
            message_id = client.send("996550123456", "hello").ids[0]
            client.close()
        return message_id

    def test_pushed_reports_fire_delivery_report_with_the_state(self) -> None:
        message_id = self.send_through_the_simulator()
        self.sim.advance()
        self.assertTrue(self.sim.wait_pushes(10))
        self.sim.advance()
        self.assertTrue(self.sim.wait_pushes(10))
        self.assertEqual([p.status for p in self.sim.pushes], [200, 200])
        self.assertEqual(self.reports, [("default", message_id, DeliveryState.SENT),
                                        ("default", message_id, DeliveryState.DELIVERED)])

    def test_a_raising_receiver_gets_500_and_the_simulator_retries(self) -> None:
        message_id = self.send_through_the_simulator()
        self.failures.append(RuntimeError("the database is down"))
        self.sim.advance()
        self.assertTrue(self.sim.wait_pushes(10))
        self.assertEqual([p.status for p in self.sim.pushes], [500, 200])
        self.assertEqual(self.reports, [("default", message_id, DeliveryState.SENT)])

    def test_a_simulator_with_the_wrong_password_gets_401(self) -> None:
        self.send_through_the_simulator()
        self.sim.callback_url = self.sim.callback_url.replace("hook-pw", "guess")
        self.sim.push_delays = (0.05,)
        self.sim.advance()
        self.assertTrue(self.sim.wait_pushes(10))
        self.assertEqual([p.status for p in self.sim.pushes], [401, 401])
        self.assertEqual(self.reports, [])


class ManagedClientTests(SimpleTestCase):
    def test_every_part_of_a_client_is_resolved(self) -> None:
        # get_client() hands out a Client whose parts are looked up on each call; a part
        # Client.__init__ gains must be resolved too, or it would be missing.
        from smsbridge.integrations.django.clients import ManagedClient
        from smsbridge.memory import MemoryDriver, MemorySettings

        parts = set(vars(smsbridge.Client(MemoryDriver(MemorySettings()))))
        resolved = {name for name, value in vars(ManagedClient).items()
                    if isinstance(value, property)}
        self.assertLessEqual(parts, resolved)
        self.assertIn("MemoryDriver", repr(get_client()))
