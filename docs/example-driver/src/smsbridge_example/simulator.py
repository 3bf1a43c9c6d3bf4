"""A local simulator of Example SMS, written from its README (not from the driver).

``/v1/messages``, ``/v1/messages/{id}`` and ``/v1/balance`` answer as the provider
does: Bearer API keys, a balance charged per part, messages that go ``queued`` ->
``sent`` -> ``delivered`` one second apart on the simulator's clock (a number ending in
``0000`` ends ``failed``), and the documented error answers. Faults come from
:class:`smsbridge.testing.Simulator`::

    sim = ExampleSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("example", **sim.client_settings(url))
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage, Simulator, utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_API_KEY", "ExampleSimulator", "SimMessage"]

DEMO_API_KEY = "demo-key"
_ROOT = "/v1"
_PHONE = re.compile(r"^[0-9]{7,15}$")
_SENDER = re.compile(r"^(?:[A-Za-z][A-Za-z0-9 .\-]{0,10}|[0-9]{3,15})$")
_MAX_RECIPIENTS = 100
_MAX_TEXT = 1600
_FAILING_SUFFIX = "0000"
#: The README's message states -> the DeliveryState values of the ledger.
_LEDGER_STATES = {"queued": "queued", "sent": "sent", "delivered": "delivered",
                  "failed": "undelivered"}
#: Seconds after acceptance at which a message is sent, then delivered (or failed).
_SENT_AFTER, _FINAL_AFTER = 1.0, 2.0


@attrs.define(kw_only=True)
class SimMessage:
    """One message to one recipient, as the simulated provider holds it."""

    id: str
    to: str
    text: str
    sender: str | None
    accepted_at: float

    def status(self, now: float) -> tuple[str, float]:
        """The message's state ``now`` (seconds since the epoch), and since when."""
        age = now - self.accepted_at
        if age < _SENT_AFTER:
            return "queued", self.accepted_at
        if age < _FINAL_AFTER:
            return "sent", self.accepted_at + _SENT_AFTER
        final = "failed" if self.to.endswith(_FAILING_SUFFIX) else "delivered"
        return final, self.accepted_at + _FINAL_AFTER


class ExampleSimulator(Simulator):
    """Example SMS with one account (``api_key``), its balance and its messages."""

    def __init__(self, *, api_key: str = DEMO_API_KEY, balance: Decimal = Decimal("10.00"),
                 price: Decimal = Decimal("0.05"),
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(**({"clock": clock} if clock is not None else {}))
        self.api_key = api_key
        self.balance = balance
        self.price = price
        self.messages: dict[str, SimMessage] = {}
        self._ids = itertools.count(1)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings that connect the ``example`` driver to this simulator's account."""
        return {"api_key": self.api_key, "base_url": base_url + _ROOT}

    def ledger(self) -> list[SimulatedMessage]:
        """Every message a recipient would receive."""
        with self.lock:
            now = self.clock()
            return [SimulatedMessage(recipient=m.to, text=m.text, provider_id=m.id,
                                     reference=None, channel="sms",
                                     accepted_at=utc(m.accepted_at),
                                     state=_LEDGER_STATES[m.status(now)[0]])
                    for m in self.messages.values()]

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as the provider would."""
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "unauthorized", "missing or wrong API key")
        path = request.path.removeprefix(_ROOT)
        with self.lock:
            if path == "/messages" and request.method == "POST":
                return self._send(request)
            if path.startswith("/messages/") and request.method == "GET":
                return self._status(path.removeprefix("/messages/"))
            if path == "/balance" and request.method == "GET":
                return _json(200, {"balance": str(self.balance), "currency": "EUR"})
        return _error(404, "not_found", f"no endpoint {request.method} {request.path}")

    def _send(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data())
            to, text, sender = body["to"], body["text"], body.get("sender")
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_request", "the body is not a send request")
        if not isinstance(to, list) or not 1 <= len(to) <= _MAX_RECIPIENTS:
            return _error(400, "invalid_request", "to: 1 to 100 numbers")
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_TEXT:
            return _error(400, "invalid_request", "text: 1 to 1600 characters")
        if sender is not None and not (isinstance(sender, str) and _SENDER.match(sender)):
            return _error(400, "invalid_sender", f"sender {sender!r} is not approved")
        good = [number for number in to if isinstance(number, str) and _PHONE.match(number)]
        cost = self.price * segments(text).parts * len(good)
        if cost > self.balance:
            return _error(402, "insufficient_funds", "the balance does not cover the send")
        self.balance -= cost
        items: list[dict[str, Any]] = []
        for number in to:
            if number not in good:
                items.append({"to": number, "error": {"code": "invalid_number",
                                                      "message": f"no such number: {number}"}})
                continue
            message = SimMessage(id=f"msg-{next(self._ids)}", to=number, text=text,
                                 sender=sender, accepted_at=self.clock())
            self.messages[message.id] = message
            items.append({"id": message.id, "to": number, "parts": segments(text).parts})
        return _json(201, {"messages": items})

    def _status(self, message_id: str) -> Response:
        message = self.messages.get(message_id)
        if message is None:
            return _error(404, "not_found", f"no message {message_id}")
        state, since = message.status(self.clock())
        return _json(200, {"id": message.id, "to": message.to, "status": state,
                           "updated_at": utc(since).strftime("%Y-%m-%dT%H:%M:%SZ")})


def _json(status: int, payload: Any) -> Response:
    from werkzeug.wrappers import Response

    return Response(json.dumps(payload), status=status, content_type="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json(status, {"error": {"code": code, "message": message}})
