"""SMS campaigns across many Celery workers, with no SMS lost or doubled.

::

    from celery import Celery
    from smsbridge.integrations import celery as sms_celery

    app = Celery("shop", broker="redis://127.0.0.1:6379/0")
    sms_celery.setup(app, providers={"main": "nikita://acme:s3cret@/?sender=ACME"},
                     ledger="redis://127.0.0.1:6379/1", rate_limits={"main": 20})
    campaign = sms_celery.send_campaign(app, "main", numbers, "Sale at noon")
    campaign.wait(timeout=600)

Needs ``pip install "smsbridge[celery]"`` (celery and redis). See ``docs/celery.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from smsbridge.errors import ConfigError
from smsbridge.integrations.celery.campaign import (
    Campaign,
    CampaignNotFound,
    CampaignProgress,
    CampaignRecord,
    CampaignTimeout,
    send_campaign,
)
from smsbridge.integrations.celery.worker import SEND_TASK, SWEEP_TASK, Settings, register_tasks

if TYPE_CHECKING:
    from celery import Celery

__all__ = ["SEND_TASK", "SWEEP_TASK", "Campaign", "CampaignNotFound", "CampaignProgress",
           "CampaignRecord", "CampaignTimeout", "send_campaign", "setup"]


def setup(
    app: Celery,
    providers: Mapping[str, str | Mapping[str, Any]],
    ledger: str,
    rate_limits: Mapping[str, float] | None = None,
    *,
    max_attempts: int = 3,
    lease: float = 120.0,
    retention: float = 7 * 24 * 3600,
) -> None:
    """Give ``app`` the campaign tasks and this process's providers; call it in producers
    and in workers alike.

    :param providers: name -> smsbridge URL or settings mapping. Only the names travel
        in broker messages; each process keeps its own credentials.
    :param ledger: the Redis URL of the campaign ledger (may be the broker's server).
    :param rate_limits: name -> messages per second, held by all workers together.
    :param max_attempts: how many times a chunk may be attempted (redeliveries and
        retries of errors safe to repeat included).
    :param lease: seconds an attempt holds its chunk; past it the attempt counts as dead.
        Keep it above the driver's longest request (its ``deadline``).
    :param retention: seconds the ledger keeps a campaign.
    """
    if not isinstance(ledger, str) or not ledger.startswith(("redis://", "rediss://",
                                                             "unix://")):
        raise ConfigError("ledger must be a redis:// URL", key="ledger")
    limits = dict(rate_limits or {})
    for name, rate in limits.items():
        if name not in providers:
            raise ConfigError(f"rate_limits names {name!r}, which is not in providers",
                              key="rate_limits")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate <= 0:
            raise ConfigError(f"rate_limits[{name!r}] must be a positive number of "
                              "messages per second", key="rate_limits")
    if max_attempts < 1:
        raise ConfigError("max_attempts must be at least 1", key="max_attempts")
    if lease <= 0 or retention <= 0:
        raise ConfigError("lease and retention must be positive", key="lease")
    app._smsbridge_settings = Settings(
        providers=dict(providers), ledger_url=ledger, rate_limits=limits,
        max_attempts=max_attempts, lease=float(lease), retention=float(retention))
    if not getattr(app, "_smsbridge_tasks", False):
        register_tasks(app)
        app._smsbridge_tasks = True
