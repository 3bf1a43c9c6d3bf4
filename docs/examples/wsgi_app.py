"""Delivery reports with no framework at all: serve ``application`` with any WSGI server
(``gunicorn wsgi_app:application``, ``python wsgi_app.py`` for wsgiref)."""

from __future__ import annotations

import logging
import os

import smsbridge
from smsbridge.webhook import CallbackApp

log = logging.getLogger("shop.sms")
sms = smsbridge.from_env()  # SMSBRIDGE_URL=ketchup://<api key>@/ ...


def handle(report: smsbridge.StatusReport | smsbridge.HlrResult) -> None:
    log.info("report %s: %s", report.report_id, report)


application = CallbackApp(sms, on_report=handle, username="dlr",
                          password=os.environ["DLR_PASSWORD"], max_body=64 * 1024)

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    make_server("127.0.0.1", 8000, application).serve_forever()
