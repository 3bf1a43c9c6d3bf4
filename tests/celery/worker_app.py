"""The Celery app the test workers run: ``celery -A worker_app worker``.

Configured from the environment the tests give each worker process: broker, ledger,
providers (JSON) and rate limits (JSON). Not a test module.
"""

from __future__ import annotations

import json
import os

from celery import Celery

from smsbridge.integrations import celery as sms_celery

app = Celery("smsbridge-tests", broker=os.environ["SMSB_BROKER"])
app.conf.update(
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    # Short, so that the tests see a killed worker's message come back within seconds;
    # above the lease, so that the ledger has released the chunk by then.
    broker_transport_options={
        "visibility_timeout": float(os.environ.get("SMSB_VISIBILITY", "8")),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
)
sms_celery.setup(
    app,
    providers=json.loads(os.environ["SMSB_PROVIDERS"]),
    ledger=os.environ["SMSB_LEDGER"],
    rate_limits=json.loads(os.environ.get("SMSB_RATES", "{}")),
    lease=float(os.environ.get("SMSB_LEASE", "6")),
)
