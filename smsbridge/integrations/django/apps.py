"""The Django app of smsbridge: ``INSTALLED_APPS += ["smsbridge.integrations.django"]``."""

from __future__ import annotations

from django.apps import AppConfig


class SmsBridgeConfig(AppConfig):
    """Registers the system checks and forgets cached clients when settings change."""

    name = "smsbridge.integrations.django"
    label = "smsbridge"
    verbose_name = "smsbridge"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from smsbridge.integrations.django import checks, clients

        checks.register()
        setting_changed.connect(clients.settings_changed,
                                dispatch_uid="smsbridge.settings_changed")
