"""A third party's client against the Nikita simulator: plain requests, no smsbridge.

``NikitaClient`` is what a partner would write from ../shared/provider-docs/nikita.txt
alone (sections 1 "ОТПРАВКА", 2.2 "ЗАПРОС ОТЧЕТОВ" and 4 "ПОЛУЧЕНИЕ ИНФОРМАЦИИ О
СОСТОЯНИИ СЧЕТА": their request documents, field names and answer examples): XML
documents POSTed to ``/api/message``, ``/api/dr`` and ``/api/info``, answers read with
ElementTree. It shares nothing with our driver, so the simulator is held to the
document rather than to the driver's reading of it; the simulator's ledger shows what
the provider holds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests

from smsbridge_nikita.simulator import NikitaSimulator

LOGIN = "partner"
PWD = "passwd"

# The document's own request example (section 1), with the partner's credentials.
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


class NikitaClient:
    """Send, delivery reports and account info over smspro.nikita.kg's XML API."""

    def __init__(self, base_url: str, login: str, pwd: str) -> None:
        self.base_url = base_url  # e.g. https://smspro.nikita.kg/api
        self.auth = f"<login>{escape(login)}</login><pwd>{escape(pwd)}</pwd>"

    def post(self, script: str, document: str) -> dict[str, Any]:
        answer = requests.post(f"{self.base_url}/{script}", data=document.encode("utf-8"),
                               headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=5)
        assert answer.status_code == 200
        root = ET.fromstring(answer.content)
        # Answers may carry a namespace (sections 3 and 4): compare local names only.
        assert root.tag.split("}")[-1] == "response"
        result: dict[str, Any] = {c.tag.split("}")[-1]: (c.text or "") for c in root
                                  if c.tag.split("}")[-1] != "phone"}
        result["phone"] = [{f.tag.split("}")[-1]: (f.text or "") for f in p}
                           for p in root.findall("{*}phone")]
        return result

    def _post(self, script: str, body: str) -> dict[str, Any]:
        return self.post(script, '<?xml version="1.0" encoding="UTF-8"?>' + body)

    def send(self, message_id: str, sender: str, text: str, phones: list[str],
             test: bool = False, time: str | None = "") -> dict[str, Any]:
        """Send; ``time=None`` leaves the optional ``<time>`` out, "" sends it empty."""
        numbers = "".join(f"<phone>{escape(p)}</phone>" for p in phones)
        when = "" if time is None else f"<time>{escape(time)}</time>"
        return self._post("message", (
            f"<message>{self.auth}<id>{escape(message_id)}</id><sender>{escape(sender)}"
            f"</sender><text>{escape(text)}</text>{when}<phones>{numbers}</phones>"
            + ("<test>1</test>" if test else "") + "</message>"))

    def report(self, message_id: str, phone: str | None = None) -> dict[str, Any]:
        number = f"<phone>{escape(phone)}</phone>" if phone else ""
        return self._post("dr", f"<dr>{self.auth}<id>{escape(message_id)}</id>{number}</dr>")

    def info(self) -> dict[str, Any]:
        return self._post("info", f'<info xmlns="http://Giper.mobi/schema/Info">{self.auth}'
                                  "</info>")


def codes(answer: dict[str, Any]) -> dict[str, str]:
    """Phone number -> report code of a ``dr`` answer."""
    return {phone["number"]: phone["report"] for phone in answer["phone"]}


@pytest.fixture
def sim() -> NikitaSimulator:
    return NikitaSimulator(login=LOGIN, password=PWD, balance=Decimal("20123.12"))


@pytest.fixture
def client(sim: NikitaSimulator) -> Iterator[NikitaClient]:
    with sim.serve() as url:
        yield NikitaClient(url.rstrip("/") + "/api", LOGIN, PWD)


def test_the_documents_own_example_is_checked_but_not_sent(client: NikitaClient,
                                                           sim: NikitaSimulator) -> None:
    answer = client.post("message", DOC_MESSAGE.format(login=LOGIN, pwd=PWD))

    # Status 11: processed, neither sent nor charged, because of <test>1</test>.
    assert answer["status"] == "11"
    assert client.info()["account"] == "20123.12"
    assert sim.ledger() == []


def test_send_as_documented_answers_id_status_phones_and_parts(
        client: NikitaClient, sim: NikitaSimulator) -> None:
    answer = client.send("A88726", "My-company", "Any SMS message text",
                         ["996550123456", "+996550123457"])

    assert answer == {"id": "A88726", "status": "0", "phones": "2", "smscnt": "1",
                      "message": "", "phone": []}
    assert [(m.recipient, m.text, m.provider_id, m.state) for m in sim.ledger()] == [
        ("996550123456", "Any SMS message text", "A88726", "queued"),
        ("996550123457", "Any SMS message text", "A88726", "queued")]


