"""A local simulator of Example SMS, written from its README (not from the driver).

``/v1/messages``, ``/v1/messages/{id}`` and ``/v1/balance`` answer as the provider
does: Bearer API keys, a balance charged per part, messages that go ``queued`` ->
``sent`` -> ``delivered`` one second apart on the simulator's clock (a number ending in
``0000`` ends ``failed``), and the documented error answers. Accounts, message records,
progression, faults and latency come from the simulator kit (``docs/simulators.md``)::

    sim = ExampleSimulator()
    with sim.serve() as url:
        sms = smsbridge.connect("example", **sim.client_settings(url))

Needs werkzeug (``pip install "smsbridge-example[simulator]"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.testing.accounts import Account, Money
from smsbridge.testing.answers import Refusal, json_answer
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.messages import Ids, Progression
from smsbridge.testing.routes import route
from smsbridge.testing.simulator import utc

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["DEMO_API_KEY", "ExampleSimulator"]

DEMO_API_KEY = "demo-key"
_PHONE = re.compile(r"^[0-9]{7,15}$")
_SENDER = re.compile(r"^(?:[A-Za-z][A-Za-z0-9 .\-]{0,10}|[0-9]{3,15})$")
_MAX_RECIPIENTS = 100
_MAX_TEXT = 1600
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: The kit's states (DeliveryState values) -> the README's ``status`` values.
_STATUSES = {"queued": "queued", "sent": "sent", "delivered": "delivered",
             "undelivered": "failed"}


class ExampleSimulator(KitSimulator):
    """Example SMS with one account (``api_key``), its balance and its messages.

    ``balance`` and ``price`` (per part) are the demo account's; ``clock`` gives epoch
    seconds. Messages are sent one second after they are accepted and final one second
    later (``sim.deliver_after`` and ``sim.progression`` change that at run time).
    """

    failing_suffix = "0000"
    root = "/v1"

    def __init__(self, *, api_key: str = DEMO_API_KEY, balance: Money = Decimal("10.00"),
                 price: Money = Decimal("0.05"),
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(clock=clock, progression=Progression.timed(2.0, sent_after=1.0))
        self.ids = Ids(self.first_id, prefix="msg-")
        # Example SMS knows an account by its API key alone: the key is the login.
        self.add_account(api_key, balance=balance, price=price)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings that connect the ``example`` driver to this simulator's account."""
        return {"api_key": self.account.login, "base_url": base_url.rstrip("/") + self.root}

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as the provider would: the API key first, then the route."""
        with self.lock:
            account = self._authorize(request.headers.get("Authorization", ""))
            answer: Response = self.route_for(request)(request, account)
            return answer

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        """Any other path or method: the README's 404."""
        raise Refusal("not_found", f"no endpoint {request.method} {request.path}", status=404)

    def refuse(self, refusal: Refusal) -> Response:
        """Answer the README's error shape: ``{"error": {"code", "message"}}``."""
        return json_answer({"error": {"code": refusal.code, "message": refusal.description}},
                           refusal.status)

    def _authorize(self, header: str) -> Account:
        scheme, _, key = header.partition(" ")
        account = self.accounts.get(key) if scheme == "Bearer" else None
        if account is None:
            raise Refusal("unauthorized", "missing or wrong API key", status=401)
        return account

    @route("/messages", methods=("POST",))
    def _send(self, request: Request, account: Account) -> Response:
        # The README's checks, in its order: it decides which error a bad request gets.
        try:
            body = json.loads(request.get_data())
            to, text, sender = body["to"], body["text"], body.get("sender")
        except (ValueError, KeyError, TypeError):
            raise Refusal("invalid_request", "the body is not a send request",
                          status=400) from None
        if not isinstance(to, list) or not 1 <= len(to) <= _MAX_RECIPIENTS:
            raise Refusal("invalid_request", "to: 1 to 100 numbers", status=400)
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_TEXT:
            raise Refusal("invalid_request", "text: 1 to 1600 characters", status=400)
        if sender is not None and not (isinstance(sender, str) and _SENDER.match(sender)):
            raise Refusal("invalid_sender", f"sender {sender!r} is not approved", status=400)
        good = [number for number in to if isinstance(number, str) and _PHONE.match(number)]
        # The request is paid in full or refused; each good number gets a record (and an
        # id) of its own.
        records = iter(self.record(account, good, text=text, sender=sender or "", unpaid=Refusal(
            "insufficient_funds", "the balance does not cover the send", status=402)))
        items: list[dict[str, Any]] = []
        for number in to:
            if number in good:
                record = next(records)
                items.append({"id": record.id, "to": number, "parts": record.parts})
            else:
                items.append({"to": number, "error": {"code": "invalid_number",
                                                      "message": f"no such number: {number}"}})
        return json_answer({"messages": items}, 201)

    @route("/messages/<message_id>")
    def _status(self, request: Request, account: Account, message_id: str) -> Response:
        records = self.query(message_id, account.login)
        if records is None:
            raise Refusal("not_found", f"no message {message_id}", status=404)
        record = records[0]
        return json_answer({"id": record.id, "to": record.recipient,
                            "status": _STATUSES[record.state],
                            # The last stamp: when the record reached its current state.
                            "updated_at": utc(record.stamps[-1]).strftime(_UTC_FORMAT)})

    @route("/balance")
    def _balance(self, request: Request, account: Account) -> Response:
        return json_answer({"balance": str(account.balance), "currency": "EUR"})
