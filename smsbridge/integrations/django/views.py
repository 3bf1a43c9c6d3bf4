"""The delivery-report view: :class:`smsbridge.webhook.CallbackApp` behind a Django URL."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from smsbridge.integrations.django import clients

__all__ = ["callback"]


@csrf_exempt
def callback(request: HttpRequest, name: str) -> HttpResponse:
    """Answer a provider's push for the provider configured as ``name``.

    404 for a name not in ``SMSBRIDGE``; 403 while ``SMSBRIDGE_WEBHOOK`` is not set; else
    whatever :meth:`~smsbridge.webhook.CallbackApp.respond` says (200, 400, 401, 405, 413,
    500), each report sent as the ``delivery_report`` signal.
    """
    if name not in clients.configured():
        return HttpResponse(b"no such provider\n", status=404, content_type="text/plain")
    app = clients.callback_app(name)
    if app is None:
        return HttpResponse(b"SMSBRIDGE_WEBHOOK is not configured\n", status=403,
                            content_type="text/plain")
    answer = app.respond(request.method or "GET", request.headers, request.read)
    response = HttpResponse(answer.body if request.method != "HEAD" else b"",
                            status=answer.status)
    for header, value in answer.headers:
        response[header] = value
    return response
