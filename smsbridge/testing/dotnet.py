"""The ASP.NET provider family's wire (Devino, Stream): what their simulators share.

Both providers run ASP.NET services and answer the same way (their documents, ``devino.txt``
Table 11 and ``stream.txt`` section 4.1): JSON with dates as ``"\\/Date(ms)\\/"``, errors as
``{"Code": n, "Desc": "..."}`` with one code -> HTTP status table, the binder's
"X can not be null or empty Parameter name: X" for a missing parameter (code 1), a login by
login and password (code 4 when refused) for a session id that expires (code 3: never
issued, code 4: expired). :class:`DotNetSimulator` holds all of it, so a family simulator
keeps only its routes, checks and answer shapes.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from smsbridge.testing.accounts import Account
from smsbridge.testing.answers import Refusal, text_answer
from smsbridge.testing.kit import SessionSimulator
from smsbridge.testing.messages import Ids
from smsbridge.testing.sessions import ExpiredSession, SessionError, Sessions

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

__all__ = ["HTTP_STATUS", "JSON_TYPE", "NEVER", "DotNetSimulator", "Params", "dotnet_date",
           "dotnet_json", "null_entry", "null_or_empty", "read_params", "utc_timestamp"]

#: HTTP status of each error code (Devino Table 11, Stream section 4.1; others 400).
HTTP_STATUS = {1: 400, 2: 400, 3: 400, 4: 401, 5: 403, 6: 400, 7: 403, 8: 500, 9: 500, 10: 400}
JSON_TYPE = "application/json; charset=utf-8"
#: DateTime.MinValue, as .NET writes a date that was never set.
NEVER = "/Date(-62135596800000)/"

#: Parameters by lower-cased name, every value each was given.
Params = dict[str, list[str]]

_INDEXED = re.compile(r"^(.+)\[\d+\]$")


def dotnet_date(seconds: float | None) -> str | None:
    """A clock reading as .NET's JSON date ``/Date(ms)/`` (None stays None: never)."""
    return None if seconds is None else f"/Date({int(seconds * 1000)})/"


def dotnet_json(payload: Any, status: int = 200) -> Response:
    """``payload`` as the family's JSON answer, dates escaped as ``\\/Date(ms)\\/``."""
    # .NET serializers escape the slashes around a date; that is what goes on the wire.
    text = json.dumps(payload, ensure_ascii=False).replace("/Date(", "\\/Date(")
    return text_answer(text.replace(")/", ")\\/"), status, content_type=JSON_TYPE)


def null_or_empty(name: str, *, shown: str | None = None, separator: str = " ") -> Refusal:
    """Code 1 for a missing parameter, in the binder's words (``shown`` names it in the text)."""
    return Refusal(1, f"{shown or name} can not be null or empty{separator}Parameter name: {name}")


def null_entry(parameter: str, action: str) -> str:
    """The MVC binder's text (code 9) when the non-nullable DateTime ``parameter`` of
    ``action`` (its .NET signature and controller) is missing."""
    return (f"The parameters dictionary contains a null entry for parameter '{parameter}' of "
            f"non-nullable type 'DateTime' for method {action}. An optional parameter must be "
            "a reference type, a nullable type, or be declared as an optional parameter. "
            "Parameter name: parameters")


def _bind(merged: Params, key: str, value: Any, arrays: bool) -> None:
    # ASP.NET binds "Name[0]" to the array "Name"; names are case-insensitive.
    indexed = _INDEXED.match(key) if arrays else None
    name = (indexed.group(1) if indexed else key).lower()
    values = value if isinstance(value, list) else [value]
    merged.setdefault(name, []).extend("" if v is None else str(v) for v in values)


def read_params(request: Request, *, json_body: bool = True, arrays: bool = True) -> Params:
    """Query, form (and JSON body) parameters as ASP.NET MVC's value providers bind them:
    names case-insensitive, ``Name[0]`` bound to ``Name`` when ``arrays``."""
    merged: Params = {}
    for source in (request.args, request.form):
        for key in source:
            for value in source.getlist(key):
                _bind(merged, key, value, arrays)
    body = request.get_json(silent=True) if json_body and request.is_json else None
    if isinstance(body, dict):
        for key, value in body.items():
            _bind(merged, key, value, arrays)
    return merged


def utc_timestamp(value: str, layouts: Sequence[str] = ("%Y-%m-%dT%H:%M:%S",)) -> float | None:
    """A UTC date as the family writes it, as a clock reading; None when it is not one."""
    for layout in layouts:
        try:
            return datetime.strptime(value, layout).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None


