"""The five drivers against their real simulators on 127.0.0.1, and the books they keep.

Each test sends through a real client, breaks the wire with the simulator kit's faults
and then compares the simulator's ledger (what recipients would receive) with what the
library reported: accepted (``SentMessage.ok``), failed (refused, or never attempted)
or unknown (``exc.unknown``). Nothing may be lost (the library says failed, the provider
holds it) or doubled (the provider holds it twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs
import pytest

import smsbridge
from smsbridge.errors import SmsBridgeError
from smsbridge.models import SendResult
from smsbridge.testing import Simulator
from smsbridge.testing.fixtures import Served

TEXT = "Sale at noon"
#: How many chunks a campaign of :meth:`World.campaign` spans.
CHUNKS = 3


def _fund_nikita(sim: Any, messages: int) -> None:
    sim.account.balance = sim.account.price * messages


def _fund_ketchup(sim: Any, messages: int) -> None:
    sim.account.balance = sim.account.price * messages


def _fund_devino(sim: Any, messages: int) -> None:
    sim.set_balance(sim.price * messages)


def _fund_stream(sim: Any, messages: int) -> None:
    sim.account.balance = sim.account.price * messages


@attrs.frozen(kw_only=True)
class Provider:
    """How to reach one driver's simulator and where its sends go."""

    name: str
    #: Numbers are ``prefix`` plus a counter, ``length`` digits in all.
    prefix: str
    length: int
    #: The path suffix of a many-number send request (where faults are aimed).
    send_path: str
    #: The setting that caps recipients per request, and the cap the tests use.
    chunk_setting: str | None
    chunk: int
    #: The setting holding the credential (to make a client the provider refuses).
    secret: str
    #: A well-formed message id the provider never issued (None: it answers "unknown"
    #: state for any id rather than "not found").
    missing_id: str | None = None
    #: Settings beyond the simulator's own.
    extra: dict[str, Any] = attrs.field(factory=dict)
    #: Leave money for this many one-part messages, so later sends are refused; None
    #: where the provider takes a send it cannot pay for (Phoenix: rejected later).
    fund: Callable[[Any, int], None] | None
    session: bool = False

    @property
    def deduplicating(self) -> bool:
        """True for providers that deduplicate by an id smsbridge sends."""
        return self.name in ("nikita", "ketchup")


PROVIDERS = {
    "nikita": Provider(name="nikita", prefix="99655", length=12, send_path="/message",
                       chunk_setting=None, chunk=50, secret="password",
                       missing_id="abc123:996550000001",
                       fund=_fund_nikita),
    "ketchup": Provider(name="ketchup", prefix="38097", length=12, send_path="/sms/create",
                        chunk_setting="chunk_size", chunk=3, secret="api_key",
                        missing_id="99999",
                        extra={"sender": "ACME"}, fund=_fund_ketchup),
    "devino": Provider(name="devino", prefix="7916", length=11, send_path="/Sms/SendBulk",
                       chunk_setting="bulk_size", chunk=3, secret="password",
                       extra={"sender": "ACME"}, fund=_fund_devino, session=True),
    "stream": Provider(name="stream", prefix="7916", length=11, send_path="/Send/SendBulk/",
                       chunk_setting="bulk_size", chunk=3, secret="password",
                       fund=_fund_stream, session=True),
    "phoenix": Provider(name="phoenix", prefix="38071", length=12, send_path="/dispatches",
                        chunk_setting="dispatch_size", chunk=3, secret="token",
                        missing_id="999:380710000001",
                        fund=None),
}
DRIVERS = sorted(PROVIDERS)
SESSION_DRIVERS = sorted(n for n, p in PROVIDERS.items() if p.session)
DEDUP_DRIVERS = sorted(n for n, p in PROVIDERS.items() if p.deduplicating)


@attrs.frozen(kw_only=True)
class Books:
    """What the library reported, split into the three outcomes, beside the ledger."""

    accepted: list[str]
    failed: list[str]
    unknown: list[str]
    never_attempted: list[str]
    held: Counter[str]


