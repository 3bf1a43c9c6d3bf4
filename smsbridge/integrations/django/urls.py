"""``path("sms/", include("smsbridge.integrations.django.urls"))`` gives each configured
provider ``POST sms/<name>/callback/`` for its delivery reports."""

from __future__ import annotations

from django.urls import path

from smsbridge.integrations.django.views import callback

app_name = "smsbridge"

urlpatterns = [
    path("<str:name>/callback/", callback, name="callback"),
]
