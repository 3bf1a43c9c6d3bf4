"""The campaign ledger in Redis: chunk states and counters changed by Lua scripts.

Every change of a chunk's state happens in one script together with the campaign's
counters, so a worker killed at any instant leaves them consistent. Times come from
the Redis server's clock (``TIME``), the one clock every worker shares.

Keys (``{c}`` is ``smsbridge:campaign:<id>``):

- ``{c}`` hash: provider, text, send_at, batch size, deduplication flag, ``chunks``
  registered, ``sealed`` when the producer is done, ``touched`` (when a chunk last
  changed), and the counters ``total``, ``accepted``, ``failed``, ``uncertain``.
- ``{c}:chunk:<i>`` hash: ``state`` (``queued``, ``sending``, ``done``), ``numbers``
  (JSON), ``records`` (JSON, once done), ``attempts``, ``token`` of the attempt holding
  it, ``lease`` (when that attempt counts as dead), ``maybe_sent`` (an attempt may
  have reached the provider), ``takeover`` (settled as uncertain
  because its attempt was gone: the attempt may still report what really happened).
- ``{c}:leases`` sorted set: chunks in ``sending`` by lease expiry, for the sweeper.
- ``{c}:queued`` set: chunks waiting for an attempt. Redis brokers can lose a message
  (a worker killed just after popping it): when a campaign has stalled with chunks
  still queued, the sweeper publishes them again (a claim is atomic, so an extra
  copy of a message is harmless).
- ``smsbridge:rate:<provider>``: the GCRA theoretical arrival time of the limiter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import redis

__all__ = ["CLAIM", "RATE", "REQUEUE", "SETTLE", "SWEEP", "Ledger", "Record"]

PREFIX = "smsbridge:campaign:"
RATE_PREFIX = "smsbridge:rate:"

#: Outcomes a recipient ends in.
ACCEPTED, FAILED, UNCERTAIN = "accepted", "failed", "uncertain"

_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
"""

# Records are [recipient, message_id, outcome, error] with "" for none (cjson has no
# nil inside arrays).
_ABANDON = """
local function abandon(chunk, meta, leases, index, reason)
  local numbers = cjson.decode(redis.call('HGET', chunk, 'numbers'))
  local records = {}
  for i, number in ipairs(numbers) do
    records[i] = {number, '', 'uncertain', reason}
  end
  redis.call('HSET', chunk, 'state', 'done', 'records', cjson.encode(records),
             'takeover', '1')
  redis.call('ZREM', leases, index)
  redis.call('HINCRBY', meta, 'uncertain', #numbers)
end
"""

#: KEYS: chunk, meta, leases, queued. ARGV: token, lease seconds, max attempts, dedup
#: ("1"/"0"), chunk index. Returns {action, detail}: ``send`` (attempt number), ``resend`` (attempt
#: number: an earlier attempt may have reached the provider), ``busy`` (seconds until
#: the holder's lease ends), ``done``, ``uncertain`` (just settled: the earlier attempt
#: is gone and the chunk may not be repeated), ``missing``.
CLAIM = _NOW + _ABANDON + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', '0'} end
if state == 'done' then return {'done', '0'} end
redis.call('HSET', KEYS[2], 'touched', tostring(now))
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
local lease = now + tonumber(ARGV[2])
local action = 'send'
if state == 'sending' then
  local held = tonumber(redis.call('HGET', KEYS[1], 'lease') or '0')
  if now < held then return {'busy', tostring(held - now)} end
  if ARGV[4] ~= '1' or attempts >= tonumber(ARGV[3]) then
    abandon(KEYS[1], KEYS[2], KEYS[3], ARGV[5],
            'the attempt sending this chunk stopped before it was answered')
    return {'uncertain', tostring(attempts)}
  end
  action = 'resend'
elseif redis.call('HGET', KEYS[1], 'maybe_sent') == '1' then
  action = 'resend'
end
redis.call('HSET', KEYS[1], 'state', 'sending', 'attempts', attempts + 1,
           'token', ARGV[1], 'lease', tostring(lease), 'maybe_sent', '1')
redis.call('ZADD', KEYS[3], lease, ARGV[5])
redis.call('SREM', KEYS[4], ARGV[5])
return {action, tostring(attempts + 1)}
"""

#: KEYS: chunk, meta, leases. ARGV: token, records JSON, accepted, failed, uncertain,
#: chunk index. Applies when ``token`` holds the chunk, or its chunk was settled as
#: uncertain after a takeover (the late answer replaces that guess). Returns 1 or 0.
SETTLE = _NOW + """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'done' then
  if redis.call('HGET', KEYS[1], 'takeover') ~= '1' then return 0 end
  local numbers = cjson.decode(redis.call('HGET', KEYS[1], 'numbers'))
  redis.call('HINCRBY', KEYS[2], 'uncertain', -#numbers)
  redis.call('HDEL', KEYS[1], 'takeover')
elseif state ~= 'sending' then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'records', ARGV[2])
redis.call('HSET', KEYS[2], 'touched', tostring(now))
redis.call('ZREM', KEYS[3], ARGV[6])
redis.call('HINCRBY', KEYS[2], 'accepted', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'failed', ARGV[4])
redis.call('HINCRBY', KEYS[2], 'uncertain', ARGV[5])
return 1
"""

#: KEYS: chunk, leases, queued. ARGV: token, chunk index, proven ("1" when the failed attempt
#: proves nothing was accepted). Gives the chunk back for a later attempt.
REQUEUE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued')
if ARGV[3] == '1' and redis.call('HGET', KEYS[1], 'attempts') == '1' then
  redis.call('HSET', KEYS[1], 'maybe_sent', '0')
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
"""

