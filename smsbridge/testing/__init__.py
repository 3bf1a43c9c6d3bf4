"""Test helpers: simulators' HTTP server and base class, and the driver contract suite.

``DriverContract`` needs pytest and responses; import it from
``smsbridge.testing.contract`` (or from here, which imports it on first use).
"""

from __future__ import annotations

from typing import Any

from smsbridge.testing.server import DropConnection, serve_wsgi
from smsbridge.testing.simulator import Fault, RecordedRequest, SimulatedMessage, Simulator

__all__ = ["DriverContract", "DropConnection", "Fault", "RecordedRequest", "SimulatedMessage",
           "Simulator", "serve_wsgi"]


def __getattr__(name: str) -> Any:
    if name == "DriverContract":
        from smsbridge.testing.contract import DriverContract

        return DriverContract
    raise AttributeError(name)