def test_test_mode_answers_11_and_sends_nothing(client: NikitaClient,
                                                sim: NikitaSimulator) -> None:
    answer = client.send("A88726", "My-company", "Any SMS message text",
                         ["996550123456"], test=True)

    assert (answer["status"], answer["phones"], answer["smscnt"]) == ("11", "1", "1")
    assert sim.ledger() == []
    assert client.info()["account"] == "20123.12"


def test_a_repeated_id_is_blocked_with_status_10(client: NikitaClient,
                                                 sim: NikitaSimulator) -> None:
    assert client.send("B1", "My-company", "first", ["996550123456"])["status"] == "0"

    assert client.send("B1", "My-company", "again", ["996550123456"])["status"] == "10"
    assert [m.text for m in sim.ledger()] == ["first"]


def test_delivery_reports_per_phone_move_to_delivered(client: NikitaClient,
                                                      sim: NikitaSimulator) -> None:
    client.send("C7", "My-company", "hello", ["996550123456", "996550120000"])

    reports = [client.report("C7") for _ in range(3)]

    codes = [[(p["number"], p["report"]) for p in r["phone"]] for r in reports]
    assert [r["status"] for r in reports] == ["0", "0", "0"]
    assert codes[-1] == [("996550123456", "3"), ("996550120000", "4")]
    final = reports[-1]["phone"][0]
    assert len(final["sendTime"]) == 14 and final["sendTime"].isdigit()
    assert len(final["rcvTime"]) == 14 and final["rcvTime"].isdigit()
    one = client.report("C7", "996550123456")
    assert [p["number"] for p in one["phone"]] == ["996550123456"]
    assert [(m.recipient, m.state) for m in sim.ledger()] == [
        ("996550123456", "delivered"), ("996550120000", "undelivered")]


def test_a_scheduled_message_reports_0_with_empty_times(client: NikitaClient,
                                                        sim: NikitaSimulator) -> None:
    client.send("F1", "My-company", "later", ["996550123456"], time="20991231235959")

    assert client.report("F1")["phone"] == [
        {"number": "996550123456", "report": "0", "sendTime": "", "rcvTime": ""}]
    assert [m.state for m in sim.ledger()] == ["queued"]


def test_a_report_for_an_unknown_id_is_status_4(client: NikitaClient) -> None:
    assert client.report("NOPE")["status"] == "4"


def test_info_answers_state_balance_and_price_as_the_example(client: NikitaClient) -> None:
    client.send("D1", "My-company", "x" * 161, ["996550123456"])  # 2 parts x 0.50

    assert client.info() == {"status": "0", "state": "0", "account": "20122.12",
                             "smsprice": "0.50", "phone": []}


def test_wrong_password_is_status_2_on_every_script(sim: NikitaSimulator,
                                                    client: NikitaClient) -> None:
    wrong = NikitaClient(client.base_url, LOGIN, "wrong")

    assert wrong.send("E1", "My-company", "hi", ["996550123456"])["status"] == "2"
    assert wrong.report("E1")["status"] == "2"
    assert wrong.info()["status"] == "2"
    assert sim.ledger() == []


def test_reports_of_one_phone_move_only_that_phone_then_the_balance_is_charged(
        client: NikitaClient) -> None:
    sent = client.send("A88726", "My-company", "Any SMS message text",
                       ["996550123456", "996550123457"], time=None)
    assert (sent["status"], sent["id"], sent["phones"], sent["smscnt"]) == (
        "0", "A88726", "2", "1")

    # One phone of the transaction, then every phone (the <phone> field left out).
    one = client.report("A88726", "996550123456")
    assert one["status"] == "0"
    assert codes(one) == {"996550123456": "1"}
    every = client.report("A88726")
    assert every["status"] == "0"
    assert codes(every) == {"996550123456": "3", "996550123457": "1"}
    delivered = every["phone"][0]
    assert len(delivered["sendTime"]) == 14  # YYYYMMDDhhmmss
    assert len(delivered["rcvTime"]) == 14

    info = client.info()
    assert (info["status"], info["state"], info["smsprice"]) == ("0", "0", "0.50")
    # Two phones times one part at the account's price of 0.50.
    assert info["account"] == "20122.12"


def test_the_documented_refusals_leave_one_message(client: NikitaClient,
                                                   sim: NikitaSimulator) -> None:
    assert client.send("B1", "My-company", "hi", ["996550123456"], time=None)["status"] == "0"

    # "если у двух отправок указан одинаковый id, то вторая ... будет заблокирована"
    assert client.send("B1", "My-company", "hi", ["996550123456"], time=None)["status"] == "10"
    # No report for an id that was never used.
    assert client.report("NEVER1")["status"] == "4"
    # A wrong password, on each of the three scripts.
    stranger = NikitaClient(client.base_url, LOGIN, "wrong")
    assert stranger.send("B2", "My-company", "hi", ["996550123456"], time=None)["status"] == "2"
    assert stranger.report("B1")["status"] == "2"
    assert stranger.info()["status"] == "2"
    assert len(sim.ledger()) == 1
