"""Views that send SMS the way legacy apps do: through send_sms, and through a client
taken at import time."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from smsbridge.integrations.django import get_client, send_sms

# Taken when the module is imported, long before any test starts.
sms = get_client("backup")


@require_POST
def signup(request: HttpRequest) -> JsonResponse:
    result = send_sms(request.POST["phone"], "Your code is 1234")
    return JsonResponse({"ids": result.ids})


@require_POST
def notify(request: HttpRequest) -> JsonResponse:
    result = sms.send(request.POST["phone"], "Your order has shipped")
    return JsonResponse({"ids": result.ids})
