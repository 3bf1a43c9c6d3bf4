"""The core cattrs converter: Decimal, aware datetimes, timedeltas, enums, lenient bools.

Drivers copy it (``make_converter().copy()`` or :func:`make_converter`) and register
their own field renames. cattrs is imported on first use, keeping ``import smsbridge``
cheap.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from smsbridge.errors import ValidationError
from smsbridge.parsing import parse_bool, parse_decimal

if TYPE_CHECKING:
    import cattrs

__all__ = ["make_converter", "shared_converter"]


def _structure_decimal(value: Any, _: type) -> Decimal:
    result = parse_decimal(value)
    if result is None:
        raise ValueError(f"not a number: {value!r}")
    return result


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a datetime: {value!r}")
    if parsed.tzinfo is None:
        raise ValidationError(f"datetime {value!r} has no time zone", field="datetime")
    return parsed


def _structure_timedelta(value: Any, _: type) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    return timedelta(seconds=float(value))


def _structure_bool(value: Any, _: type) -> bool:
    return parse_bool(value)


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        if "unknown" in cls._value2member_map_:
            return cls("unknown")
        raise


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """Build a new converter with smsbridge's structure and unstructure hooks."""
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, lambda d: d.astimezone(timezone.utc).isoformat())
    converter.register_structure_hook(timedelta, _structure_timedelta)
    converter.register_unstructure_hook(timedelta, lambda d: d.total_seconds())
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    # str-based enums would otherwise match cattrs' own str handling first.
    from smsbridge.models import DeliveryState, HlrStatus

    for model_enum in (DeliveryState, HlrStatus):
        converter.register_structure_hook(model_enum, _structure_enum)
    return converter


@cache
def shared_converter() -> cattrs.Converter:
    """The converter the core uses for settings; drivers copy it rather than change it."""
    return make_converter(forbid_extra_keys=True)
