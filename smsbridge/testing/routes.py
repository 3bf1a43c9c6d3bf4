"""Routing for simulators: ``@route`` methods matched by werkzeug's routing map.

A simulator declares its provider's endpoints on the methods that answer them::

    class NikitaSimulator(KitSimulator):
        root = "/api"

        @route("/message", methods=("POST",))
        def _message(self, fields, address): ...

        @route("/sms/<message_id>", "/sms/reference/<reference>")  # several rules
        def _status(self, request, message_id=None, reference=None): ...

        def handle(self, request):  # reading the request before the handler is called
            handler = self.route_for(request)
            ...
            return handler(fields, request.remote_addr)

Rules are werkzeug's (``<name>``, ``<int:name>``, ...), relative to the class's ``root``;
a trailing slash (werkzeug's ``strict_slashes=False``) and doubled slashes in a request's
path are ignored.
``ignore_case = True`` matches paths whatever their letter case (ASP.NET and PHP servers
do; the values a rule captures are then lower-cased too). ``methods`` default to GET
(werkzeug adds HEAD to it).

:meth:`Routed.route_for` gives the handler of a request (a bound method with the rule's
values bound) or raises :class:`NoRoute`; the simulator renders that through
:meth:`Routed.unrouted` in its provider's shape (by default the 404 or 405 a web server
answers). The default :meth:`~smsbridge.testing.simulator.Simulator.handle` calls the
handler with the request, under the simulator's lock.

werkzeug is imported when the first request is matched, so a simulator module imports
without the ``simulator`` extra.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
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


def route(*rules: str, methods: Sequence[str] = ("GET",)) -> Callable[[F], F]:
    """Make the decorated simulator method answer ``rules`` (under the class's ``root``)
    for ``methods``; stack it to give other rules other methods."""
    if not rules:
        raise TypeError("route() needs at least one rule")

    def mark(method: F) -> F:
        marked: list[_Rule] = list(getattr(method, _MARK, ()))
        marked.extend(_Rule(rule, tuple(m.upper() for m in methods)) for rule in rules)
        setattr(method, _MARK, marked)
        return method

    return mark


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
    def _routing(cls) -> tuple[MapAdapter, frozenset[str]]:
        """The class's routing map and the methods its rules name (built on first use; a
        subclass builds its own)."""
        built: tuple[MapAdapter, frozenset[str]] | None = cls.__dict__.get("_route_map")
        if built is None:
            from werkzeug.routing import Map, Rule

            rules, methods = [], set()
            for name in dir(cls):
                for marked in getattr(getattr(cls, name, None), _MARK, ()):
                    path = cls.root + marked.rule
                    rules.append(Rule(path.lower() if cls.ignore_case else path,
                                      endpoint=name, methods=marked.methods))
                    methods.update(marked.methods)
            # No redirects: a simulator answers a path as is or not at all.
            adapter = Map(rules, strict_slashes=False, redirect_defaults=False).bind("simulator")
            built = adapter, frozenset(methods)
            cls._route_map = built  # type: ignore[attr-defined]
        return built

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

        adapter, declared = self._routing()
        try:
            name, values = adapter.match(self.route_path(request), request.method)
        except MethodNotAllowed as refused:
            # werkzeug adds HEAD to every GET rule; Allow names what the provider declares.
            raise NoRoute(sorted(set(refused.valid_methods or ()) & declared)) from None
        except (NotFound, RequestRedirect):
            raise NoRoute() from None
        return functools.partial(getattr(self, name), **values)

    def unrouted(self, request: Request, allowed: tuple[str, ...]) -> Response:
        """Answer a request no route matches (``allowed``: the methods its path takes;
        empty: the path is unknown); raise a Refusal to answer in the provider's shape."""
        from smsbridge.testing.answers import method_not_allowed, not_found

        return method_not_allowed(allowed) if allowed else not_found()
