"""Reading Nikita's answers other than a send's: reports, lookups, the account.

A delivery report is the same ``<phone>`` element whether ``dr`` answers with it or the
provider pushes it (``<report>``: several ``dr``, several ``phone`` each).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from smsbridge.answers import Answer
from smsbridge.models import Balance, DeliveryState, Lookup, Price, StatusReport
from smsbridge.parsing import as_int, as_str, parse_decimal, parse_local_datetime
from smsbridge.xmlutil import parse_xml
from smsbridge_nikita.api import BISHKEK, TIME_FORMAT, make_message_id, read_status, refusal
from smsbridge_nikita.errors import (
    DR_DESCRIPTIONS,
    DR_ERRORS,
    INFO_DESCRIPTIONS,
    INFO_ERRORS,
    LOOKUP_DESCRIPTIONS,
    LOOKUP_ERRORS,
    REPORT_DESCRIPTIONS,
    REPORT_STATES,
    STATUS_OK,
)

__all__ = [
    "parse_account_active",
    "parse_balance",
    "parse_callback",
    "parse_lookup",
    "parse_price",
    "parse_status",
]

logger = logging.getLogger("smsbridge.nikita")



def _report(entry: Any, request_id: str, raw: Any) -> StatusReport:
    """One ``<phone>`` element of a delivery report as a StatusReport."""
    if not isinstance(entry, dict):
        raise ValueError("a <phone> report is not an element")
    number = as_str(entry.get("number"))
    if number is None:
        raise ValueError("a <phone> report has no <number>")
    number = number.lstrip("+")
    code = as_int(entry.get("report"))
    if code is None:
        raise ValueError(f"the report for {number} has no <report> code")
    state = REPORT_STATES.get(code, DeliveryState.UNKNOWN)
    received = parse_local_datetime(entry.get("rcvTime"), TIME_FORMAT, BISHKEK)
    return StatusReport(
        message_id=make_message_id(request_id, number),
        recipient=number,
        state=state,
        provider_state=str(code),
        description=REPORT_DESCRIPTIONS.get(code, f"report code {code}"),
        sent_at=parse_local_datetime(entry.get("sendTime"), TIME_FORMAT, BISHKEK),
        # rcvTime is when the report arrived: the delivery time only for a delivery.
        delivered_at=received if state is DeliveryState.DELIVERED else None,
        raw=raw,
    )


def parse_status(answer: Answer, request_id: str, phone: str) -> StatusReport:
    """The report for ``phone`` from a ``dr`` answer."""
    code, root = read_status(answer, force_list=("phone", "dr"))
    if code != STATUS_OK:
        raise refusal(answer, root, code, DR_ERRORS, DR_DESCRIPTIONS)
    with answer.reading("the answer"):
        for entry in root.get("phone") or []:
            if isinstance(entry, dict) and as_str(entry.get("number")) in (phone, f"+{phone}"):
                return _report(entry, request_id, dict(entry))
    raise answer.invalid(f"the answer has no report for {phone}")


def parse_callback(pushed: Answer) -> list[StatusReport]:
    """Parse a delivery-report push (``<report>``: several ``dr``, several ``phone``)."""
    with pushed.reading("the delivery report"):
        document = parse_xml(pushed.content, force_list=("dr", "phone"))
        root = document.get("report")
        if root is None and "report" in document:
            return []  # an empty <report/>: nothing to tell
        if not isinstance(root, dict):
            raise ValueError("the body has no <report> element")
        reports = []
        for dr in root.get("dr") or []:
            if not isinstance(dr, dict):
                raise ValueError("a <dr> is not an element")
            request_id = as_str(dr.get("id"))
            if request_id is None:
                raise ValueError("a <dr> has no <id>")
            for entry in dr.get("phone") or []:
                reports.append(_report(entry, request_id, {"id": request_id, **entry}))
        return reports


def parse_lookup(answer: Answer, msisdn: str) -> Lookup:
    """A ``def`` answer as a Lookup (timezone -1 means unknown)."""
    code, root = read_status(answer)
    if code != STATUS_OK:
        raise refusal(answer, root, code, LOOKUP_ERRORS, LOOKUP_DESCRIPTIONS)
    with answer.reading("the answer"):
        offset = as_int(root.get("timezone"))
        region = as_str(root.get("region"))
        operator = as_str(root.get("operator"))
    return Lookup(msisdn=msisdn, region=region, operator=operator,
                  utc_offset=None if offset is None or offset == -1 else offset,
                  raw=dict(root))


def _info(answer: Answer) -> tuple[dict[str, Any], Mapping[str, Any]]:
    """The fields of an ``info`` answer, and the answer's body."""
    code, root = read_status(answer)
    if code != STATUS_OK:
        raise refusal(answer, root, code, INFO_ERRORS, INFO_DESCRIPTIONS)
    with answer.reading("the answer"):
        account = parse_decimal(root.get("account"))
        price = parse_decimal(root.get("smsprice"))
        state = as_int(root.get("state"))
    return {"account": account, "smsprice": price, "state": state}, root


def parse_balance(answer: Answer) -> Balance:
    """An ``info`` answer as a Balance (the document names no currency)."""
    fields, root = _info(answer)
    if fields["account"] is None:
        raise answer.invalid("the answer has no <account>")
    if fields["state"] not in (None, 0):
        logger.warning("the nikita account is inactive or blocked (state %s); sends will "
                       "be refused", fields["state"])
    return Balance(amount=fields["account"], currency=None, raw=dict(root))


def parse_price(answer: Answer) -> Price:
    """The account's price of one SMS part from an ``info`` answer."""
    fields, root = _info(answer)
    if fields["smsprice"] is None:
        raise answer.invalid("the answer has no <smsprice>")
    return Price(channel="sms", price=fields["smsprice"], currency=None, raw=dict(root))


def parse_account_active(answer: Answer) -> bool:
    """True when an ``info`` answer's ``state`` says the account is active."""
    state = _info(answer)[0]["state"]
    if state is None:
        raise answer.invalid("the answer has no <state>")
    return bool(state == 0)
