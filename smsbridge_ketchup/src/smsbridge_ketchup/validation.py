"""Checks of KetchUp messages and options against the document's limits."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from smsbridge.checks import SenderRule
from smsbridge.errors import ValidationError
from smsbridge.models import Message

__all__ = [
    "CHANNELS",
    "HLR_OPTIONS",
    "SENDER_RULE",
    "SEND_OPTIONS",
    "check_message",
    "validity_hours",
    "validity_seconds",
]

ORIGINATOR_LENGTH = 14
SMS_VALIDITY_HOURS = (1, 72)
VIBER_VALIDITY_SECONDS = (15, 86400)
TARIFFS = range(0, 10)

SMS_OPTIONS = frozenset({"tariff"})
VIBER_OPTIONS = frozenset(
    {"tariff", "is_promotional", "callback_url", "image", "caption", "action"})
HLR_OPTIONS = frozenset({"reference", "tariff", "callback_url"})
#: The send options of either channel (each channel's own are checked per message).
SEND_OPTIONS = SMS_OPTIONS | VIBER_OPTIONS
CHANNELS = ("sms", "viber")
#: Every send needs an originator (SMS) or alpha name (Viber) that is not blank.
SENDER_RULE = SenderRule(
    required=True, patterns=(r"(?s).*\S.*",),
    hint=f"KetchUp takes an SMS originator of up to {ORIGINATOR_LENGTH} characters or a "
         "Viber alpha_name")

_URL = re.compile(r"^https?://\S+$")


def _check_tariff(value: Any, field: str = "tariff") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in TARIFFS:
        raise ValidationError(f"{field} must be an integer from 0 to 9, got {value!r}",
                              field=field)
    return value


def _check_url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise ValidationError(f"{field} must be an http(s) URL, got {value!r}", field=field)
    return value


def validity_hours(validity: timedelta | None) -> int | None:
    """SMS validity in whole hours (partial hours round up), within 1-72."""
    if validity is None:
        return None
    low, high = SMS_VALIDITY_HOURS
    seconds = validity.total_seconds()
    if not low * 3600 <= seconds <= high * 3600:
        raise ValidationError(
            f"KetchUp SMS validity must be {low} to {high} hours, got {validity}",
            field="validity")
    return math.ceil(seconds / 3600)


def validity_seconds(validity: timedelta | None) -> int | None:
    """Viber validity in whole seconds, within 15-86400."""
    if validity is None:
        return None
    low, high = VIBER_VALIDITY_SECONDS
    seconds = math.ceil(validity.total_seconds())
    if not low <= seconds <= high:
        raise ValidationError(
            f"KetchUp Viber validity must be {low} to {high} seconds, got {validity}",
            field="validity")
    return seconds


def check_message(message: Message) -> None:
    """Check one message against the document's limits of its channel.

    The driver's declared rules come first (a sender, known option names): these are
    what differs between SMS and Viber.
    """
    if message.channel not in CHANNELS:
        raise ValidationError(f"KetchUp sends sms and viber, not {message.channel!r}",
                              field="channel")
    allowed = SMS_OPTIONS if message.channel == "sms" else VIBER_OPTIONS
    unknown = sorted(set(message.options) - allowed)
    if unknown:
        raise ValidationError(
            f"unknown KetchUp {message.channel} option(s) {', '.join(unknown)}; valid: "
            f"{', '.join(sorted(allowed))}", field=unknown[0])
    options = message.options
    if "tariff" in options:
        _check_tariff(options["tariff"])
    if message.channel == "sms":
        sender = message.sender or ""
        if len(sender) > ORIGINATOR_LENGTH:
            raise ValidationError(
                f"KetchUp originator is at most {ORIGINATOR_LENGTH} characters, got "
                f"{len(sender)} ({sender!r})", field="sender")
        validity_hours(message.validity)
        return
    validity_seconds(message.validity)
    if "is_promotional" in options and not isinstance(options["is_promotional"], bool):
        raise ValidationError("is_promotional must be True or False", field="is_promotional")
    for name in ("callback_url", "image", "action"):
        if name in options:
            _check_url(options[name], name)
    if "caption" in options and (not isinstance(options["caption"], str)
                                 or not options["caption"].strip()):
        raise ValidationError("caption must be a non-empty string", field="caption")
