"""A local simulator of the KetchUp Loyalty REST API.

Everything lives under ``/rest``. The simulator keeps API keys with their money,
SMS and Viber messages whose status advances one step per status query, HLR requests
(answered at once), and statistics exports (the first download says "not ready").

Where the platform's behaviour is known (the vendor's SDKs, bsgworld's bsg-php and
bsg-go, and their live tests: KetchUp white-labels that API), the simulator follows the
platform; elsewhere it follows the provider document:

* platform: a single SMS is answered inside ``result`` (``{"result": {"error": 0,
  "errorDescription": "No errors", "id": ..., "price": 0.02, ...}}``), and a refused
  one too: ``{"result": {"error": 21, ...}}`` is a failed message, not a refused
  request; a single HLR request is answered like several (a ``result`` list with
  ``total_price``); a Viber send is answered ``{"result": [...], "total_price": ...}``
  (the document prints a one-element list); prices in these answers are numbers;
  a repeated HLR reference gets 63 (the document's example says 13); an empty Viber
  ``messages`` or ``to`` list gets 44; ``validity`` may be a string (``"72"``: the
  vendor's SDKs send one); the text is checked before the originator (26 before 25);
  ``hlr/create`` takes the array the document calls "JSON Body RAW" as the request
  body (the vendor's SDKs post it so) as well as multipart fields.
* document: everything else: ``"error":"0"`` strings and prices as strings in the
  other answers, ``errorDescription`` beside error codes, ``result`` lists for
  many-number SMS sends, 11 "Incorrect msisdn" for a bad number among several, the
  code table of appendix 1; an unknown function (``GET /rest/`` too) gets 4.

Pushes (RAW POST, retried on anything but 2xx after 1 and 6 minutes, 1, 12 and 24 hours:
``push_delays``): every SMS status change goes to ``callback_url`` as a statistics row
(``{"error": 0, "message_data": [row]}``); a Viber status change goes the same way to the
message's own ``callback_url`` (else the account's) when the recipient had an
``external_id``; an HLR result goes to the request's ``callback_url`` (else
the account's) as soon as it is known, shaped like the ``hlr/{id}`` answer. Status moves
one step per status query or per :meth:`KetchupSimulator.advance`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from smsbridge.testing.simulator import SimulatedMessage, Simulator, utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["KetchupSimulator"]

ROOT = "/rest"
DEMO_KEY = "demo-key"
CURRENCY = "EUR"
SMS_PRICE = Decimal("0.02")
VIBER_PRICE = Decimal("0.01")
HLR_PRICE = Decimal("0.002")
MAX_EXPORTS = 5

_MSISDN = re.compile(r"^\d{10,15}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9]{1,32}$")

SMS_STEPS = ("accepted", "sent", "delivered")
FAILED_SMS_STEPS = ("accepted", "sent", "undelivered")
VIBER_STEPS = ("accepted", "sent", "delivered", "read")
NOT_VIBER_STEPS = ("accepted", "not-viber-user")

_COUNTRIES = (("AE", "United Arab Emirates", "424"), ("AF", "Afghanistan", "412"),
              ("UA", "Ukraine", "255"))


def _whole(value: Any) -> int | None:
    """A whole number given as a number or a string of digits (``72``, ``"72"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class _Refused(Exception):
    """The provider's error answer for the request being handled."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@attrs.define(kw_only=True)
class SimMessage:
    """A message the simulator accepted."""

    id: str
    channel: str
    msisdn: str
    reference: str
    originator: str
    body: str
    price: Decimal
    steps: tuple[str, ...]
    step: int = 0
    task_id: str | None = None
    time: str = "2026-01-01 00:00:00"
    accepted_at: float = 0.0
    #: Where this message's reports are pushed (Viber: the request's ``callback_url``).
    callback_url: str | None = None
    #: False for a Viber recipient sent without ``external_id``: nothing is pushed.
    external_id: bool = True

    @property
    def status(self) -> str:
        return self.steps[self.step]

    def advance(self) -> bool:
        """Move one step; False when the status is already final."""
        if self.step + 1 >= len(self.steps):
            return False
        self.step += 1
        return True


class KetchupSimulator(Simulator):
    """The KetchUp REST API on 127.0.0.1 for tests, demos and ``smsbridge simulate``.

    :param keys: API key -> money on that account (EUR).
    :param balance: money of the demo key when ``keys`` is not given.
    :param undeliverable: numbers whose SMS end ``undelivered``.
    :param not_viber_users: numbers whose Viber messages end ``not-viber-user``.
    :param absent: numbers whose HLR status is ``absent``.
    :param callback_url: the account's URL for pushed reports (None: nothing is pushed
        unless a request names its own).
    """

    #: "5 попыток ... через минуту, через 6 минут, через час, через 12 часов и через 24 часа".
    push_delays = (60.0, 360.0, 3600.0, 43200.0, 86400.0)

    def __init__(self, *, keys: dict[str, Decimal] | None = None,
                 balance: Decimal = Decimal("10"), undeliverable: Iterable[str] = (),
                 not_viber_users: Iterable[str] = (), absent: Iterable[str] = (),
                 clock: Callable[[], float] | None = None,
                 callback_url: str | None = None) -> None:
        super().__init__(**({"clock": clock} if clock else {}))
        self.callback_url = callback_url
        self.money: dict[str, Decimal] = dict(keys) if keys else {DEMO_KEY: Decimal(balance)}
        self.undeliverable = set(undeliverable)
        self.not_viber_users = set(not_viber_users)
        self.absent = set(absent)
        self.messages: dict[str, SimMessage] = {}
        self.by_reference: dict[tuple[str, str], SimMessage] = {}
        self.tasks: dict[str, list[SimMessage]] = {}
        self.hlrs: dict[str, dict[str, Any]] = {}
        self.hlr_by_reference: dict[str, dict[str, Any]] = {}
        self.exports: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(22125)
        self._tasks = itertools.count(21902)
        self._exports = itertools.count(1)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings of the demo account."""
        return {"api_key": next(iter(self.money)), "base_url": base_url + ROOT}

    @property
    def balance(self) -> Decimal:
        """Money left on the first (demo) key."""
        return self.money[next(iter(self.money))]

    # -- dispatch -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        from werkzeug.wrappers import Response

        def answer(payload: Any, status: int = 200) -> Response:
            return Response(json.dumps(payload), status=status, content_type="text/json")

        path = request.path
        if not path.startswith(ROOT + "/"):
            return answer({"error": "4", "errorDescription": "Function is not supported"}, 404)
        parts = [p for p in path[len(ROOT):].split("/") if p]
        key = request.headers.get("X-API-KEY", "")
        with self.lock:
            if key not in self.money:
                return answer({"error": "1", "errorDescription": "Invalid key"})
            try:
                return answer(self._route(request, key, parts))
            except _Refused as refused:
                return answer({"error": str(refused.code),
                               "errorDescription": refused.description})

    def _route(self, request: Request, key: str, parts: list[str]) -> Any:
        method = request.method
        if not parts:
            raise _Refused(4, "Function is not supported")
        module, rest = parts[0], parts[1:]
        creating = method in ("PUT", "POST")
        if module in ("sms", "viber"):
            if creating and rest == ["create"]:
                body = self._json(request)
                return (self._sms_create(key, body) if module == "sms"
                        else self._viber_create(key, body))
            if creating and rest == ["price"]:
                body = self._json(request)
                return self._price(module, body)
            if method == "GET" and rest and rest[0] == "prices" and len(rest) <= 2:
                return self._prices(module, rest[1:])
            if method == "GET" and module == "sms" and len(rest) == 2 and rest[0] == "task":
                return self._task(rest[1])
            if method == "GET" and len(rest) == 2 and rest[0] == "reference":
                return self._status(module, self.by_reference.get((module, rest[1])))
            if method == "GET" and len(rest) == 1:
                found = self.messages.get(rest[0])
                return self._status(module, found if found and found.channel == module else None)
        if module == "hlr":
            if creating and rest == ["create"]:
                return self._hlr_create(key, request)
            if method == "GET" and rest and rest[0] == "prices" and len(rest) <= 2:
                return self._prices("hlr", rest[1:])
            if method == "GET" and len(rest) == 2 and rest[0] == "reference":
                return self._hlr(self.hlr_by_reference.get(rest[1]))
            if method == "GET" and len(rest) == 1:
                return self._hlr(self.hlrs.get(rest[0]))
        if module == "stat":
            if method == "POST" and rest == ["create"]:
                return self._stat_create(self._json(request))
            if method == "GET" and rest == ["list"]:
                return {"error": 0, "files": sorted(self.exports)}
            if (method == "GET" and len(rest) == 5 and rest[0] == "file" and rest[1] == "id"
                    and rest[3] == "format"):
                return self._stat_file(rest[2], rest[4])
        if module == "message" and method == "DELETE" and len(rest) == 2 and rest[0] == "list":
            if self.exports.pop(rest[1], None) is None:
                raise _Refused(90, "File not found")
            return {"error": 0}
        raise _Refused(4, "Function is not supported")

    @staticmethod
    def _json(request: Request) -> Any:
        try:
            return json.loads(request.get_data(as_text=True))
        except ValueError:
            raise _Refused(24, "Invalid request payload") from None

    # -- money ----------------------------------------------------------------------

    def _charge(self, key: str, amount: Decimal) -> None:
        if self.money[key] < amount:
            raise _Refused(8, "Not enough money")
        self.money[key] -= amount

    # -- SMS ------------------------------------------------------------------------

    def _sms_entries(self, body: Any) -> tuple[list[dict[str, Any]], Any]:
        if not isinstance(body, dict):
            raise _Refused(24, "Invalid request payload")
        destination = body.get("destination")
        if destination == "phone":
            entries = [{"msisdn": body.get("msisdn"), "reference": body.get("reference"),
                        "originator": body.get("originator"), "body": body.get("body")}]
        elif destination in ("phones", "individual"):
            phones = body.get("phones")
            if not isinstance(phones, list) or not phones:
                raise _Refused(24, "Invalid request payload")
            entries = []
            for phone in phones:
                if not isinstance(phone, dict):
                    raise _Refused(24, "Invalid request payload")
                source = phone if destination == "individual" else body
                entries.append({"msisdn": phone.get("msisdn"), "reference": phone.get("reference"),
                                "originator": source.get("originator"),
                                "body": source.get("body")})
        else:
            raise _Refused(24, "Invalid request payload")
        validity = body.get("validity")
        if validity is not None and _whole(validity) not in range(1, 73):
            raise _Refused(28, "Invalid validity")
        tariff = body.get("tariff")
        if tariff is not None and tariff not in range(10):
            raise _Refused(6, "Invalid tariff code")
        for entry in entries:
            # The platform reads the text first: a request wrong in both gets 26.
            if not isinstance(entry["body"], str) or not entry["body"]:
                raise _Refused(26, "Empty or too long text")
            originator = entry["originator"]
            if not isinstance(originator, str) or not 0 < len(originator) <= 14:
                raise _Refused(25, "Invalid originator")
        return entries, destination

    def _sms_create(self, key: str, body: Any) -> Any:
        entries, destination = self._sms_entries(body)
        if destination == "phone":
            # The platform answers one message inside "result", a refused one too: a
            # failed message, not a refused request.
            entry = entries[0]
            try:
                self._check_sms_entry(entry, bad_number=21)
            except _Refused as refused:
                return {"result": {"error": refused.code,
                                   "errorDescription": refused.description,
                                   "reference": entry["reference"]}}
            price = SMS_PRICE * segments(entry["body"]).parts
            self._charge(key, price)
            message = self._store("sms", entry, price)
            return {"result": {"error": 0, "errorDescription": "No errors", "id": message.id,
                               "reference": message.reference, "price": float(price),
                               "currency": CURRENCY}}
        # Entries whose reference exists are answered "exists" and cost nothing: a repeat
        # of an accepted request is never refused for want of money.
        total_needed = sum((SMS_PRICE * segments(e["body"]).parts for e in entries
                            if not self._exists("sms", e["reference"])), Decimal(0))
        if self.money[key] < total_needed:
            raise _Refused(8, "Not enough money")
        task_id = str(next(self._tasks))
        results = []
        total = Decimal(0)
        seen: set[str] = set()
        for entry in entries:
            try:
                self._check_sms_entry(entry)
                if entry["msisdn"] in seen:
                    raise _Refused(31, "Phone already present in the send")
            except _Refused as refused:
                results.append({"reference": entry["reference"], "error": str(refused.code),
                                "errorDescription": refused.description})
                continue
            seen.add(entry["msisdn"])
            price = SMS_PRICE * segments(entry["body"]).parts
            self._charge(key, price)
            message = self._store("sms", entry, price, task_id=task_id)
            total += price
            results.append({"reference": message.reference, "id": message.id, "error": "0",
                            "price": str(price), "currency": CURRENCY})
        return {"result": results, "error": "0", "totalprice": str(total),
                "currency": CURRENCY, "task_id": task_id}

    def _exists(self, channel: str, reference: Any) -> bool:
        return isinstance(reference, str) and (channel, reference) in self.by_reference

    def _check_sms_entry(self, entry: dict[str, Any], bad_number: int = 11) -> None:
        msisdn = entry["msisdn"]
        if not isinstance(msisdn, str) or not _MSISDN.match(msisdn):
            raise _Refused(bad_number, "Incorrect msisdn")
        reference = entry["reference"]
        if not isinstance(reference, str) or not _REFERENCE.match(reference):
            raise _Refused(27, "Invalid external id")
        if ("sms", reference) in self.by_reference:
            raise _Refused(23, "SMS already exists")

    def ledger(self) -> list[SimulatedMessage]:
        """Every accepted SMS and Viber message, one per recipient."""
        states = {"accepted": "queued", "sent": "sent", "delivered": "delivered",
                  "undelivered": "undelivered", "read": "read",
                  "not-viber-user": "undelivered"}
        with self.lock:
            return [
                SimulatedMessage(
                    recipient=m.msisdn, text=m.body, provider_id=m.id, reference=m.reference,
                    channel=m.channel, accepted_at=utc(m.accepted_at),
                    state=states.get(m.status, "unknown"))
                for m in self.messages.values()
            ]

    def _store(self, channel: str, entry: dict[str, Any], price: Decimal,
               task_id: str | None = None) -> SimMessage:
        msisdn = entry["msisdn"]
        steps: tuple[str, ...]
        if channel == "sms":
            steps = FAILED_SMS_STEPS if msisdn in self.undeliverable else SMS_STEPS
        else:
            steps = NOT_VIBER_STEPS if msisdn in self.not_viber_users else VIBER_STEPS
        message = SimMessage(id=str(next(self._ids)), channel=channel, msisdn=msisdn,
                             reference=entry["reference"], originator=entry["originator"],
                             body=entry["body"], price=price, steps=steps, task_id=task_id,
                             accepted_at=self.clock(), callback_url=entry.get("callback_url"),
                             external_id=entry.get("external_id", True))
        self.messages[message.id] = message
        self.by_reference[(channel, message.reference)] = message
        if task_id is not None:
            self.tasks.setdefault(task_id, []).append(message)
        return message

    def _status(self, module: str, message: SimMessage | None) -> Any:
        if message is None:
            if module == "sms":
                raise _Refused(20, "SMS not found")
            raise _Refused(40, "Message not found")
        if message.advance():
            self._push_status(message)
        return {"error": "0", **self._status_fields(message)}

    @staticmethod
    def _status_fields(message: SimMessage) -> dict[str, Any]:
        return {"id": message.id, "msisdn": message.msisdn,
                "reference": message.reference, "time_in": message.time,
                "time_sent": message.time if message.step else "",
                "time_dr": message.time if message.step >= 2 else "",
                "status": message.status, "price": str(message.price), "currency": CURRENCY}

    @staticmethod
    def _stat_row(message: SimMessage) -> dict[str, Any]:
        status = message.status
        return {"message_ID": int(message.id), "message_type": message.channel,
                "msisdn": int(message.msisdn), "originator": message.originator,
                "price": f"{message.price} {CURRENCY}", "Incoming date": message.time,
                "Sending date": message.time, "DLR Date": message.time,
                "Status": status.capitalize() if status != "not-viber-user" else status,
                "body": message.body}

    # -- pushes ---------------------------------------------------------------------

    def advance(self) -> int:
        """Move every message one status step, as operators report; push the changes.
        Returns how many messages moved."""
        with self.lock:
            moved = [m for m in self.messages.values() if m.advance()]
            for message in moved:
                self._push_status(message)
        return len(moved)

    def _push_status(self, message: SimMessage) -> None:
        if not message.external_id:
            return  # Viber reports only for recipients given an external_id
        body = {"error": 0, "message_data": [self._stat_row(message)]}
        self.push(json.dumps(body).encode("utf-8"), "application/json",
                  url=message.callback_url)

    def _task(self, task_id: str) -> Any:
        messages = self.tasks.get(task_id)
        if messages is None:
            raise _Refused(30, "Task not found")
        first = messages[0]
        counts = {"sent": 0, "delivered": 0, "undeliverable": 0, "expired": 0, "unknown": 0}
        for message in messages:
            counts["sent"] += 1 if message.step else 0
            if message.status in ("delivered",):
                counts["delivered"] += 1
            elif message.status == "undelivered":
                counts["undeliverable"] += 1
        total = sum((m.price for m in messages), Decimal(0))
        return {"error": "0", "originator": first.originator, "body": first.body,
                "validity": 72, **{k: str(v) for k, v in counts.items()},
                "totalprice": str(total), "currency": CURRENCY}

    def _price(self, module: str, body: Any) -> Any:
        if module == "sms":
            entries, _ = self._sms_entries(body)
            total = sum((SMS_PRICE * segments(e["body"]).parts for e in entries), Decimal(0))
        else:
            recipients = self._viber_recipients(body)
            total = VIBER_PRICE * len(recipients)
        return {"error": "0", "totalprice": str(total), "currency": CURRENCY}

    # -- Viber ----------------------------------------------------------------------

    def _viber_recipients(self, body: Any) -> list[dict[str, Any]]:
        if (not isinstance(body, dict) or not isinstance(body.get("messages"), list)
                or not body["messages"]):
            raise _Refused(44, "Invalid request payload")
        validity = body.get("validity")
        if validity is not None and _whole(validity) not in range(15, 86401):
            raise _Refused(48, "Invalid validity")
        out = []
        for item in body["messages"]:
            if not isinstance(item, dict) or not isinstance(item.get("to"), list) or not item["to"]:
                raise _Refused(44, "Invalid request payload")
            if not item.get("alpha_name"):
                raise _Refused(45, "Sender is not registered")
            if not item.get("text"):
                raise _Refused(46, "Empty or too long text")
            options = item.get("options")
            if options is not None and not isinstance(options.get("viber"), dict):
                raise _Refused(49, "Invalid Viber options")
            for recipient in item["to"]:
                if not isinstance(recipient, dict):
                    raise _Refused(44, "Invalid request payload")
                # The platform deduplicates on reference (its SDKs send it), else
                # on the document's external_id.
                out.append({"msisdn": recipient.get("msisdn"),
                            "reference": (recipient.get("reference")
                                          or recipient.get("external_id")),
                            "external_id": recipient.get("external_id") is not None,
                            "callback_url": item.get("callback_url"),
                            "originator": item["alpha_name"], "body": item["text"]})
        return out

    def _viber_create(self, key: str, body: Any) -> Any:
        recipients = self._viber_recipients(body)
        new = [r for r in recipients if not self._exists("viber", r["reference"])]
        if self.money[key] < VIBER_PRICE * len(new):
            raise _Refused(8, "Not enough money")
        results = []
        total = Decimal(0)
        for entry in recipients:
            msisdn = entry["msisdn"]
            if not isinstance(msisdn, str) or not _MSISDN.match(msisdn):
                results.append({"reference": entry["reference"], "error": 11,
                                "errorDescription": "Incorrect msisdn"})
                continue
            reference = entry["reference"]
            if reference is None:
                reference = f"auto{next(self._ids)}"
            if ("viber", reference) in self.by_reference:
                results.append({"reference": reference, "error": 43,
                                "errorDescription": "Viber message already exists"})
                continue
            self._charge(key, VIBER_PRICE)
            message = self._store("viber", {**entry, "reference": reference}, VIBER_PRICE)
            total += VIBER_PRICE
            results.append({"error": 0, "errorDescription": "No errors", "id": message.id,
                            "reference": reference, "price": float(VIBER_PRICE),
                            "currency": CURRENCY})
        # The platform's shape (vendor SDK), not the document's one-element list.
        return {"result": results, "currency": CURRENCY, "total_price": float(total)}

    # -- HLR ------------------------------------------------------------------------

    def _hlr_create(self, key: str, request: Request) -> Any:
        form = request.form
        raw: Any = None
        if "payload" in form:
            raw = form["payload"]
        elif not form and request.get_data():
            # "JSON Body RAW": the array (or one object) every vendor SDK posts.
            raw = request.get_data(as_text=True)
        if raw is not None:
            try:
                entries = json.loads(raw)
            except ValueError:
                raise _Refused(14, "Incorrect payload") from None
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(entries, list) or not entries:
                raise _Refused(14, "Incorrect payload")
            for entry in entries:
                if not isinstance(entry, dict) or not entry.get("msisdn"):
                    raise _Refused(14, "Incorrect payload: missing msisdn")
            if self.money[key] < HLR_PRICE * len(entries):
                raise _Refused(8, "Not enough money")
            results = []
            total = Decimal(0)
            for entry in entries:
                try:
                    created = self._hlr_store(key, entry)
                except _Refused as refused:
                    results.append({"reference": entry.get("reference"),
                                    "error": str(refused.code),
                                    "errorDescription": refused.description})
                    existing = self.hlr_by_reference.get(str(entry.get("reference")))
                    if existing is not None:
                        results[-1]["id"] = existing["id"]
                    continue
                total += HLR_PRICE
                results.append(self._hlr_created(created))
            return {"result": results, "total_price": float(total), "currency": CURRENCY}
        if not form.get("msisdn"):
            raise _Refused(11, "Incorrect msisdn")
        created = self._hlr_store(key, dict(form))
        # One request is answered like several (vendor SDK), not flat as the document shows.
        return {"result": [self._hlr_created(created)], "total_price": float(HLR_PRICE),
                "currency": CURRENCY}

    @staticmethod
    def _hlr_created(record: dict[str, Any]) -> dict[str, Any]:
        return {"error": 0, "errorDescription": "No errors", "msisdn": record["msisdn"],
                "reference": record["reference"], "tariff_code": "0", "callback_url": "",
                "price": float(HLR_PRICE), "currency": CURRENCY, "id": record["id"]}

    def _hlr_store(self, key: str, entry: dict[str, Any]) -> dict[str, Any]:
        msisdn = str(entry.get("msisdn", ""))
        if not _MSISDN.match(msisdn):
            raise _Refused(11, "Incorrect msisdn")
        reference = entry.get("reference")
        if not reference:
            raise _Refused(62, "HLR external id is missing")
        if str(reference) in self.hlr_by_reference:
            raise _Refused(63, "HLR already exists")
        self._charge(key, HLR_PRICE)
        absent = msisdn in self.absent
        record: dict[str, Any] = {
                  "id": str(next(self._ids)), "reference": str(reference), "msisdn": msisdn,
                  "network": "unknown" if absent else "25501",
                  "status": "absent" if absent else "active",
                  "details": {"ported": "0", "roaming": "0"},
                  "createdDatetime": "2026-01-01T00:00:00+00:00",
                  "statusDatetime": "2026-01-01T00:00:01+00:00"}
        self.hlrs[record["id"]] = record
        self.hlr_by_reference[record["reference"]] = record
        # The result is known at once: push it where the request (or account) says.
        callback = entry.get("callback_url")
        self.push(json.dumps(record).encode("utf-8"), "application/json",
                  url=callback if isinstance(callback, str) and callback else None)
        return record

    def _hlr(self, record: dict[str, Any] | None) -> Any:
        if record is None:
            raise _Refused(10, "HLR not found")
        return dict(record)

    # -- prices ---------------------------------------------------------------------

    def _prices(self, module: str, tariff: list[str]) -> Any:
        if tariff and (not tariff[0].isdigit() or int(tariff[0]) > 9):
            raise _Refused(6, "Invalid tariff code")
        price = {"sms": SMS_PRICE, "viber": VIBER_PRICE, "hlr": HLR_PRICE}[module]
        return {"error": "0", "prices": [
            {"type": module, "country": f" {code}", "country_name": name, "mcc": f" {mcc}",
             "price": str(price), "currency": CURRENCY} for code, name, mcc in _COUNTRIES]}

    # -- statistics -----------------------------------------------------------------

    def _stat_create(self, body: Any) -> Any:
        if not isinstance(body, dict):
            raise _Refused(7, "Invalid parameters")
        if len(self.exports) >= MAX_EXPORTS:
            raise _Refused(92, "Maximum count of exports reached")
        ids = body.get("message_id")
        if isinstance(ids, list) and ids:
            if not all(str(i).isdigit() for i in ids):
                raise _Refused(80, "Invalid message_id")
            chosen = [m for m in self.messages.values() if m.id in {str(i) for i in ids}]
        else:
            if not body.get("time_in_from") or not body.get("time_in_to"):
                raise _Refused(86, "Invalid time frame")
            chosen = list(self.messages.values())
        kind = body.get("message_type")
        if kind is not None:
            if kind not in ("sms", "hlr", "viber"):
                raise _Refused(81, "Invalid message_type")
            chosen = [m for m in chosen if m.channel == kind]
        key = f"export{next(self._exports)}"
        self.exports[key] = {"messages": chosen, "downloads": 0}
        return {"error": 0, "key": key}

    def _stat_file(self, key: str, file_format: str) -> Any:
        export = self.exports.get(key)
        if export is None:
            raise _Refused(90, "File not found")
        export["downloads"] += 1
        if export["downloads"] == 1:
            raise _Refused(91, "File not ready")
        if not export["messages"]:
            raise _Refused(93, "File is empty")
        return {"error": 0,
                "message_data": [self._stat_row(m) for m in export["messages"]]}
