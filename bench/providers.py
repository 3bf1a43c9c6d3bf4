"""The five providers as the benchmarks see them: smsbridge settings and a hand-written loop.

Each hand-written class is what a careful user would write with ``requests`` alone: one
``requests.Session``, the provider's documented request, a status check and the ids read
from the answer. It sends byte for byte what smsbridge sends (same User-Agent, same field
order); the benchmarks check that against the stub's recording once per run. Random ids
(Nikita's request ``id``, KetchUp's ``reference``) differ by nature, so they are masked
before comparing (:func:`mask_random_ids`).
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar, Protocol
from xml.sax.saxutils import escape

import requests

LOGIN = "demo"
PASSWORD = "demo-password"
API_KEY = "demo-key"
TOKEN = "demo-token"
TIMEOUT = (10.0, 30.0)

# The random parts of a request: Nikita's 12-character id, KetchUp's 32-character reference.
_RANDOM_IDS = (re.compile(rb"<id>[0-9a-z]{12}</id>"),
               re.compile(rb'"reference": "[0-9a-z]{32}"'))


def mask_random_ids(raw: bytes) -> bytes:
    """A recorded request with its random ids replaced by a fixed mark."""
    for pattern in _RANDOM_IDS:
        raw = pattern.sub(b"<random id>", raw)
    return raw


def user_agent(provider: str) -> str:
    """The User-Agent smsbridge sends (a hand-written loop sends the same, to be identical)."""
    version = metadata.version("smsbridge")
    driver = metadata.version(f"smsbridge-{provider}")
    return (f"smsbridge/{version} smsbridge-{provider}/{driver} "
            f"python-requests/{requests.__version__}")


class Loop(Protocol):
    """A hand-written client of one provider."""

    def send(self, numbers: list[str], text: str) -> list[str]:
        """Send one chunk; the message ids, one per number."""

    def status(self, message_id: str) -> Any:
        """The provider's state of one message."""


def _session(provider: str) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent(provider)
    return session


class NikitaLoop:
    """Nikita: XML documents POSTed to /api/message and /api/dr."""

    HEADERS: ClassVar[dict[str, str]] = {"Content-Type": "application/xml; charset=utf-8"}
    HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

    def __init__(self, base_url: str, sender: str = "SMSBRIDGE") -> None:
        self.session = _session("nikita")
        self.url = base_url
        self.sender = sender
        self.auth = f"<login>{escape(LOGIN)}</login><pwd>{escape(PASSWORD)}</pwd>"

    def _post(self, path: str, body: str) -> ET.Element:
        answer = self.session.post(self.url + path, data=body.encode("utf-8"),
                                   headers=self.HEADERS, timeout=TIMEOUT)
        answer.raise_for_status()
        root = ET.fromstring(answer.content)
        if root.findtext("status") != "0":
            raise RuntimeError(f"nikita refused: {answer.text}")
        return root

    def send(self, numbers: list[str], text: str) -> list[str]:
        request_id = secrets.token_hex(6)
        phones = "".join(f"<phone>{n}</phone>" for n in numbers)
        self._post("/message", f"{self.HEAD}<message>{self.auth}<id>{request_id}</id>"
                               f"<sender>{escape(self.sender)}</sender><text>{escape(text)}"
                               f"</text><phones>{phones}</phones></message>")
        return [f"{request_id}:{n}" for n in numbers]

    def status(self, message_id: str) -> Any:
        request_id, phone = message_id.split(":")
        root = self._post("/dr", f"{self.HEAD}<dr>{self.auth}<id>{request_id}</id>"
                                 f"<phone>{phone}</phone></dr>")
        return root.findtext("phone/report")


class DevinoLoop:
    """Devino: a session id, then form POSTs to Sms/Send and Sms/SendBulk."""

    def __init__(self, base_url: str, sender: str = "DEMO") -> None:
        self.session = _session("devino")
        self.url = base_url
        self.sender = sender
        self.session_id: str | None = None

    def _sid(self) -> str:
        if self.session_id is None:
            answer = self.session.get(self.url + "/user/sessionid", timeout=TIMEOUT,
                                      params={"login": LOGIN, "password": PASSWORD})
            answer.raise_for_status()
            self.session_id = answer.json()
        return self.session_id

    def send(self, numbers: list[str], text: str) -> list[str]:
        form = [("SessionID", self._sid()), ("SourceAddress", self.sender)]
        if len(numbers) == 1:
            path = "/Sms/Send"
            form.append(("DestinationAddress", numbers[0]))
        else:
            path = "/Sms/SendBulk"
            form.extend(("DestinationAddresses", n) for n in numbers)
        form.append(("Data", text))
        answer = self.session.post(self.url + path, data=form, timeout=TIMEOUT)
        answer.raise_for_status()
        ids = [str(i) for i in answer.json()]
        if len(ids) != len(numbers):
            raise RuntimeError(f"devino answered {answer.text}")
        return ids

    def status(self, message_id: str) -> Any:
        answer = self.session.get(self.url + "/Sms/State", timeout=TIMEOUT,
                                  params={"sessionId": self._sid(), "messageId": message_id})
        answer.raise_for_status()
        return answer.json()["State"]


