"""Extension plugins shipped with smsbridge, loaded by name from ``smsbridge.plugins``.

::

    sms = smsbridge.connect("nikita", ..., plugins=["audit", "dryrun"],
                            plugin_options={"audit": {"path": "sms-audit.jsonl"}})
    find_plugin(sms, DryRunPlugin).outbox   # what a dry run would have sent

How to write one: ``docs/plugins.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from smsbridge.plugins.audit import AuditPlugin
from smsbridge.plugins.dryrun import DryRunPlugin

if TYPE_CHECKING:
    from smsbridge.client import Client

__all__ = ["AuditPlugin", "DryRunPlugin", "find_plugin"]

P = TypeVar("P")


def find_plugin(client: Client, kind: type[P]) -> P:
    """Return the client's extension plugin of class ``kind``.

    :raises LookupError: when the client has no such plugin.
    """
    for plugin in client.plugin_manager.get_plugins():
        if isinstance(plugin, kind):
            return plugin
    raise LookupError(f"{client!r} has no {kind.__name__} plugin")
