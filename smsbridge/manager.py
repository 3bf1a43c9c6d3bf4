"""The plugin manager a client answers through, and what its driver offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from smsbridge import hookspecs

if TYPE_CHECKING:
    from smsbridge.driver import Driver

__all__ = ["capabilities", "operations", "plugin_manager"]

#: Operations whose hook is not a capability by itself.
_INTERNAL_HOOKS = frozenset({"validate"})


class _PluginManager(pluggy.PluginManager):
    """A plugin manager that registers only the hooks the driver offers (every hook of a
    driver class)."""

    def __init__(self, driver: Driver[Any] | type[Driver[Any]]) -> None:
        super().__init__(hookspecs.PROJECT)
        self._driver = driver

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        driver = self._driver
        if opts is not None and plugin is driver and not isinstance(driver, type) \
                and not driver.offers(name):
            return None
        return opts


def plugin_manager(driver: Driver[Any] | type[Driver[Any]],
                   plugins: Sequence[object] = ()) -> pluggy.PluginManager:
    """A plugin manager of the smsbridge hooks holding ``driver`` and extension ``plugins``.

    ``driver`` may be a driver class: its manager only answers what the class implements.
    """
    pm = _PluginManager(driver)
    pm.add_hookspecs(hookspecs)
    pm.register(driver, name=f"driver:{driver.name}")
    for index, plugin in enumerate(plugins):
        pm.register(plugin, name=f"plugin:{index}:{type(plugin).__name__}")
    pm.check_pending()
    return pm


def operations(pm: pluggy.PluginManager, driver: object) -> frozenset[str]:
    """The operation hooks ``driver`` implements itself (wrappers aside) in ``pm``."""
    return frozenset(
        name
        for name in hookspecs.OPERATIONS
        for impl in getattr(pm.hook, name).get_hookimpls()
        if impl.plugin is driver and not impl.hookwrapper and not impl.wrapper
    )


def capabilities(pm: pluggy.PluginManager,
                 driver: Driver[Any] | type[Driver[Any]]) -> frozenset[str]:
    """What ``driver`` offers: its operations in ``pm``, its ``features``, and
    ``send_many`` when one request may carry different texts."""
    implemented = operations(pm, driver)
    return frozenset(
        (implemented - _INTERNAL_HOOKS) | set(driver.features)
        | ({"send_many"} if driver.mixed_batches and "send" in implemented else set())
    )
