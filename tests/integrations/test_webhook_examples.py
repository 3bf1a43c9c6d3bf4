"""The webhook examples in docs/examples, run for real: the Flask shop and the plain WSGI
app receive the Nikita simulator's pushes through CallbackApp."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

import smsbridge
from smsbridge.models import DeliveryState
from smsbridge.testing import serve_wsgi

pytest.importorskip("flask")
simulator = pytest.importorskip("smsbridge_nikita.simulator")

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
PASSWORD = "hook-pw"


def load(name: str) -> ModuleType:
    """Import an example afresh (its clients are made at import time)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sim() -> Iterator[Any]:
    sim = simulator.NikitaSimulator()
    sim.push_delays = (0.05, 0.05, 0.05)
    with sim.serve() as url:
        sim.base_url = url
        yield sim


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, sim: Any) -> Iterator[tuple[ModuleType, str]]:
    settings = sim.client_settings(sim.base_url)
    monkeypatch.setenv("SMS_URL", f"nikita+http://{settings['login']}:{settings['password']}"
                                  f"@{sim.base_url.removeprefix('http://')}/api?sender=SHOP")
    monkeypatch.setenv("DLR_PASSWORD", PASSWORD)
    module = load("flask_app")
    with serve_wsgi(module.app) as url:
        yield module, url
    module.sms.close()


def send(sim: Any, number: str = "996550123456") -> str:
    with smsbridge.connect("nikita", **sim.client_settings(sim.base_url)) as client:
        return client.send(number, "hello").ids[0]


def dlr_url(url: str, password: str = PASSWORD) -> str:
    return url.replace("http://", f"http://dlr:{password}@") + "/sms/dlr"


def test_flask_shop_sends_for_real(shop: tuple[ModuleType, str], sim: Any) -> None:
    _, url = shop
    answer = requests.post(f"{url}/signup", data={"phone": "+996 550 123 456"}, timeout=10)
    assert answer.status_code == 200
    (entry,) = sim.ledger()
    assert (entry.recipient, entry.text) == ("996550123456", "Your code is 1234")
    assert answer.json()["ids"] == [f"{entry.provider_id}:996550123456"]


def test_flask_shop_inside_sms_outbox_sends_nothing(shop: tuple[ModuleType, str], sim: Any,
                                                    sms_outbox: Any) -> None:
    _, url = shop
    answer = requests.post(f"{url}/signup", data={"phone": "+996 550 123 456"}, timeout=10)
    assert answer.status_code == 200
    assert sms_outbox.texts == ["Your code is 1234"]
    assert sim.ledger() == []


def test_flask_shop_receives_the_simulators_reports(shop: tuple[ModuleType, str],
                                                     sim: Any) -> None:
    module, url = shop
    message_id = send(sim, "996550120000")  # ends undelivered
    sim.callback_url = dlr_url(url)
    sim.advance()
    assert sim.wait_pushes(10)
    assert module.states == {message_id: "sent"}
    sim.advance()
    assert sim.wait_pushes(10)
    assert module.states == {message_id: "undelivered"}
    assert [p.status for p in sim.pushes] == [200, 200]


def test_flask_shop_refuses_wrong_auth_and_big_bodies(shop: tuple[ModuleType, str],
                                                      sim: Any) -> None:
    module, url = shop
    send(sim)
    sim.callback_url = dlr_url(url, "guess")
    sim.push_delays = (0.05,)
    sim.advance()
    assert sim.wait_pushes(10)
    assert [p.status for p in sim.pushes] == [401, 401]
    assert module.states == {}
    big = requests.post(f"{url}/sms/dlr", data=b"x" * (1024 * 1024 + 1), timeout=10,
                        auth=("dlr", PASSWORD))
    assert big.status_code == 413


def test_flask_shop_answers_500_when_saving_fails_and_the_push_is_retried(
        shop: tuple[ModuleType, str], sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    module, url = shop
    failures = [RuntimeError("database is down")]
    save = module.save_report

    def flaky(report: Any) -> None:
        if failures:
            raise failures.pop()
        save(report)

    monkeypatch.setattr(module.callbacks, "on_report", flaky)
    message_id = send(sim)
    sim.callback_url = dlr_url(url)
    sim.advance()
    assert sim.wait_pushes(10)
    assert [p.status for p in sim.pushes] == [500, 200]
    assert module.states == {message_id: "sent"}


def test_plain_wsgi_example(monkeypatch: pytest.MonkeyPatch, sim: Any,
                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("SMSBRIDGE_URL", "nikita://acme:s3cret-pw@/")
    monkeypatch.setenv("DLR_PASSWORD", PASSWORD)
    module = load("wsgi_app")
    caplog.set_level(logging.INFO, logger="shop.sms")
    message_id = send(sim)
    with serve_wsgi(module.application) as url:
        sim.callback_url = url.replace("http://", f"http://dlr:{PASSWORD}@") + "/"
        sim.advance()
        assert sim.wait_pushes(10)
    assert [p.status for p in sim.pushes] == [200]
    (record,) = caplog.records
    assert message_id in record.getMessage()
    assert record.args[1].state is DeliveryState.SENT  # type: ignore[index]
    assert "s3cret-pw" not in caplog.text
    module.sms.close()


def test_the_docs_show_the_examples_as_they_are() -> None:
    text = (EXAMPLES.parent / "webhooks.md").read_text(encoding="utf-8")
    for name in ("flask_app.py", "wsgi_app.py"):
        assert (EXAMPLES / name).read_text(encoding="utf-8").strip() in text, name


def test_the_django_docs_python_blocks_compile() -> None:
    import ast
    import re

    text = (EXAMPLES.parent / "django.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    for block in blocks:
        ast.parse(block)
    # The test examples are the test shop's own tests, run by manage.py test.
    shop_tests = (Path(__file__).parents[1] / "django_project" / "shop" / "test_docs.py")
    source = shop_tests.read_text(encoding="utf-8")
    examples = [b for b in blocks if "TestCase" in b]
    assert len(examples) == 2
    for block in examples:
        assert block.strip() in source
