"""Chunk requests in flight on a bounded thread pool (``send --concurrency N``).

The campaign stays single-threaded in everything it writes down: it journals a chunk
before handing its request to a worker and records the answer when it takes it back
here, in the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

__all__ = ["InFlight"]

K = TypeVar("K")


class InFlight(Generic[K]):
    """Up to ``size`` requests in flight, each known by the caller's key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="smsbridge-send")
        self._futures: dict[Future[Any], K] = {}

    def __len__(self) -> int:
        return len(self._futures)

    @property
    def full(self) -> bool:
        """True when no other request may start before one is answered."""
        return len(self._futures) >= self.size

    def submit(self, key: K, call: Callable[..., Any], *args: Any) -> None:
        """Start ``call(*args)`` in a worker."""
        self._futures[self._pool.submit(call, *args)] = key

    def next_answered(self) -> tuple[K, Any, BaseException | None]:
        """Wait for a request to end: its key, its result and its error (or None)."""
        done: set[Future[Any]] = set()
        while not done:
            # A bounded wait: a signal landing just before it would otherwise be handled
            # only when the next answer comes.
            done, _ = wait(self._futures, timeout=0.2, return_when=FIRST_COMPLETED)
        future = next(iter(done))
        key = self._futures.pop(future)
        error = future.exception()
        return key, None if error is not None else future.result(), error

    def abandon(self) -> list[K]:
        """Stop waiting: the keys of the requests still in flight (they end in the
        background)."""
        keys = list(self._futures.values())
        self._futures.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        return keys

    def close(self) -> None:
        """Release the workers (after every request was answered)."""
        self._pool.shutdown(wait=True)
