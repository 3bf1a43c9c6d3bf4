"""The last look at a driver's result before the application gets it.

Drivers parse tolerantly; this checks meaning, once for every driver: an accepted
message has a usable id of its own, money is a finite amount (prices never negative),
counts are never negative. A result that fails is the provider's nonsense, not a
success: :class:`~smsbridge.errors.InvalidResponse`, which the facade turns into
:class:`~smsbridge.errors.DeliveryUnknown` for a send (the provider may have taken the
messages whose ids we cannot read).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from smsbridge.checks import problem_with_id
from smsbridge.errors import InvalidResponse
from smsbridge.models import (
    Balance,
    HlrResult,
    Price,
    SentMessage,
    Statistics,
    StatusReport,
)
from smsbridge.redaction import Redactor

__all__ = ["check_result"]

_COUNTS = ("sent", "delivered", "undelivered", "in_progress", "expired", "rejected", "total")


def _money(value: Decimal | None, what: str, *, negative: bool = False) -> str | None:
    if not isinstance(value, (Decimal, float)):
        return None  # None, or a driver's own type: its tests look after that
    if not math.isfinite(value):
        return f"{what} is not a finite amount ({value!r})"
    if not negative and value < 0:
        return f"{what} is negative ({value})"
    return None


def _sent_problems(results: Iterable[Any]) -> Iterable[str]:
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, SentMessage):
            continue
        if result.error is None:
            if result.message_id is None:
                yield f"no message id for accepted recipient {result.recipient}"
                continue
            problem = problem_with_id(result.message_id)
            if problem:
                yield f"{problem} for recipient {result.recipient}"
                continue
            if result.message_id in seen:
                yield f"two recipients share the message id {result.message_id[:40]!r}"
            seen.add(result.message_id)
        if result.parts is not None and result.parts < 0:
            yield f"a negative part count ({result.parts})"
        problem = _money(result.price, "the price")
        if problem:
            yield problem


def _problems(result: Any) -> Iterable[str]:
    if isinstance(result, list):
        if any(isinstance(item, SentMessage) for item in result):
            yield from _sent_problems(result)
            return
        for item in result:
            yield from _problems(item)
        hlr_ids = [item.id for item in result if isinstance(item, HlrResult) and item.id]
        if len(set(hlr_ids)) != len(hlr_ids):
            yield "two HLR requests share one id"
    elif isinstance(result, StatusReport):
        problem = problem_with_id(result.message_id)
        if problem:
            yield problem
        yield from filter(None, [_money(result.price, "the price")])
    elif isinstance(result, Balance):
        yield from filter(None, [_money(result.amount, "the balance", negative=True),
                                 _money(result.credit_limit, "the credit limit")])
    elif isinstance(result, Price):
        yield from filter(None, [_money(result.price, "the price")])
    elif isinstance(result, HlrResult):
        if result.id is not None:
            problem = problem_with_id(result.id)
            if problem:
                yield problem
        yield from filter(None, [_money(result.price, "the price")])
    elif isinstance(result, Statistics):
        for name in _COUNTS:
            count = getattr(result, name)
            if count is not None and count < 0:
                yield f"a negative count of {name} ({count})"


def _raw_of(result: Any) -> Any:
    if isinstance(result, list):
        return [getattr(item, "raw", None) for item in result[:5]]
    return getattr(result, "raw", None)


def check_result(result: Any, *, provider: str, operation: str,
                 redactor: Redactor | None = None) -> None:
    """Raise when a driver's result makes no sense (see the module documentation)."""
    problem = next(iter(_problems(result)), None)
    if problem is None:
        return
    body = (redactor or Redactor()).text(repr(_raw_of(result)))
    raise InvalidResponse(f"{provider}/{operation}: the answer makes no sense: {problem}",
                          body=body[:500], provider=provider, operation=operation)
