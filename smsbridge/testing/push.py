"""Pushing reports to an application's URL the way providers do: in the background,
retrying on anything but 2xx on the provider's schedule, giving up after the last try."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence

import attrs
import requests

__all__ = ["PushAttempt", "Pusher", "any_2xx"]

logger = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class PushAttempt:
    """One try to deliver a push.

    :ivar attempt: 1 for the first try, 2 for the first retry, ...
    :ivar status: the HTTP status the application answered, None when it did not.
    :ivar error: why there was no answer (connection refused, timeout), else None.
    :ivar ok: True when the provider takes the answer as an acknowledgement.
    """

    url: str
    body: bytes
    content_type: str
    attempt: int
    status: int | None
    error: str | None = None
    ok: bool
    at: float


def any_2xx(status: int) -> bool:
    """The usual acknowledgement: any 2xx status."""
    return 200 <= status < 300


@attrs.define(order=True)
class _Job:
    due: float
    seq: int
    url: str = attrs.field(order=False)
    body: bytes = attrs.field(order=False)
    content_type: str = attrs.field(order=False)
    attempt: int = attrs.field(order=False, default=1)


class Pusher:
    """Delivers pushes from one background thread (started on the first push).

    :param delays: seconds to wait before each retry; ``len(delays)`` retries at most.
    :param timeout: the overall time one try may take.
    :param accepts: which HTTP statuses acknowledge a push (others are retried).
    """

    def __init__(self, delays: Sequence[float], *, timeout: float = 5.0,
                 accepts: Callable[[int], bool] = any_2xx) -> None:
        self.delays = tuple(float(d) for d in delays)
        self.timeout = timeout
        self.accepts = accepts
        self.attempts: list[PushAttempt] = []
        self._jobs: list[_Job] = []
        self._busy = 0
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    def push(self, url: str, body: bytes, content_type: str) -> None:
        """Queue a push to ``url``; the first try is made at once."""
        with self._cond:
            if self._stopped:
                raise RuntimeError("the pusher is closed")
            heapq.heappush(self._jobs, _Job(time.monotonic(), next(self._seq), url, body,
                                            content_type))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="smsbridge-pusher",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until no push is queued or in flight; False when ``timeout`` ran out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Drop the queued pushes and stop the thread (waiting at most ``timeout``)."""
        with self._cond:
            self._stopped = True
            self._jobs.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._session.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (
                        not self._jobs or self._jobs[0].due > time.monotonic()):
                    wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
                job = heapq.heappop(self._jobs)
                self._busy += 1
            try:
                self._try(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _try(self, job: _Job) -> None:
        status: int | None = None
        error: str | None = None
        try:
            answer = self._session.post(job.url, data=job.body, timeout=self.timeout,
                                        headers={"Content-Type": job.content_type})
            status = answer.status_code
            answer.close()
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempt = PushAttempt(url=job.url, body=job.body, content_type=job.content_type,
                              attempt=job.attempt, status=status, error=error,
                              ok=status is not None and self.accepts(status), at=time.time())
        with self._cond:
            self.attempts.append(attempt)
            if attempt.ok:
                return
            if job.attempt > len(self.delays) or self._stopped:
                logger.info("push to the application failed %d times; giving up",
                            job.attempt)
                return
            delay = self.delays[job.attempt - 1]
            heapq.heappush(self._jobs, _Job(time.monotonic() + delay, next(self._seq),
                                            job.url, job.body, job.content_type,
                                            job.attempt + 1))
