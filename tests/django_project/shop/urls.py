from __future__ import annotations

from django.urls import include, path

from shop import views

urlpatterns = [
    path("signup/", views.signup),
    path("notify/", views.notify),
    path("sms/", include("smsbridge.integrations.django.urls")),
]
