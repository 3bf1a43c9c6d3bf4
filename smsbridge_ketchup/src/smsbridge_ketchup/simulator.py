"""A local simulator of the KetchUp Loyalty REST API, on the simulator kit.

Everything lives under ``/rest``: SMS and Viber sends and statuses, prices, HLR requests
(answered at once, their results pushed) and statistics exports ("not ready" on the first
download). It follows the platform where the vendor's SDKs (bsgworld's bsg-php and bsg-go,
and their live tests: KetchUp white-labels that API) show it, and the provider document
elsewhere: the README's "Simulator" section says which source each behaviour follows, and
what is pushed when.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from smsbridge.testing.accounts import Account, Money
from smsbridge.testing.answers import Refusal, answer_each, checked, json_answer, json_body, whole
from smsbridge.testing.kit import KitSimulator
from smsbridge.testing.lookups import LookupBook, LookupRecord
from smsbridge.testing.messages import Ids, MessageRecord
from smsbridge.testing.reports import Reports
from smsbridge.testing.routes import route
from smsbridge.testing.simulator import utc
from smsbridge.text import segments

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["KetchupSimulator"]

DEMO_KEY = "demo-key"
CURRENCY = "EUR"
SMS_PRICE = Decimal("0.02")
VIBER_PRICE = Decimal("0.01")
HLR_PRICE = Decimal("0.002")
MAX_EXPORTS = 5

_MSISDN = re.compile(r"^\d{10,15}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TIME = "%Y-%m-%d %H:%M:%S"
_VIBER_PATH = ("queued", "sent", "delivered", "read")
_NOT_VIBER_PATH = ("queued", "undelivered")
_NETWORK = "25501"
_COUNTRIES = (("AE", "United Arab Emirates", "424"), ("AF", "Afghanistan", "412"),
              ("UA", "Ukraine", "255"))
_CREATE = ("PUT", "POST")
_BAD_PAYLOAD = Refusal(24, "Invalid request payload")
_UNPAID = Refusal(8, "Not enough money")


def _answer(payload: Any, status: int = 200) -> Response:
    # The platform is PHP: json_encode escapes non-ASCII; "text/json" is its content type.
    return json_answer(payload, status, content_type="text/json", ascii_only=True)


def _error_row(reference: Any, code: int | str, refused: Refusal, **more: Any) -> dict[str, Any]:
    """A refused item of a many-item answer (codes: the document's text, Viber's numbers)."""
    return {"reference": reference, "error": code, "errorDescription": refused.description,
            **more}


def _wire_status(record: MessageRecord) -> str:
    """The record's state as the platform names it."""
    if record.state == "queued":
        return "accepted"
    if record.channel == "viber" and record.state == "undelivered":
        return "not-viber-user"
    return record.state


def _stamp(record: MessageRecord, step: int) -> str:
    return utc(record.stamps[step]).strftime(_TIME) if record.step >= step else ""


def _hlr_answer(lookup: LookupRecord) -> dict[str, Any]:
    """A lookup as ``hlr/{id}`` answers it and as it is pushed."""
    created = utc(lookup.created).replace(microsecond=0).isoformat()
    return {"id": lookup.id, "reference": lookup.reference, "msisdn": lookup.number,
            "network": lookup.network if lookup.status == "active" else "unknown",
            "status": lookup.status,
            "details": {"ported": str(int(lookup.ported)), "roaming": str(int(lookup.roaming))},
            "createdDatetime": created, "statusDatetime": created}