@attrs.define
class World:
    """One provider's simulator, served, and fresh clients to it."""

    provider: Provider
    served: Served

    @property
    def sim(self) -> Simulator:
        return self.served.simulator

    @property
    def url(self) -> str:
        return self.served.url

    def connect(self, **overrides: Any) -> smsbridge.Client:
        """A fresh client (a new process, as far as the provider can tell)."""
        provider = self.provider
        settings: dict[str, Any] = dict(provider.extra)
        if provider.chunk_setting is not None:
            settings[provider.chunk_setting] = provider.chunk
        settings.update(overrides)
        return self.served.connect(jitter=0.0, **settings)

    @staticmethod
    def send(client: smsbridge.Client, numbers: list[str], reference: str | None = None,
             concurrency: int = 1) -> tuple[SendResult | None, SmsBridgeError | None]:
        """``client.send`` of :data:`TEXT`: its result, or the error it raised."""
        try:
            return client.send(numbers, TEXT, reference=reference,
                               concurrency=concurrency), None
        except SmsBridgeError as exc:
            return None, exc

    @staticmethod
    def stream(client: smsbridge.Client, numbers: list[str], reference: str | None = None,
               concurrency: int = 1) -> tuple[SendResult | None, SmsBridgeError | None]:
        """``client.send_iter`` of :data:`TEXT`, as a caller persisting each answer sees it.

        On an error, what was yielded before it joins the error's ``partial``.
        """
        yielded = []
        try:
            for message in client.send_iter(numbers, TEXT, reference=reference,
                                            concurrency=concurrency):
                yielded.append(message)
        except SmsBridgeError as exc:
            own = list(exc.partial.messages) if exc.partial is not None else []
            exc.partial = SendResult(messages=[*yielded, *own])
            return None, exc
        return SendResult(messages=yielded), None

    def numbers(self, count: int, start: int = 1) -> list[str]:
        """``count`` numbers the provider accepts."""
        provider = self.provider
        width = provider.length - len(provider.prefix)
        return [f"{provider.prefix}{i:0{width}d}" for i in range(start, start + count)]

    def campaign(self) -> list[str]:
        """Numbers for a send of :data:`CHUNKS` provider requests."""
        return self.numbers(self.provider.chunk * CHUNKS)

    def inject(self, kind: str, **params: Any) -> None:
        """Aim a fault at this provider's many-number send requests."""
        self.sim.inject(kind, path=self.provider.send_path, **params)

    def held(self) -> Counter[str]:
        """How many messages of :data:`TEXT` each recipient would receive."""
        return Counter(m.recipient for m in self.sim.ledger() if m.text == TEXT)

    def books(self, numbers: list[str], result: SendResult | None = None,
              error: SmsBridgeError | None = None) -> Books:
        """Check the library's report against the ledger; return both.

        Every recipient is in exactly one of accepted, failed, unknown (or was never
        attempted: in none); none is held twice; none the library calls failed or never
        attempted is held; every one it calls accepted is held.
        """
        assert (result is None) != (error is None)
        if error is not None:
            reported = list(error.partial.messages) if error.partial is not None else []
            unknown = [m.to for m in error.unknown]
        else:
            assert result is not None
            reported = list(result.messages)
            unknown = []
        accepted = [m.recipient for m in reported if m.ok]
        failed = [m.recipient for m in reported if not m.ok]
        named = accepted + failed + unknown
        assert len(named) == len(set(named)), f"a recipient in two outcomes: {named}"
        assert set(named) <= set(numbers), "the library reported numbers never sent"
        never = [n for n in numbers if n not in set(named)]
        if result is not None:
            assert never == [], "a send that returned left recipients out"
        held = self.held()
        doubled = sorted(n for n, count in held.items() if count > 1)
        assert doubled == [], f"doubled: {doubled}"
        lost = sorted(set(failed + never) & set(held))
        assert lost == [], f"lost (reported failed, held by the provider): {lost}"
        missing = sorted(set(accepted) - set(held))
        assert missing == [], f"reported accepted, not held by the provider: {missing}"
        assert set(held) <= set(accepted + unknown), "held but reported as neither"
        return Books(accepted=accepted, failed=failed, unknown=unknown,
                     never_attempted=never, held=held)


@pytest.fixture(params=DRIVERS)
def world(request: pytest.FixtureRequest, sms_simulator: Callable[..., Served]) -> World:
    """Each driver in turn, with its simulator (found by name) served on 127.0.0.1."""
    return World(provider=PROVIDERS[request.param], served=sms_simulator(request.param))


@pytest.fixture(params=SESSION_DRIVERS)
def session_world(request: pytest.FixtureRequest,
                  sms_simulator: Callable[..., Served]) -> World:
    """Each session-id driver (Devino, Stream) with its simulator."""
    return World(provider=PROVIDERS[request.param], served=sms_simulator(request.param))


@pytest.fixture(params=DEDUP_DRIVERS)
def dedup_world(request: pytest.FixtureRequest,
                sms_simulator: Callable[..., Served]) -> World:
    """Each driver whose provider deduplicates by our id (Nikita, KetchUp)."""
    return World(provider=PROVIDERS[request.param], served=sms_simulator(request.param))

