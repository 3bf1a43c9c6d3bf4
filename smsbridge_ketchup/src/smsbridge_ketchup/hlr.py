"""KetchUp HLR lookups: ``hlr/create`` and ``hlr/{id}``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from smsbridge.errors import DeliveryUnknown, NotFound, SmsBridgeError, ValidationError
from smsbridge.models import HlrResult, HlrStatus
from smsbridge.parsing import as_str, parse_decimal
from smsbridge_ketchup.base import ApiBase, logger
from smsbridge_ketchup.bodies import hlr_files
from smsbridge_ketchup.errors import provider_error
from smsbridge_ketchup.parsing import (
    _error_of,
    _field,
    _flat,
    _is_duplicate,
    _items,
    _match,
    _outer,
    _text,
    hlr_report,
)
from smsbridge_ketchup.references import PROVIDER, hlr_references, parse_message_id
from smsbridge_ketchup.validation import HLR_OPTIONS, _check_tariff, _check_url

__all__ = ["HlrApi"]


class HlrApi(ApiBase):
    """HLR requests, deduplicated by reference like sends."""

    def hlr(self, msisdns: Sequence[str], options: Mapping[str, Any]) -> list[HlrResult]:
        """Create HLR requests: one number as form fields, several as ``payload``."""
        unknown = sorted(set(options) - HLR_OPTIONS)
        if unknown:
            raise ValidationError(f"unknown KetchUp HLR option(s) {', '.join(unknown)}; valid: "
                                  f"{', '.join(sorted(HLR_OPTIONS))}", field=unknown[0])
        tariff = options.get("tariff", self.settings.tariff)
        if tariff is not None:
            _check_tariff(tariff)
        callback = options.get("callback_url", self.settings.callback_url)
        if callback is not None:
            _check_url(callback, "callback_url")
        reference = options.get("reference")
        if reference is not None and not isinstance(reference, str):
            raise ValidationError("reference must be a string", field="reference")
        out: list[HlrResult] = []
        size = self.settings.chunk_size
        for start in range(0, len(msisdns), size):
            chunk = list(msisdns[start:start + size])
            ref = reference if start == 0 or reference is None else f"{reference}#{start}"
            references = hlr_references(chunk, ref)
            out.extend(self._hlr_create(chunk, references, tariff, callback))
        return out

    def _hlr_create(self, msisdns: Sequence[str], references: Sequence[str],
                    tariff: int | None, callback: str | None) -> list[HlrResult]:
        files = hlr_files(msisdns, references, tariff, callback)
        # multipart/form-data as the document requires; HLR references are deduplicated.
        response = self.request("POST", "hlr/create", operation="hlr", files=files,
                                send=True, idempotent=True)
        payload = self.check(response, "hlr", duplicate_ok=True)
        whole = _error_of(_outer(payload))
        if whole is not None:
            # Refused whole as "exists": created by an earlier request, or someone else's.
            found = [self._existing_hlr(m, r) for m, r in zip(msisdns, references, strict=True)]
            if not any(f.status is not HlrStatus.FAILED for f in found):
                raise provider_error("hlr", whole[0], found[0].error or whole[1],
                                     provider=PROVIDER, operation=response.operation,
                                     http_status=response.status_code)
            return found
        with response.reading("HLR answer"):
            items = _items(payload)
            outer = _outer(payload)
            out = []
            ordered = _match(items, references)
            for msisdn, reference, item in zip(msisdns, references, ordered, strict=True):
                if not isinstance(item, Mapping):
                    raise TypeError("a result item is not an object")
                error = self._item_error(response, "hlr", item)
                if _is_duplicate("hlr", error):
                    out.append(self._existing_hlr(msisdn, reference))
                    continue
                out.append(HlrResult(
                    id=as_str(_field(item, "id")),
                    msisdn=_text(_field(item, "msisdn")) or msisdn,
                    status=HlrStatus.FAILED if error else HlrStatus.SENT,
                    reference=reference,
                    price=parse_decimal(_field(item, "price")),
                    currency=_text(_field(item, "currency")) or _text(
                        _field(outer, "currency")),
                    error=None if error is None else f"[{error.code}] {error.description}",
                    raw=dict(item),
                ))
            return out

    def _existing_hlr(self, msisdn: str, reference: str) -> HlrResult:
        """The HLR request KetchUp already holds under ``reference``, if it is this one.

        One for another number is a conflict: a failed result saying so.
        """
        try:
            found: HlrResult | None = self.hlr_result(f"ref:{reference}")
        except NotFound:
            found = None
        except SmsBridgeError as exc:
            raise DeliveryUnknown(
                f"ketchup/hlr: reference {reference} exists already, but whether it is "
                f"this request could not be read ({exc.message}); a repeat with the same "
                "reference finds out", provider=PROVIDER, operation="hlr") from exc
        if found is None or re.sub(r"\D", "", found.msisdn or "") != msisdn:
            return HlrResult(
                id=None, msisdn=msisdn, status=HlrStatus.FAILED, reference=reference,
                error=f"reference {reference} already belongs to another HLR request (not "
                      "to this number): give it another reference")
        logger.info("ketchup HLR reference %s was created earlier; returning it", reference)
        return found

    def hlr_result(self, hlr_id: str) -> HlrResult:
        """Fetch an HLR request by id, or by reference as ``ref:<reference>``."""
        parsed = parse_message_id(hlr_id, hlr=True)
        response = self.request("GET", parsed.path, operation="hlr_result")
        payload = self.check(response, "hlr")
        with response.reading("HLR answer"):
            return hlr_report(_flat(payload))
