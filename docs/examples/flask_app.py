"""A Flask shop that sends login codes and receives delivery reports at /sms/dlr."""

from __future__ import annotations

import os

from flask import Flask, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import smsbridge
from smsbridge.webhook import CallbackApp

app = Flask(__name__)
sms = smsbridge.connect(os.environ.get("SMS_URL", "nikita://acme:s3cret@/?sender=SHOP"))

# message id -> latest state; a real shop keeps it in its database, with report_id
# to recognize a report the provider pushes twice.
states: dict[str, str] = {}


def save_report(report: smsbridge.StatusReport) -> None:
    states[report.message_id] = report.state.value


@app.post("/signup")
def signup() -> dict[str, list[str]]:
    result = sms.send(request.form["phone"], "Your code is 1234")
    return {"ids": result.ids}


# Give the provider https://dlr:<password>@shop.example/sms/dlr as the report URL.
callbacks = CallbackApp(sms, on_report=save_report, username="dlr",
                        password=os.environ.get("DLR_PASSWORD", "change-me"))
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/sms/dlr": callbacks})
