"""Test helpers: simulators' HTTP server, base class and kit, and the driver contract suite.

A simulator is written on the kit (``KitSimulator``/``SessionSimulator`` with accounts,
a message book, sessions, refusals): ``docs/simulators.md`` shows how.

``DriverContract`` needs pytest and responses; import it from
``smsbridge.testing.contract`` (or from here, which imports it on first use).
"""

from __future__ import annotations

from typing import Any

from smsbridge.testing.answers import Refusal
from smsbridge.testing.kit import KitSimulator, SessionSimulator
from smsbridge.testing.messages import Progression
from smsbridge.testing.server import DropConnection, serve_wsgi
from smsbridge.testing.simulator import (
    Fault,
    RecordedRequest,
    SimulatedMessage,
    Simulator,
    SimulatorUnavailable,
)

__all__ = ["DriverContract", "DropConnection", "Fault", "KitSimulator", "Progression",
           "RecordedRequest", "Refusal", "SessionSimulator", "SimulatedMessage", "Simulator",
           "SimulatorUnavailable", "serve_wsgi"]


def __getattr__(name: str) -> Any:
    if name == "DriverContract":
        from smsbridge.testing.contract import DriverContract

        return DriverContract
    raise AttributeError(name)
