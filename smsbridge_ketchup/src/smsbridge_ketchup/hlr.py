"""KetchUp HLR lookups (``hlr/create``, ``hlr/{id}``): requests and answers. Pure: the
driver makes the requests."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from smsbridge.answers import Answer
from smsbridge.errors import DeliveryUnknown, ProviderError, SmsBridgeError, ValidationError
from smsbridge.models import HlrResult, HlrStatus
from smsbridge.parsing import as_str, parse_decimal
from smsbridge.transport import Request
from smsbridge_ketchup.bodies import api_request, hlr_files
from smsbridge_ketchup.errors import refusal
from smsbridge_ketchup.parsing import (
    _field,
    _flat,
    _items,
    _match,
    _outer,
    _text,
    hlr_report,
    is_duplicate,
    item_error,
    payload,
    whole_error,
)
from smsbridge_ketchup.references import PROVIDER, hlr_references, parse_message_id
from smsbridge_ketchup.settings import KetchupSettings
from smsbridge_ketchup.validation import HLR_OPTIONS, _check_tariff, _check_url

__all__ = [
    "HlrChunk",
    "existing_hlr",
    "hlr_chunks",
    "parse_create",
    "parse_result",
    "result_request",
    "unknown_existing",
    "whole_refusal",
]


@attrs.frozen
class HlrChunk:
    """The numbers of one ``hlr/create`` request and their provider references."""

    msisdns: list[str]
    references: list[str]
    request: Request


def hlr_chunks(msisdns: Sequence[str], options: Mapping[str, Any],
               settings: KetchupSettings) -> list[HlrChunk]:
    """Check the options and split the numbers into ``hlr/create`` requests.

    One number goes as form fields, several as ``payload`` (multipart/form-data as the
    document requires); references are made as for messages, so a repeat finds them.
    """
    unknown = sorted(set(options) - HLR_OPTIONS)
    if unknown:
        raise ValidationError(f"unknown KetchUp HLR option(s) {', '.join(unknown)}; valid: "
                              f"{', '.join(sorted(HLR_OPTIONS))}", field=unknown[0])
    tariff = options.get("tariff", settings.tariff)
    if tariff is not None:
        _check_tariff(tariff)
    callback = options.get("callback_url", settings.callback_url)
    if callback is not None:
        _check_url(callback, "callback_url")
    reference = options.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise ValidationError("reference must be a string", field="reference")
    size = settings.chunk_size
    chunks: list[HlrChunk] = []
    for start in range(0, len(msisdns), size):
        chunk = list(msisdns[start:start + size])
        ref = reference if start == 0 or reference is None else f"{reference}#{start}"
        references = hlr_references(chunk, ref)
        files = hlr_files(chunk, references, tariff, callback)
        chunks.append(HlrChunk(chunk, references,
                               api_request(settings, "POST", "hlr/create", files=files)))
    return chunks


def parse_create(answer: Answer, chunk: HlrChunk
                 ) -> tuple[list[HlrResult | None], tuple[int, str | None] | None]:
    """One result per number (None: its reference exists, look it up), and the refusal
    when the request was refused whole as "exists" (every result is then None)."""
    found = payload(answer, "hlr", duplicate_ok=True)
    whole = whole_error(found)
    if whole is not None:
        return [None] * len(chunk.msisdns), whole
    with answer.reading("HLR answer"):
        items = _items(found)
        outer = _outer(found)
        out: list[HlrResult | None] = []
        ordered = _match(items, chunk.references)
        for msisdn, reference, item in zip(chunk.msisdns, chunk.references, ordered,
                                           strict=True):
            if not isinstance(item, Mapping):
                raise TypeError("a result item is not an object")
            error = item_error(answer, "hlr", item)
            if is_duplicate("hlr", error):
                out.append(None)
                continue
            out.append(HlrResult(
                id=as_str(_field(item, "id")),
                msisdn=_text(_field(item, "msisdn")) or msisdn,
                status=HlrStatus.FAILED if error else HlrStatus.SENT,
                reference=reference,
                price=parse_decimal(_field(item, "price")),
                currency=_text(_field(item, "currency")) or _text(_field(outer, "currency")),
                error=None if error is None else f"[{error.code}] {error.description}",
                raw=dict(item),
            ))
    return out, None


def whole_refusal(answer: Answer, whole: tuple[int, str | None],
                  found: Sequence[HlrResult]) -> ProviderError:
    """The error of a request refused whole as "exists" when no reference is this one's."""
    return refusal(answer, "hlr", whole[0], found[0].error or whole[1])


def unknown_existing(reference: str, error: SmsBridgeError) -> DeliveryUnknown:
    """What a failed lookup of an existing HLR reference leaves: the outcome is unknown."""
    return DeliveryUnknown(
        f"ketchup/hlr: reference {reference} exists already, but whether it is this request "
        f"could not be read ({error.message}); a repeat with the same reference finds out",
        provider=PROVIDER, operation="hlr")


def existing_hlr(found: HlrResult | None, msisdn: str, reference: str) -> HlrResult:
    """The HLR request KetchUp holds under ``reference`` (None: none), if it is this one.

    One for another number is a conflict: a failed result saying so.
    """
    if found is None or re.sub(r"\D", "", found.msisdn or "") != msisdn:
        return HlrResult(
            id=None, msisdn=msisdn, status=HlrStatus.FAILED, reference=reference,
            error=f"reference {reference} already belongs to another HLR request (not to "
                  "this number): give it another reference")
    return found


def result_request(hlr_id: str, settings: KetchupSettings) -> Request:
    """The lookup of an HLR request by id, or by reference as ``ref:<reference>``."""
    return api_request(settings, "GET", parse_message_id(hlr_id, hlr=True).path)


def parse_result(answer: Answer) -> HlrResult:
    """The HLR result a lookup answered."""
    found = payload(answer, "hlr")
    with answer.reading("HLR answer"):
        return hlr_report(_flat(found))
