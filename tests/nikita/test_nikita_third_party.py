"""A third party's client against the Nikita simulator: plain requests, no smsbridge.

The code below is what a partner would write from ../shared/provider-docs/nikita.txt
alone (sections 1 "ОТПРАВКА", 2.2 "ЗАПРОС ОТЧЕТОВ" and 4 "ПОЛУЧЕНИЕ ИНФОРМАЦИИ О
СОСТОЯНИИ СЧЕТА"): XML documents POSTed to ``/api/message``, ``/api/dr`` and
``/api/info``, answers read with ElementTree. It shares nothing with our driver, so
the simulator is held to the document rather than to the driver's reading of it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest
import requests

from smsbridge_nikita.simulator import DEMO_LOGIN, DEMO_PASSWORD, NikitaSimulator

# The document's own request example (section 1), with the demo account's credentials.
DOC_MESSAGE = """<?xml version="1.0" encoding="UTF-8"?>
<message>
  <login>{login}</login>
  <pwd>{pwd}</pwd>
  <id>A88726</id>
  <sender>My-company</sender>
  <text>Any SMS message text</text>
  <time>20100921235957</time>
  <phones>
    <phone>996550123456</phone>
    <phone>996550123457</phone>
  </phones>
  <test>1</test>
</message>
"""


class Partner:
    """A partner's hand-written Nikita client: build the documents, read the answers."""

    def __init__(self, base: str, login: str, pwd: str) -> None:
        self.base = base
        self.login = login
        self.pwd = pwd
        self.http = requests.Session()

    def post(self, script: str, body: str) -> ET.Element:
        answer = self.http.post(f"{self.base}/api/{script}", data=body.encode("utf-8"),
                                headers={"Content-Type": "text/xml; charset=utf-8"},
                                timeout=10)
        assert answer.status_code == 200
        root = ET.fromstring(answer.content)
        assert root.tag.rsplit("}", 1)[-1] == "response"
        return root

    def auth(self) -> str:
        return f"<login>{escape(self.login)}</login><pwd>{escape(self.pwd)}</pwd>"

    def send(self, request_id: str, sender: str, text: str, phones: list[str]) -> ET.Element:
        numbers = "".join(f"<phone>{p}</phone>" for p in phones)
        return self.post("message", '<?xml version="1.0" encoding="UTF-8"?>'
                         f"<message>{self.auth()}<id>{request_id}</id>"
                         f"<sender>{escape(sender)}</sender><text>{escape(text)}</text>"
                         f"<phones>{numbers}</phones></message>")

    def dr(self, request_id: str, phone: str | None = None) -> ET.Element:
        wanted = f"<phone>{phone}</phone>" if phone else ""
        return self.post("dr", '<?xml version="1.0" encoding="UTF-8"?>'
                         f"<dr>{self.auth()}<id>{request_id}</id>{wanted}</dr>")

    def info(self) -> ET.Element:
        return self.post("info", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         '<info xmlns="http://Giper.mobi/schema/Info">'
                         f"{self.auth()}</info>")


def field(root: ET.Element, name: str) -> str | None:
    """The text of a child element, whatever its namespace."""
    found = root.find(f"{{*}}{name}")
    return None if found is None else (found.text or "")


def reports(root: ET.Element) -> dict[str, str | None]:
    """Phone number -> report code of a ``dr`` answer."""
    return {field(phone, "number") or "": field(phone, "report")
            for phone in root.findall("{*}phone")}


@pytest.fixture
def sim() -> NikitaSimulator:
    return NikitaSimulator()


@pytest.fixture
def partner(sim: NikitaSimulator) -> Iterator[Partner]:
    with sim.serve() as base:
        client = Partner(base.rstrip("/"), DEMO_LOGIN, DEMO_PASSWORD)
        yield client
        client.http.close()


def test_the_documents_own_example_is_checked_but_not_sent(partner: Partner,
                                                           sim: NikitaSimulator) -> None:
    body = DOC_MESSAGE.format(login=DEMO_LOGIN, pwd=DEMO_PASSWORD)

    answer = partner.post("message", body)

    # Status 11: processed, neither sent nor charged, because of <test>1</test>.
    assert field(answer, "status") == "11"
    assert field(partner.info(), "account") == "100.00"
    assert sim.ledger() == []


def test_send_poll_reports_and_read_the_balance(partner: Partner) -> None:
    phones = ["996550123456", "996550123457"]

    sent = partner.send("A88726", "My-company", "Any SMS message text", phones)

    assert field(sent, "status") == "0"
    assert field(sent, "id") == "A88726"
    assert field(sent, "phones") == "2"
    assert field(sent, "smscnt") == "1"

    # One phone of the transaction, then every phone (the <phone> field left out).
    one = partner.dr("A88726", "996550123456")
    assert field(one, "status") == "0"
    assert reports(one) == {"996550123456": "1"}
    every = partner.dr("A88726")
    assert field(every, "status") == "0"
    assert reports(every) == {"996550123456": "3", "996550123457": "1"}
    delivered = every.findall("{*}phone")[0]
    assert len(field(delivered, "sendTime") or "") == 14  # YYYYMMDDhhmmss
    assert len(field(delivered, "rcvTime") or "") == 14

    info = partner.info()
    assert field(info, "status") == "0"
    assert field(info, "state") == "0"
    # Two phones times one part at the account's price of 0.50.
    assert field(info, "account") == "99.00"
    assert field(info, "smsprice") == "0.50"


def test_the_documented_refusals(partner: Partner, sim: NikitaSimulator) -> None:
    assert field(partner.send("B1", "My-company", "hi", ["996550123456"]), "status") == "0"

    # "если у двух отправок указан одинаковый id, то вторая ... будет заблокирована"
    assert field(partner.send("B1", "My-company", "hi", ["996550123456"]), "status") == "10"
    # No report for an id that was never used.
    assert field(partner.dr("NEVER1"), "status") == "4"
    # A wrong password, on each of the three scripts.
    stranger = Partner(partner.base, DEMO_LOGIN, "wrong")
    assert field(stranger.send("B2", "My-company", "hi", ["996550123456"]), "status") == "2"
    assert field(stranger.dr("B1"), "status") == "2"
    assert field(stranger.info(), "status") == "2"
    stranger.http.close()
    assert len(sim.ledger()) == 1