class DotNetSimulator(SessionSimulator):
    """A :class:`SessionSimulator` answering in the family's JSON and ``{"Code", "Desc"}``.

    ``accounts`` (login -> password) are opened with ``fields`` (:class:`Account`'s).
    Subclasses set the class facts below (the descriptions their provider gives, how it
    binds parameters, its session ids) and declare their endpoints as ``@route``
    handlers (:mod:`smsbridge.testing.routes`) that take the bound :data:`Params`.
    """

    ignore_case: ClassVar[bool] = True
    session_lifetime: ClassVar[float] = 120 * 60.0
    #: Length and alphabet of the session ids the provider issues.
    session_ids: ClassVar[tuple[int, str]] = (36, string.ascii_uppercase + string.digits)
    #: Where the API lives under the server's URL; the sender the demo settings use.
    api_root: ClassVar[str] = "/rest"
    demo_sender: ClassVar[str] = ""
    #: Desc of code 3: a session id the provider never issued.
    unknown_session: ClassVar[str] = "Invalid session id"
    #: Desc of code 4: an expired session id.
    expired_session: ClassVar[str] = "SessionID expired"
    #: Desc of code 4 at login: wrong login or password.
    bad_login: ClassVar[str] = "Invalid user login or password"
    #: What stands between "... or empty" and "Parameter name" in a code-1 text.
    null_separator: ClassVar[str] = " "
    #: ASP.NET MVC binds a JSON body, ``Name[0]`` arrays and a repeated parameter's first
    #: value; a PHP front (False) binds query and form only, the last value winning.
    aspnet_binding: ClassVar[bool] = True

    def __init__(self, *, accounts: Mapping[str, str], clock: Callable[[], float] | None = None,
                 **fields: Any) -> None:
        super().__init__(clock=clock)
        self.sessions = Sessions(self.clock, self.session_lifetime, Ids.random(*self.session_ids))
        for login, password in accounts.items():
            self.add_account(login, password, **fields)

    def client_settings(self, base_url: str) -> dict[str, Any]:
        """Settings connecting the provider's driver to the demo account."""
        return {"login": self.account.login, "password": self.account.password,
                "base_url": base_url.rstrip("/") + self.api_root, "sender": self.demo_sender}

    def handle(self, request: Request) -> Response:
        """Call the ``@route`` handler of ``request`` with its bound parameters; answer
        what it returns as JSON (a werkzeug ``Response`` as is)."""
        from werkzeug.wrappers import Response

        handler = self.route_for(request)
        params = self.params(request)
        with self.lock:
            answer = handler(params)
        return answer if isinstance(answer, Response) else dotnet_json(answer)

    def refuse(self, refusal: Refusal) -> Response:
        """Answer ``{"Code": n, "Desc": "..."}`` with the code's HTTP status."""
        return dotnet_json({"Code": refusal.code, "Desc": refusal.description},
                           HTTP_STATUS.get(int(refusal.code), 400))

    def missing(self, name: str, shown: str | None = None) -> Refusal:
        """Code 1 for the missing parameter ``name``."""
        return null_or_empty(name, shown=shown, separator=self.null_separator)

    def params(self, request: Request) -> Params:
        """The request's parameters, bound as the provider's front binds them."""
        return read_params(request, json_body=self.aspnet_binding, arrays=self.aspnet_binding)

    def value(self, params: Params, name: str) -> str | None:
        """The value of parameter ``name`` (any letter case) that binds; None when absent."""
        values = params.get(name.lower())
        if not values:
            return None
        return values[0] if self.aspnet_binding else values[-1]

    def required(self, params: Params, name: str, *, shown: str | None = None) -> str:
        """The value of ``name`` (any letter case); code 1 when missing or empty."""
        value = self.value(params, name)
        if not value:
            raise self.missing(name, shown)
        return value

    def log_in(self, login: str, password: str) -> Account:
        """The account of ``login`` and ``password``; code 4 when they do not match."""
        account = self.accounts.authenticate(login, password)
        if account is None:
            raise Refusal(4, self.bad_login)
        return account

    def session_account(self, sid: str) -> Account:
        """The account session ``sid`` belongs to; code 3 (unknown) or 4 (expired)."""
        try:
            return self.accounts[self.sessions.login_of(sid)]
        except ExpiredSession:
            raise Refusal(4, self.expired_session) from None
        except SessionError:
            raise Refusal(3, self.unknown_session) from None