class StreamLoop:
    """Stream: a session id, then form POSTs to Send/SendSms/ and Send/SendBulk/."""

    _ID = re.compile(r'"([0-9]+)"')

    def __init__(self, base_url: str, sender: str = "DEMO") -> None:
        self.session = _session("stream")
        self.url = base_url
        self.sender = sender
        self.session_id: str | None = None

    def _sid(self) -> str:
        if self.session_id is None:
            answer = self.session.post(self.url + "/Session/session.php", timeout=TIMEOUT,
                                       data={"login": LOGIN, "password": PASSWORD})
            answer.raise_for_status()
            self.session_id = answer.json()
        return self.session_id

    def send(self, numbers: list[str], text: str) -> list[str]:
        if len(numbers) == 1:
            path = "/Send/SendSms/"
            form = {"sessionId": self._sid(), "sourceAddress": self.sender,
                    "destinationAddress": numbers[0], "data": text}
        else:
            path = "/Send/SendBulk/"
            form = {"sessionId": self._sid(), "sourceAddress": self.sender,
                    "destinationAddresses": ",".join(numbers), "data": text}
        answer = self.session.post(self.url + path, data=form, timeout=TIMEOUT)
        answer.raise_for_status()
        # The quoted numbers, whether the answer is the platform's JSON list or the
        # document's [{"1"}, {"2"}].
        ids = self._ID.findall(answer.text)
        if len(ids) != len(numbers):
            raise RuntimeError(f"stream answered {answer.text}")
        return ids

    def status(self, message_id: str) -> Any:
        answer = self.session.get(self.url + "/State/", timeout=TIMEOUT,
                                  params={"sessionId": self._sid(), "messageId": message_id})
        answer.raise_for_status()
        return answer.json()["State"]


class KetchupLoop:
    """KetchUp: JSON to sms/create with a reference per recipient; GET sms/<id>."""

    def __init__(self, base_url: str, sender: str = "DEMO") -> None:
        self.session = _session("ketchup")
        self.session.headers["X-API-KEY"] = API_KEY
        self.url = base_url
        self.sender = sender

    def send(self, numbers: list[str], text: str) -> list[str]:
        if len(numbers) == 1:
            body = {"destination": "phone", "originator": self.sender, "body": text,
                    "msisdn": numbers[0], "reference": secrets.token_hex(16)}
        else:
            body = {"destination": "phones", "phones": [
                {"msisdn": n, "reference": secrets.token_hex(16)} for n in numbers],
                "originator": self.sender, "body": text}
        answer = self.session.post(self.url + "/sms/create", json=body, timeout=TIMEOUT)
        answer.raise_for_status()
        payload = answer.json()
        results = payload.get("result", [payload])
        if payload["error"] != "0" or len(results) != len(numbers):
            raise RuntimeError(f"ketchup answered {answer.text}")
        return [item["id"] for item in results]

    def status(self, message_id: str) -> Any:
        answer = self.session.get(f"{self.url}/sms/{message_id}", timeout=TIMEOUT)
        answer.raise_for_status()
        return answer.json()["status"]


class PhoenixLoop:
    """Phoenix: one JSON dispatch per chunk, the token in the query."""

    def __init__(self, base_url: str) -> None:
        self.session = _session("phoenix")
        self.url = base_url

    def send(self, numbers: list[str], text: str) -> list[str]:
        answer = self.session.post(self.url + "/sms-api/dispatches", timeout=TIMEOUT,
                                   params={"token": TOKEN},
                                   json={"message": text, "phonesList": numbers})
        answer.raise_for_status()
        dispatch = int(answer.json())
        return [f"{dispatch}:{n}" for n in numbers]

    def status(self, message_id: str) -> Any:
        dispatch = message_id.split(":", 1)[0]
        answer = self.session.get(f"{self.url}/sms-api/dispatches/{dispatch}",
                                  params={"token": TOKEN}, timeout=TIMEOUT)
        answer.raise_for_status()
        return answer.json()["status"]


class Provider:
    """One provider: how smsbridge connects to the stub, and the hand-written loop."""

    def __init__(self, name: str, path: str, chunk: int, settings: dict[str, Any],
                 loop: type[Any], prefix: str = "99655") -> None:
        self.name = name
        self.path = path
        self.chunk = chunk
        self.settings = settings
        self.loop_class = loop
        self.prefix = prefix

    def connect_settings(self, stub_url: str) -> dict[str, Any]:
        return {**self.settings, "base_url": f"{stub_url}/{self.name}{self.path}"}

    def loop(self, stub_url: str) -> Loop:
        loop: Loop = self.loop_class(f"{stub_url}/{self.name}{self.path}")
        return loop

    def numbers(self, count: int, start: int = 0) -> Iterator[str]:
        """``count`` distinct valid numbers, made one at a time."""
        for i in range(start, start + count):
            yield f"{self.prefix}{i % 10_000_000:07d}"


PROVIDERS = {
    "nikita": Provider("nikita", "/api", 50, {"login": LOGIN, "password": PASSWORD,
                                              "sender": "SMSBRIDGE"}, NikitaLoop),
    "devino": Provider("devino", "/rest", 100, {"login": LOGIN, "password": PASSWORD,
                                                "sender": "DEMO"}, DevinoLoop),
    "stream": Provider("stream", "/rest", 100, {"login": LOGIN, "password": PASSWORD,
                                                "sender": "DEMO"}, StreamLoop),
    "ketchup": Provider("ketchup", "/rest", 1000, {"api_key": API_KEY, "sender": "DEMO"},
                        KetchupLoop),
    "phoenix": Provider("phoenix", "", 1000, {"token": TOKEN}, PhoenixLoop,
                        prefix="38071"),
}
#: The drivers that split a campaign into chunks of many recipients.
BULK = ("nikita", "devino", "stream", "ketchup")
