"""The core cattrs converter: Decimal, aware datetimes, timedeltas, enums, lenient bools.

Drivers copy it (``make_converter().copy()`` or :func:`make_converter`) and register
their own field renames. :func:`to_data` turns models into JSON-ready data through
:func:`data_converter`, the one place that says how a model looks to people and logs
(the CLI's ``--json`` documents, the audit log). cattrs is imported on first use, keeping
``import smsbridge`` cheap.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from smsbridge.errors import DeliveryUnknown, ValidationError
from smsbridge.parsing import parse_bool, parse_decimal

if TYPE_CHECKING:
    import cattrs

__all__ = ["data_converter", "error_fields", "make_converter", "shared_converter", "to_data"]


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


def _unstructure_enum(value: enum.Enum) -> Any:
    return value.value


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

    converter.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _unstructure_enum)
    for model_enum in (DeliveryState, HlrStatus):
        converter.register_structure_hook(model_enum, _structure_enum)
        converter.register_unstructure_hook(model_enum, _unstructure_enum)
    return converter


@cache
def shared_converter() -> cattrs.Converter:
    """The converter the core uses for settings; drivers copy it rather than change it."""
    return make_converter(forbid_extra_keys=True)


def error_fields(exc: BaseException) -> dict[str, Any]:
    """An error as data: its type, message and structured fields (None where it has none)."""
    return {
        "type": type(exc).__name__,
        "message": getattr(exc, "message", None) or str(exc),
        # NotSupported names its driver rather than a provider.
        "provider": getattr(exc, "provider", None) or getattr(exc, "driver", None),
        "operation": getattr(exc, "operation", None),
        "code": getattr(exc, "code", None),
        "description": getattr(exc, "description", None),
        "http_status": getattr(exc, "http_status", None),
        "delivery_unknown": isinstance(exc, DeliveryUnknown),
    }


def _is_error(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseException)


def _is_set(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, (set, frozenset))


def _without_raw(cls: type, converter: cattrs.Converter) -> Any:
    """Unstructure an attrs class field by field, leaving out its ``raw`` payload."""
    import attrs
    from cattrs.gen import make_dict_unstructure_fn, override

    if any(field.name == "raw" for field in attrs.fields(cls)):
        return make_dict_unstructure_fn(cls, converter, raw=override(omit=True))
    return make_dict_unstructure_fn(cls, converter)


def _sorted_list(_: type, converter: cattrs.Converter) -> Any:
    """Unstructure a set as a sorted list (JSON has no sets; sorted reads the same twice)."""
    return lambda items: [converter.unstructure(item) for item in sorted(items)]


@cache
def data_converter() -> cattrs.Converter:
    """The converter that turns models into JSON-ready data; copy it to change a hook.

    Money becomes a string (no float rounding), datetimes ISO 8601 with the offset they
    carry (the zone a user gave stays visible), durations seconds, enums their value,
    sets sorted lists, errors :func:`error_fields`; ``raw`` payloads are left out.
    """
    import attrs

    converter = make_converter()
    converter.register_unstructure_hook(datetime, lambda d: d.isoformat())
    converter.register_unstructure_hook_func(_is_error, error_fields)
    # Factories taking the converter: a copy's hooks apply inside models too.
    converter.register_unstructure_hook_factory(_is_set, _sorted_list)
    converter.register_unstructure_hook_factory(attrs.has, _without_raw)
    return converter


def to_data(value: Any) -> Any:
    """Turn a model (or a list or dict of them) into JSON-ready data."""
    return data_converter().unstructure(value)
