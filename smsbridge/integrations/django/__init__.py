"""smsbridge for Django: providers from settings, signals, delivery-report views and a test
outbox (``pip install "smsbridge[django]"``)::

    INSTALLED_APPS += ["smsbridge.integrations.django"]
    SMSBRIDGE = {"default": "nikita://acme:s3cret@/?sender=ACME"}
    SMSBRIDGE_WEBHOOK = {"username": "dlr", "password": "..."}

    from smsbridge.integrations.django import get_client, send_sms
    send_sms("+996 550 123 456", "Your code is 1234")          # -> SendResult

While Django's tests run (``manage.py test`` or pytest-django), every client from
:func:`get_client` records into :data:`outbox` instead of sending::

    from smsbridge.integrations import django as sms

    def test_signup_sends_a_code(self):
        self.client.post("/signup/", {"phone": "+996 550 123 456"})
        assert sms.outbox.last.text.startswith("Your code")
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from smsbridge.client import Client
from smsbridge.errors import SmsBridgeError
from smsbridge.integrations.django.clients import get_client, outbox
from smsbridge.models import SendResult

__all__ = ["get_client", "outbox", "send_sms"]


def send_sms(to: str | Iterable[str], text: str, *, using: str = "default",
             sender: str | None = None, send_at: datetime | None = None,
             validity: timedelta | float | None = None, reference: str | None = None,
             **options: Any) -> SendResult:
    """Send ``text`` through the provider configured as ``using``, with the signals.

    ``pre_send`` may shorten the recipients or cancel (an empty :class:`SendResult` is
    returned); ``post_send`` gets the result or the error, which is raised again.
    """
    from smsbridge.integrations.django.signals import CancelSend, post_send, pre_send

    client = get_client(using)
    numbers = [to] if isinstance(to, str) else list(to)
    options = {"sender": sender, "send_at": send_at, "validity": validity,
               "reference": reference, **options}
    try:
        pre_send.send(sender=Client, using=using, to=numbers, text=text, options=options)
    except CancelSend:
        return SendResult()
    if not numbers:
        return SendResult()
    try:
        result = client.send(numbers, text, **options)
    except SmsBridgeError as exc:
        post_send.send(sender=Client, using=using, to=numbers, text=text, options=options,
                       result=exc.partial, error=exc)
        raise
    post_send.send(sender=Client, using=using, to=numbers, text=text, options=options,
                   result=result, error=None)
    return result