class KetchupSimulator(KitSimulator):
    """The KetchUp REST API on 127.0.0.1 for tests, demos and ``smsbridge simulate``.

    :param keys: API key -> money on that account (EUR); the first is the demo key.
    :param balance: money of the demo key when ``keys`` is not given.
    :param undeliverable: numbers whose SMS end ``undelivered``.
    :param not_viber_users: numbers whose Viber messages end ``not-viber-user``.
    :param absent: numbers whose HLR status is ``absent``.
    :param callback_url: the account's URL for pushed reports (None: nothing is pushed
        unless a request names its own).
    """

    #: "5 попыток ... через минуту, через 6 минут, через час, через 12 часов и через 24 часа".
    push_delays = (60.0, 360.0, 3600.0, 43200.0, 86400.0)
    first_id = 22125
    root = "/rest"

    def __init__(self, *, keys: dict[str, Money] | None = None, balance: Money = Decimal("10"),
                 undeliverable: Iterable[str] = (), not_viber_users: Iterable[str] = (),
                 absent: Iterable[str] = (), clock: Callable[[], float] | None = None,
                 callback_url: str | None = None) -> None:
        super().__init__(clock=clock)
        self.callback_url = callback_url
        for key, money in (keys or {DEMO_KEY: balance}).items():
            self.add_account(key, balance=money, price=SMS_PRICE)
        for number in undeliverable:
            self.fail(number)
        self.not_viber_users = set(not_viber_users)
        #: HLR requests, answered at once (ids from the messages' counter).
        self.hlrs = LookupBook(self.clock)
        self.hlrs.statuses.update(dict.fromkeys(absent, "absent"))
        #: The first download of an export says "not ready".
        self.exports = Reports(Ids(1, prefix="export"), polls=1)
        self._tasks = Ids(21902)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings of the demo account."""
        return {"api_key": self.account.login, "base_url": base_url.rstrip("/") + self.root}

    def moved(self, records: list[MessageRecord]) -> None:
        """Push each changed SMS, and each Viber message given an ``external_id``."""
        for record in records:
            if record.extra.get("external_id", True):
                body = {"error": 0, "message_data": [self._stat_row(record)]}
                self.push(json.dumps(body).encode("utf-8"), "application/json",
                          url=record.extra.get("callback_url"))

    # -- the wire -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request as the KetchUp platform would: the key first, then the route."""
        if not request.path.startswith(self.root + "/"):
            return _answer({"error": "4", "errorDescription": "Function is not supported"}, 404)
        with self.lock:
            account = self.accounts.get(request.headers.get("X-API-KEY", ""))
            if account is None:
                raise Refusal(1, "Invalid key")
            return _answer(self.route_for(request)(request, account))

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        """Any other path or method: 4 (HTTP 200), as appendix 1 says."""
        raise Refusal(4, "Function is not supported")

    def refuse(self, refusal: Refusal) -> Response:
        """Answer ``{"error": "N", "errorDescription": ...}`` (HTTP 200)."""
        return _answer({"error": str(refusal.code), "errorDescription": refusal.description})

    # -- SMS ------------------------------------------------------------------------

    @staticmethod
    def _sms_entries(body: Any) -> tuple[list[dict[str, Any]], Any]:
        """The request's messages as message record fields, checked as a whole."""
        destination = body.get("destination") if isinstance(body, dict) else None
        if destination == "phone":
            phones, sources = [body], [body]
        elif destination in ("phones", "individual"):
            phones = body.get("phones")
            if not isinstance(phones, list) or not phones or not all(
                    isinstance(phone, dict) for phone in phones):
                raise _BAD_PAYLOAD
            sources = phones if destination == "individual" else [body] * len(phones)
        else:
            raise _BAD_PAYLOAD
        entries = [{"recipient": phone.get("msisdn"), "reference": phone.get("reference"),
                    "sender": source.get("originator"), "text": source.get("body")}
                   for phone, source in zip(phones, sources, strict=True)]
        validity = body.get("validity")
        if validity is not None and whole(validity) not in range(1, 73):
            raise Refusal(28, "Invalid validity")
        if body.get("tariff") is not None and body["tariff"] not in range(10):
            raise Refusal(6, "Invalid tariff code")
        for entry in entries:
            # The platform reads the text first: a request wrong in both gets 26.
            if not isinstance(entry["text"], str) or not entry["text"]:
                raise Refusal(26, "Empty or too long text")
            sender = entry["sender"]
            if not isinstance(sender, str) or not 0 < len(sender) <= 14:
                raise Refusal(25, "Invalid originator")
        return entries, destination

    def _check_sms_entry(self, entry: dict[str, Any], bad_number: int = 11) -> None:
        checked(entry["recipient"], _MSISDN, Refusal(bad_number, "Incorrect msisdn"))
        reference = checked(entry["reference"], _REFERENCE, Refusal(27, "Invalid external id"))
        if self.messages.referenced(reference):
            raise Refusal(23, "SMS already exists")

    @route("/sms/create", methods=_CREATE)
    def _sms_create(self, request: Request, account: Account) -> Any:
        entries, destination = self._sms_entries(json_body(request, _BAD_PAYLOAD))
        if destination == "phone":
            # The platform answers one message inside "result", a refused one too: a
            # failed message, not a refused request.
            entry = entries[0]
            try:
                self._check_sms_entry(entry, bad_number=21)
            except Refusal as refused:
                return {"result": {"error": refused.code, "reference": entry["reference"],
                                   "errorDescription": refused.description}}
            (record,) = self.record(account, [entry], unpaid=_UNPAID)
            return {"result": {"error": 0, "errorDescription": "No errors", "id": record.id,
                               "reference": record.reference, "price": record.cost,
                               "currency": CURRENCY}}
        # Entries whose reference exists are answered "exists" and cost nothing: a repeat
        # of an accepted request is never refused for want of money.
        account.afford(sum((account.cost(segments(e["text"]).parts) for e in entries
                            if not self.messages.referenced(e["reference"])), Decimal(0)),
                       _UNPAID)
        task_id = self._tasks.next()
        numbers: set[str] = set()  # the numbers accepted so far: a repeat gets 31
        results = answer_each(
            entries, lambda entry: self._sms_row(account, entry, task_id, numbers),
            lambda entry, refused: _error_row(entry["reference"], str(refused.code), refused))
        return {"result": results, "error": "0",
                "totalprice": str(sum((r.cost for r in self._task_records(task_id)), Decimal(0))),
                "currency": CURRENCY, "task_id": task_id}

    def _sms_row(self, account: Account, entry: dict[str, Any], task_id: str,
                 numbers: set[str]) -> dict[str, Any]:
        """Accept one message of a many-number send (charged alone), or raise its refusal."""
        self._check_sms_entry(entry)
        if entry["recipient"] in numbers:
            raise Refusal(31, "Phone already present in the send")
        numbers.add(entry["recipient"])
        (record,) = self.record(account, [entry], unpaid=_UNPAID, extra={"task": task_id})
        return {"reference": record.reference, "id": record.id, "error": "0",
                "price": str(record.cost), "currency": CURRENCY}

    def _task_records(self, task_id: str) -> list[MessageRecord]:
        return [r for r in self.messages if r.extra.get("task") == task_id]

    @route("/<any(sms, viber):module>/<message_id>",
           "/<any(sms, viber):module>/reference/<reference>")
    def _status(self, request: Request, account: Account, module: str,
                message_id: str = "", reference: str = "") -> Any:
        record = (self.messages.referenced(reference, module) if reference
                  else next(iter(self.messages.find(message_id)), None))
        if record is None or record.channel != module:
            raise Refusal(20, "SMS not found") if module == "sms" else \
                Refusal(40, "Message not found")
        self.look([record])
        return {"error": "0", "id": record.id, "msisdn": record.recipient,
                "reference": record.reference, "time_in": _stamp(record, 0),
                "time_sent": _stamp(record, 1), "time_dr": _stamp(record, 2),
                "status": _wire_status(record), "price": str(record.cost),
                "currency": CURRENCY}

    @staticmethod
    def _stat_row(record: MessageRecord) -> dict[str, Any]:
        status = _wire_status(record)
        return {"message_ID": int(record.id), "message_type": record.channel,
                "msisdn": int(record.recipient), "originator": record.sender,
                "price": f"{record.cost} {CURRENCY}", "Incoming date": _stamp(record, 0),
                "Sending date": _stamp(record, 1), "DLR Date": _stamp(record, 2),
                "Status": status if status == "not-viber-user" else status.capitalize(),
                "body": record.text}

    @route("/sms/task/<task_id>")
    def _task(self, request: Request, account: Account, task_id: str) -> Any:
        records = self._task_records(task_id)
        if not records:
            raise Refusal(30, "Task not found")
        counts = {"sent": sum(1 for r in records if r.step),
                  "delivered": sum(1 for r in records if r.state == "delivered"),
                  "undeliverable": sum(1 for r in records if r.state == "undelivered"),
                  "expired": 0, "unknown": 0}
        total = sum((r.cost for r in records), Decimal(0))
        return {"error": "0", "originator": records[0].sender, "body": records[0].text,
                "validity": 72, **{k: str(v) for k, v in counts.items()},
                "totalprice": str(total), "currency": CURRENCY}

    @route("/sms/price", methods=_CREATE, defaults={"module": "sms"})
    @route("/viber/price", methods=_CREATE, defaults={"module": "viber"})
    def _price(self, request: Request, account: Account, module: str) -> Any:
        body = json_body(request, _BAD_PAYLOAD)
        if module == "sms":
            total = sum((SMS_PRICE * segments(e["text"]).parts
                         for e in self._sms_entries(body)[0]), Decimal(0))
        else:
            total = VIBER_PRICE * len(self._viber_recipients(body))
        return {"error": "0", "totalprice": str(total), "currency": CURRENCY}

    @route("/sms/prices", "/sms/prices/<tariff>", defaults={"module": "sms"})
    @route("/viber/prices", "/viber/prices/<tariff>", defaults={"module": "viber"})
    @route("/hlr/prices", "/hlr/prices/<tariff>", defaults={"module": "hlr"})
    def _prices(self, request: Request, account: Account, module: str,
                tariff: str | None = None) -> Any:
        if tariff is not None and whole(tariff) not in range(10):
            raise Refusal(6, "Invalid tariff code")
        price = {"sms": SMS_PRICE, "viber": VIBER_PRICE, "hlr": HLR_PRICE}[module]
        return {"error": "0", "prices": [
            {"type": module, "country": f" {code}", "country_name": name, "mcc": f" {mcc}",
             "price": str(price), "currency": CURRENCY} for code, name, mcc in _COUNTRIES]}

    # -- Viber ----------------------------------------------------------------------

    @staticmethod
    def _viber_recipients(body: Any) -> list[dict[str, Any]]:
        """The request's recipients as message record fields, checked as a whole."""
        items = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise Refusal(44, "Invalid request payload")
        if body.get("validity") is not None and whole(body["validity"]) not in range(15, 86401):
            raise Refusal(48, "Invalid validity")
        out: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("to"), list) or not item["to"]:
                raise Refusal(44, "Invalid request payload")
            if not item.get("alpha_name"):
                raise Refusal(45, "Sender is not registered")
            if not item.get("text") or not isinstance(item["text"], str):
                raise Refusal(46, "Empty or too long text")
            if item.get("options") is not None and not isinstance(item["options"].get("viber"),
                                                                   dict):
                raise Refusal(49, "Invalid Viber options")
            if not all(isinstance(recipient, dict) for recipient in item["to"]):
                raise Refusal(44, "Invalid request payload")
            # The platform deduplicates on reference (its SDKs send it), else on the
            # document's external_id.
            out.extend({"recipient": r.get("msisdn"), "sender": item["alpha_name"],
                        "reference": r.get("reference") or r.get("external_id"),
                        "text": item["text"],
                        "extra": {"external_id": r.get("external_id") is not None,
                                  "callback_url": item.get("callback_url")}}
                       for r in item["to"])
        return out

    @route("/viber/create", methods=_CREATE)
    def _viber_create(self, request: Request, account: Account) -> Any:
        recipients = self._viber_recipients(json_body(request, _BAD_PAYLOAD))
        new = [r for r in recipients if not self.messages.referenced(r["reference"], "viber")]
        account.afford(VIBER_PRICE * len(new), _UNPAID)
        results = answer_each(
            recipients, lambda entry: self._viber_row(account, entry),
            lambda entry, refused: _error_row(entry["reference"], refused.code, refused))
        total = VIBER_PRICE * sum(1 for r in results if r["error"] == 0)
        # The platform's shape (vendor SDK), not the document's one-element list.
        return {"result": results, "currency": CURRENCY, "total_price": total}

    def _viber_row(self, account: Account, entry: dict[str, Any]) -> dict[str, Any]:
        """Accept one Viber recipient (charged alone), or raise its refusal."""
        checked(entry["recipient"], _MSISDN, Refusal(11, "Incorrect msisdn"))
        if self.messages.referenced(entry["reference"], "viber"):
            raise Refusal(43, "Viber message already exists")
        reference = f"auto{self.ids.next()}" if entry["reference"] is None else entry["reference"]
        path = _NOT_VIBER_PATH if entry["recipient"] in self.not_viber_users else _VIBER_PATH
        (record,) = self.record(account, [{**entry, "reference": reference}], unpaid=_UNPAID,
                                channel="viber", parts=1, cost=VIBER_PRICE, path=path)
        return {"error": 0, "errorDescription": "No errors", "id": record.id,
                "reference": reference, "price": VIBER_PRICE, "currency": CURRENCY}

    # -- HLR ------------------------------------------------------------------------

    @route("/hlr/create", methods=_CREATE)
    def _hlr_create(self, request: Request, account: Account) -> Any:
        form = request.form
        raw = form["payload"] if "payload" in form else (
            # "JSON Body RAW": the array (or one object) every vendor SDK posts.
            request.get_data(as_text=True) if not form and request.get_data() else None)
        if raw is None:
            if not form.get("msisdn"):
                raise Refusal(11, "Incorrect msisdn")
            # One request is answered like several (vendor SDK), not flat as the document.
            return {"result": [self._hlr_row(account, dict(form))],
                    "total_price": HLR_PRICE, "currency": CURRENCY}
        try:
            entries = json.loads(raw)
        except ValueError:
            raise Refusal(14, "Incorrect payload") from None
        entries = [entries] if isinstance(entries, dict) else entries
        if not isinstance(entries, list) or not entries:
            raise Refusal(14, "Incorrect payload")
        if not all(isinstance(entry, dict) and entry.get("msisdn") for entry in entries):
            raise Refusal(14, "Incorrect payload: missing msisdn")
        account.afford(HLR_PRICE * len(entries), _UNPAID)
        results = answer_each(entries, lambda entry: self._hlr_row(account, entry),
                              self._hlr_refused)
        total = HLR_PRICE * sum(1 for r in results if r["error"] == 0)
        return {"result": results, "total_price": total, "currency": CURRENCY}

    def _hlr_row(self, account: Account, entry: dict[str, Any]) -> dict[str, Any]:
        """Answer one number's HLR request (charged alone), or raise its refusal."""
        number = checked(str(entry.get("msisdn", "")), _MSISDN, Refusal(11, "Incorrect msisdn"))
        reference = entry.get("reference")
        if not reference:
            raise Refusal(62, "HLR external id is missing")
        if self.hlrs.referenced(str(reference)):
            raise Refusal(63, "HLR already exists")
        account.pay(HLR_PRICE, _UNPAID)
        lookup = self.hlrs.add(id=self.ids.next(), number=number, reference=str(reference),
                               login=account.login, network=_NETWORK)
        # The result is known at once: push it where the request (or account) says.
        callback = entry.get("callback_url")
        self.push(json.dumps(_hlr_answer(lookup)).encode("utf-8"), "application/json",
                  url=callback if isinstance(callback, str) and callback else None)
        return {"error": 0, "errorDescription": "No errors", "msisdn": number,
                "reference": lookup.reference, "tariff_code": "0", "callback_url": "",
                "price": HLR_PRICE, "currency": CURRENCY, "id": lookup.id}

    def _hlr_refused(self, entry: dict[str, Any], refused: Refusal) -> dict[str, Any]:
        # A request whose reference exists also names that request's id.
        existing = self.hlrs.referenced(str(entry.get("reference")))
        return _error_row(entry.get("reference"), str(refused.code), refused,
                          **({"id": existing.id} if existing else {}))

    @route("/hlr/<hlr_id>", "/hlr/reference/<reference>")
    def _hlr(self, request: Request, account: Account, hlr_id: str = "",
             reference: str = "") -> Any:
        lookup = self.hlrs.referenced(reference) if reference else self.hlrs.find(hlr_id)
        if lookup is None:
            raise Refusal(10, "HLR not found")
        return _hlr_answer(lookup)

    # -- statistics -----------------------------------------------------------------

    @route("/stat/create", methods=("POST",))
    def _stat_create(self, request: Request, account: Account) -> Any:
        body = json_body(request, _BAD_PAYLOAD)
        if not isinstance(body, dict):
            raise Refusal(7, "Invalid parameters")
        if len(self.exports) >= MAX_EXPORTS:
            raise Refusal(92, "Maximum count of exports reached")
        ids = body.get("message_id")
        if isinstance(ids, list) and ids:
            if not all(str(i).isdigit() for i in ids):
                raise Refusal(80, "Invalid message_id")
            chosen = [r for r in self.messages if r.id in {str(i) for i in ids}]
        elif not body.get("time_in_from") or not body.get("time_in_to"):
            raise Refusal(86, "Invalid time frame")
        else:
            chosen = list(self.messages)
        kind = body.get("message_type")
        if kind is not None and kind not in ("sms", "hlr", "viber"):
            raise Refusal(81, "Invalid message_type")
        report = self.exports.create([r for r in chosen if kind in (None, r.channel)])
        return {"error": 0, "key": report.id}

    @route("/stat/list")
    def _stat_list(self, request: Request, account: Account) -> Any:
        return {"error": 0, "files": sorted(self.exports)}

    @route("/stat/file/id/<key>/format/<format>")
    def _stat_file(self, request: Request, account: Account, key: str, format: str) -> Any:
        report = self.exports.download(key, unknown=Refusal(90, "File not found"),
                                       not_ready=Refusal(91, "File not ready"))
        if not report.rows:
            raise Refusal(93, "File is empty")
        return {"error": 0, "message_data": [self._stat_row(r) for r in report.rows]}

    @route("/message/list/<key>", methods=("DELETE",))
    def _stat_delete(self, request: Request, account: Account, key: str) -> Any:
        if self.exports.pop(key, None) is None:
            raise Refusal(90, "File not found")
        return {"error": 0}