#: KEYS: meta, leases, queued. ARGV: campaign key prefix, max attempts, dedup, at most
#: how many, stall seconds. Settles chunks whose holder's lease ended: requeued (returned,
#: to be published again) where the provider deduplicates and attempts remain, else
#: uncertain. When nothing is being sent and no chunk changed for ``stall`` seconds,
#: returns queued chunks too: their messages were lost.
SWEEP = _NOW + _ABANDON + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0,
                           tonumber(ARGV[4]))
local requeued = {}
for _, index in ipairs(expired) do
  local chunk = ARGV[1] .. ':chunk:' .. index
  local attempts = tonumber(redis.call('HGET', chunk, 'attempts') or '0')
  if redis.call('HGET', chunk, 'state') ~= 'sending' then
    redis.call('ZREM', KEYS[2], index)
  elseif ARGV[3] == '1' and attempts < tonumber(ARGV[2]) then
    redis.call('HSET', chunk, 'state', 'queued')
    redis.call('ZREM', KEYS[2], index)
    redis.call('SADD', KEYS[3], index)
    requeued[#requeued + 1] = index
  else
    abandon(chunk, KEYS[1], KEYS[2], index,
            'the attempt sending this chunk stopped before it was answered')
  end
end
if #requeued == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  local touched = tonumber(redis.call('HGET', KEYS[1], 'touched') or '0')
  if now - touched >= tonumber(ARGV[5]) then
    redis.call('HSET', KEYS[1], 'touched', tostring(now))
    return redis.call('SRANDMEMBER', KEYS[3], tonumber(ARGV[4]))
  end
end
return requeued
"""

#: KEYS: the provider's limiter key. ARGV: messages per second, messages wanted, burst
#: (messages allowed at once), most seconds a caller will wait. A GCRA limiter that
#: reserves: returns {reserved (1/0), seconds to wait before sending}. A reservation
#: never made is not counted; one made and not used only slows the others down.
RATE = _NOW + """
local interval = 1 / tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + tonumber(ARGV[2]) * interval
local wait = new_tat - tonumber(ARGV[3]) * interval - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[4]) then return {0, tostring(wait)} end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX',
           math.ceil((new_tat - now) * 1000) + 1000)
return {1, tostring(wait)}
"""


@attrs.frozen
class Record:
    """One recipient's outcome as the ledger keeps it."""

    recipient: str
    message_id: str | None
    outcome: str
    error: str | None

    def dump(self) -> list[str]:
        return [self.recipient, self.message_id or "", self.outcome, self.error or ""]

    @classmethod
    def load(cls, item: Sequence[str]) -> Record:
        recipient, message_id, outcome, error = item
        return cls(recipient, message_id or None, outcome, error or None)


