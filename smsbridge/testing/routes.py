"""Routing for simulators: ``@route`` methods matched by werkzeug's routing map.

A simulator declares its provider's endpoints on the methods that answer them::

    class KetchupSimulator(KitSimulator):
        root = "/rest"

        @route("/sms/create", methods=("PUT", "POST"))
        def _sms_create(self, request, account): ...

        @route("/<any(sms, viber):module>/<message_id>",  # several rules, one handler
               "/<any(sms, viber):module>/reference/<reference>")
        def _status(self, request, account, module, message_id="", reference=""): ...

        @route("/sms/prices", defaults={"module": "sms"})  # stacked, with defaults
        @route("/hlr/prices", defaults={"module": "hlr"})
        def _prices(self, request, account, module): ...

        def handle(self, request):  # the API key first, then the route
            account = ...
            return _answer(self.route_for(request)(request, account))

Rules are werkzeug's (``<name>``, ``<int:name>``, ``<any(a, b):name>``), relative to
the class's ``root``; a trailing slash (werkzeug's ``strict_slashes=False``) and doubled
slashes in a request's path are ignored. ``ignore_case = True`` matches paths whatever
their letter case (ASP.NET and PHP servers do; the values a rule captures are then
lower-cased too). ``methods`` default to GET; HEAD is answered only where a rule names it.

:meth:`Routed.route_for` gives the handler of a request (the bound method, the rule's
values and defaults bound as keywords) or raises :class:`NoRoute`; the simulator answers
that through :meth:`Routed.unrouted` in its provider's shape (by default the 404 or 405
a web server gives). The default :meth:`~smsbridge.testing.simulator.Simulator.handle`
calls the handler with the request, under the simulator's lock.

werkzeug is imported when the first request is matched, so a simulator module imports
without the ``simulator`` extra.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter
    from werkzeug.wrappers import Request, Response

__all__ = ["NoRoute", "Routed", "route"]

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__simulator_routes__"
_SLASHES = re.compile(r"//+")


@attrs.frozen
class _Rule:
    rule: str
    methods: tuple[str, ...]
    defaults: Mapping[str, Any] | None


def route(*rules: str, methods: Sequence[str] = ("GET",),
          defaults: Mapping[str, Any] | None = None) -> Callable[[F], F]:
    """Make the decorated simulator method answer ``rules`` (under the class's ``root``)
    for ``methods``, with ``defaults`` as more keyword arguments; stack it to give other
    rules other methods or defaults."""
    if not rules:
        raise TypeError("route() needs at least one rule")

    def mark(method: F) -> F:
        marked: list[_Rule] = list(getattr(method, _MARK, ()))
        marked.extend(_Rule(rule, tuple(m.upper() for m in methods), defaults)
                      for rule in rules)
        setattr(method, _MARK, marked)
        return method

    return mark


def _marks(cls: type, name: str) -> list[_Rule]:
    """The rules of method ``name``: the nearest definition's in the MRO that has any, so
    a subclass overriding a handler without ``@route`` keeps its rules."""
    for klass in cls.__mro__:
        marked: list[_Rule] = getattr(vars(klass).get(name), _MARK, [])
        if marked:
            return marked
    return []


class NoRoute(Exception):
    """No route matches a request: ``allowed`` names the methods its path takes (empty:
    the path is unknown)."""

    def __init__(self, allowed: Sequence[str] = ()) -> None:
        super().__init__(f"no route ({', '.join(allowed)} allowed)" if allowed else "no route")
        self.allowed = tuple(allowed)


class Routed:
    """The routing half of a simulator: ``@route`` methods, matched once per class."""

    #: The path every rule is under ("/api": rule "/message" answers "/api/message").
    root: ClassVar[str] = ""
    #: Match paths whatever their letter case.
    ignore_case: ClassVar[bool] = False

    @classmethod
    def _routing(cls) -> MapAdapter:
        """The class's routing map (built on first use; a subclass builds its own, its
        handlers' rules inherited)."""
        adapter: MapAdapter | None = cls.__dict__.get("_route_map")
        if adapter is None:
            from werkzeug.routing import Map, Rule

            rules = []
            for name in dir(cls):
                for marked in _marks(cls, name):
                    path = cls.root + marked.rule
                    rule = Rule(path.lower() if cls.ignore_case else path, endpoint=name,
                                methods=marked.methods, defaults=marked.defaults)
                    # werkzeug lets HEAD into every GET rule; a provider takes what it says.
                    if rule.methods is not None and "HEAD" not in marked.methods:
                        rule.methods.discard("HEAD")
                    rules.append(rule)
            # No redirects: a simulator answers a path as is or not at all.
            adapter = Map(rules, strict_slashes=False, redirect_defaults=False).bind("simulator")
            cls._route_map = adapter  # type: ignore[attr-defined]
        return adapter

    def route_path(self, request: Request) -> str:
        """The path the routes match: doubled slashes merged (as web servers do),
        lower-cased with ``ignore_case``; override it to drop prefixes the provider ignores."""
        path = _SLASHES.sub("/", request.path)
        return path.lower() if self.ignore_case else path

    def route_for(self, request: Request) -> Callable[..., Any]:
        """The handler of ``request``: the ``@route`` method matching its path and method,
        with the rule's values bound; raise :class:`NoRoute` when none matches."""
        from werkzeug.exceptions import MethodNotAllowed, NotFound
        from werkzeug.routing import RequestRedirect

        try:
            name, values = self._routing().match(self.route_path(request), request.method)
        except MethodNotAllowed as refused:
            raise NoRoute(sorted(refused.valid_methods or ())) from None
        except (NotFound, RequestRedirect):
            raise NoRoute() from None
        return functools.partial(getattr(self, name), **values)

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        """Answer a request no route matches (``allowed``: the methods its path takes;
        empty: the path is unknown); raise a Refusal to answer in the provider's shape."""
        from smsbridge.testing.answers import method_not_allowed, not_found

        return method_not_allowed(allowed) if allowed else not_found()
