"""System checks (``manage.py check``) for the SMSBRIDGE settings.

- ``smsbridge.E001`` SMSBRIDGE is not a dict.
- ``smsbridge.E002`` an SMSBRIDGE entry cannot make a client (unknown driver, bad URL,
  unknown or missing setting); the message is smsbridge's own, which never holds a secret.
- ``smsbridge.E003`` SMSBRIDGE_WEBHOOK is not a dict with a non-empty ``username`` and
  ``password`` (and optionally a positive ``max_body``).
- ``smsbridge.E004`` the callback URLs are included but SMSBRIDGE_WEBHOOK is not set: every
  push would be refused.
- ``smsbridge.W001`` SMSBRIDGE is not set or empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import checks

from smsbridge.errors import SmsBridgeError
from smsbridge.integrations.django.clients import WEBHOOK_KEYS, make_client

__all__ = ["check_settings", "register"]


def register() -> None:
    """Register the checks with Django (the app's ``ready()`` does it)."""
    checks.register(check_settings, "smsbridge")


def _providers() -> list[checks.CheckMessage]:
    providers = getattr(settings, "SMSBRIDGE", None)
    if providers is None or (isinstance(providers, Mapping) and not providers):
        return [checks.Warning(
            "SMSBRIDGE names no provider: get_client() and send_sms() will fail.",
            hint='SMSBRIDGE = {"default": "nikita://login:password@/?sender=ACME"}',
            id="smsbridge.W001")]
    if not isinstance(providers, Mapping):
        return [checks.Error(
            f"SMSBRIDGE must be a dict of name -> URL or mapping, not "
            f"{type(providers).__name__}.", id="smsbridge.E001")]
    found: list[checks.CheckMessage] = []
    for name, config in providers.items():
        try:
            make_client(config).close()
        except SmsBridgeError as exc:
            found.append(checks.Error(f"SMSBRIDGE[{name!r}]: {exc}", id="smsbridge.E002"))
    return found


def _urls_included() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("smsbridge:callback", kwargs={"name": "default"})
    except NoReverseMatch:
        return False
    except Exception:  # an URLconf that does not import is Django's own check to report
        return False
    return True


def _webhook() -> list[checks.CheckMessage]:
    webhook = getattr(settings, "SMSBRIDGE_WEBHOOK", None)
    if webhook is None:
        if _urls_included():
            return [checks.Error(
                "smsbridge's callback URLs are included but SMSBRIDGE_WEBHOOK is not set: "
                "every delivery report would be refused.",
                hint='SMSBRIDGE_WEBHOOK = {"username": "dlr", "password": "..."}',
                id="smsbridge.E004")]
        return []
    problems = []
    if not isinstance(webhook, Mapping):
        problems.append(f"must be a dict, not {type(webhook).__name__}")
    else:
        unknown = sorted(set(map(str, webhook)) - WEBHOOK_KEYS)
        if unknown:
            problems.append(f"unknown keys {', '.join(unknown)} (valid: "
                            f"{', '.join(sorted(WEBHOOK_KEYS))})")
        for key in ("username", "password"):
            value: Any = webhook.get(key)
            if not isinstance(value, str) or not value:
                problems.append(f"{key!r} must be a non-empty string")
        max_body = webhook.get("max_body", 1)
        if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
            problems.append("'max_body' must be a positive number of bytes")
    return [checks.Error(f"SMSBRIDGE_WEBHOOK: {problem}.", id="smsbridge.E003")
            for problem in problems]


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every smsbridge check."""
    return [*_providers(), *_webhook()]
