"""The examples of docs/django.md, as they are there."""

# ruff: noqa: E402 - two examples, each with its own imports
from __future__ import annotations

from django.test import TestCase

from smsbridge.integrations.django import outbox


class SignupTests(TestCase):
    def test_signup_sends_a_code(self):
        self.client.post("/signup/", {"phone": "+996 550 123 456"})
        self.assertEqual(outbox.last.to, "996550123456")
        self.assertIn("code", outbox.last.text)


from django.test import LiveServerTestCase

import smsbridge
from smsbridge.integrations.django.signals import delivery_report
from smsbridge_nikita.simulator import NikitaSimulator


class ReportTests(LiveServerTestCase):
    def test_delivered(self):
        seen = []

        def receive(report, **kwargs):
            seen.append(str(report.state))

        delivery_report.connect(receive)
        self.addCleanup(delivery_report.disconnect, receive)
        sim = NikitaSimulator()
        sim.push_delays = (0.1, 0.1, 0.1)  # Nikita's own are 10 minutes
        # The user and password of SMSBRIDGE_WEBHOOK:
        base = self.live_server_url.replace("http://", "http://dlr:hook-pw@")
        sim.callback_url = f"{base}/sms/default/callback/"
        with sim.serve() as url, smsbridge.connect(
                "nikita", **sim.client_settings(url)) as client:
            client.send("996550123456", "hello")
        sim.advance()  # queued -> sent, pushed
        sim.advance()  # sent -> delivered, pushed
        self.assertTrue(sim.wait_pushes(10))
        self.assertEqual(seen, ["sent", "delivered"])
