"""Signals of the Django integration; ``sender`` is :class:`smsbridge.Client` for all.

- ``pre_send(using, to, text, options)``: before :func:`~smsbridge.integrations.django.send_sms`
  sends. ``to`` is a list of numbers a receiver may shorten; raise :class:`CancelSend` (or
  empty ``to``) to send nothing.
- ``post_send(using, to, text, options, result, error)``: after the send; ``result`` is the
  :class:`~smsbridge.SendResult` (on an error, what was accepted before it, or None) and
  ``error`` the :class:`~smsbridge.SmsBridgeError` raised, else None.
- ``delivery_report(using, report)``: a provider pushed a report (a
  :class:`~smsbridge.StatusReport` or :class:`~smsbridge.HlrResult`) to the callback view.
  A receiver that raises makes the view answer 500, so the provider pushes it again; use
  ``report.report_id`` to recognize a repeat.
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = ["CancelSend", "delivery_report", "post_send", "pre_send"]

pre_send = Signal()
post_send = Signal()
delivery_report = Signal()


class CancelSend(Exception):
    """Raised by a ``pre_send`` receiver to send nothing."""