@attrs.frozen
class Claim:
    """What the ledger let an attempt do with a chunk."""

    action: str
    detail: float


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Ledger:
    """Campaign state in one Redis database, shared by producers and workers."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._claim = client.register_script(CLAIM)
        self._settle = client.register_script(SETTLE)
        self._requeue = client.register_script(REQUEUE)
        self._sweep = client.register_script(SWEEP)
        self._rate = client.register_script(RATE)

    @staticmethod
    def key(campaign: str) -> str:
        return PREFIX + campaign

    def chunk_key(self, campaign: str, index: int | str) -> str:
        return f"{self.key(campaign)}:chunk:{index}"

    # -- the producer ------------------------------------------------------------------

    def create(self, campaign: str, fields: dict[str, str], retention: float) -> None:
        """Start a campaign's record; fails if the id is taken."""
        key = self.key(campaign)
        if not self.redis.hsetnx(key, "provider", fields["provider"]):
            raise ValueError(f"campaign {campaign!r} exists already")
        mapping: dict[str, str | int | float] = {
            **fields, "chunks": 0, "sealed": 0, "total": 0, "accepted": 0, "failed": 0,
            "uncertain": 0, "touched": self.now()}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        pipe.expire(key, int(retention))
        pipe.execute()

    def register(self, campaign: str, index: int, numbers: Sequence[str],
                 rejected: Sequence[Record], retention: float) -> None:
        """Record chunk ``index``: ``numbers`` to send and ``rejected`` failed already."""
        key = self.key(campaign)
        chunk = self.chunk_key(campaign, index)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(chunk, mapping={
            "state": "queued" if numbers else "done",
            "numbers": json.dumps(list(numbers)),
            "rejected": json.dumps([r.dump() for r in rejected]),
            "records": "[]",
            "attempts": 0,
        })
        pipe.expire(chunk, int(retention))
        if numbers:
            pipe.sadd(key + ":queued", index)
            pipe.expire(key + ":queued", int(retention))
        pipe.hincrby(key, "chunks", 1)
        pipe.hincrby(key, "total", len(numbers) + len(rejected))
        pipe.hincrby(key, "failed", len(rejected))
        pipe.execute()

    def seal(self, campaign: str) -> None:
        """Say the producer registered every chunk."""
        self.redis.hset(self.key(campaign), mapping={"sealed": 1, "touched": self.now()})

    def now(self) -> float:
        """The Redis server's clock, the one the scripts use."""
        seconds, micros = self.redis.time()
        return seconds + micros / 1e6

    # -- workers -----------------------------------------------------------------------

    def claim(self, campaign: str, index: int, token: str, *, lease: float,
              max_attempts: int, dedup: bool) -> Claim:
        """Take chunk ``index`` for one attempt (see :data:`CLAIM`)."""
        action, detail = self._claim(
            keys=[self.chunk_key(campaign, index), self.key(campaign),
                  self.key(campaign) + ":leases", self.key(campaign) + ":queued"],
            args=[token, lease, max_attempts, "1" if dedup else "0", index])
        return Claim(_text(action), float(_text(detail)))

    def settle(self, campaign: str, index: int, token: str, records: Sequence[Record]) -> bool:
        """Store the outcome of the attempt ``token``; False when it no longer holds it."""
        counts = {ACCEPTED: 0, FAILED: 0, UNCERTAIN: 0}
        for record in records:
            counts[record.outcome] += 1
        done = self._settle(
            keys=[self.chunk_key(campaign, index), self.key(campaign),
                  self.key(campaign) + ":leases"],
            args=[token, json.dumps([r.dump() for r in records]), counts[ACCEPTED],
                  counts[FAILED], counts[UNCERTAIN], index])
        return bool(done)

    def requeue(self, campaign: str, index: int, token: str, *, proven: bool) -> bool:
        """Give the chunk back for a later attempt (after an error safe to repeat)."""
        done = self._requeue(
            keys=[self.chunk_key(campaign, index), self.key(campaign) + ":leases",
                  self.key(campaign) + ":queued"],
            args=[token, index, "1" if proven else "0"])
        return bool(done)

    def sweep(self, campaign: str, *, max_attempts: int, dedup: bool, stall: float,
              limit: int = 1000) -> list[int]:
        """Settle chunks whose holder is gone; returns the chunks to publish again."""
        key = self.key(campaign)
        requeued = self._sweep(keys=[key, key + ":leases", key + ":queued"],
                               args=[key, max_attempts, "1" if dedup else "0", limit, stall])
        return [int(_text(i)) for i in requeued]

    def reserve(self, provider: str, count: int, *, rate: float, burst: int,
                max_wait: float) -> tuple[bool, float]:
        """Ask the provider's limiter for ``count`` messages (see :data:`RATE`)."""
        reserved, wait = self._rate(keys=[RATE_PREFIX + provider],
                                    args=[rate, count, max(burst, count), max_wait])
        return bool(int(reserved)), float(_text(wait))

    # -- reading -----------------------------------------------------------------------

    def meta(self, campaign: str) -> dict[str, str]:
        """The campaign's hash (empty when there is no such campaign)."""
        raw = self.redis.hgetall(self.key(campaign))
        return {_text(k): _text(v) for k, v in raw.items()}

    def state(self, campaign: str, index: int) -> str | None:
        """A chunk's state, None when the ledger has no such chunk."""
        value = self.redis.hget(self.chunk_key(campaign, index), "state")
        return None if value is None else _text(value)

    def chunk(self, campaign: str, index: int) -> dict[str, str]:
        raw = self.redis.hgetall(self.chunk_key(campaign, index))
        return {_text(k): _text(v) for k, v in raw.items()}

    def records(self, campaign: str, chunks: int, page: int = 200) -> Iterator[Record]:
        """Every settled recipient, chunk by chunk, ``page`` chunks per round trip."""
        for start in range(0, chunks, page):
            pipe = self.redis.pipeline(transaction=False)
            for index in range(start, min(start + page, chunks)):
                pipe.hmget(self.chunk_key(campaign, index), ["rejected", "records"])
            for rejected, records in pipe.execute():
                for blob in (rejected, records):
                    if blob:
                        for item in json.loads(blob):
                            yield Record.load(item)
