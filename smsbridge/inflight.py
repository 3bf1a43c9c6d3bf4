"""Several send requests in flight through one client, with exact books on failure.

The client hands over its chunks (pulled lazily) and a function that sends one; this
module keeps at most ``concurrency`` of them in flight on a bounded thread pool and hands
back each chunk's results as it is answered. When a chunk fails nothing new is started,
the chunks in flight are waited for, and one error is raised whose ``partial`` holds every
accepted message not handed back yet and whose ``unknown`` holds every message of
unknown outcome, from every chunk that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import attrs

from smsbridge.errors import DeliveryUnknown, SmsBridgeError, ValidationError
from smsbridge.models import Message, SendResult, SentMessage

__all__ = ["check_concurrency", "run_chunks"]

logger = logging.getLogger("smsbridge.client")

#: Seconds between looks at pending signals while waiting for answers: a Ctrl-C that
#: lands just before the wait begins would otherwise wait for the next answer.
_SIGNAL_CHECK = 0.2


def check_concurrency(concurrency: object, *, ceiling: int, driver: str) -> int:
    """``concurrency`` checked (an int of at least 1) and clamped to the driver's ceiling."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError(f"concurrency must be a whole number of at least 1, got "
                              f"{concurrency!r}", field="concurrency")
    if concurrency > ceiling:
        # The provider limits simultaneous requests per account (Nikita answers status 9
        # "too many at once"): more would be refused, not faster.
        logger.info("concurrency=%d lowered to %d, the most %s takes at once",
                    concurrency, ceiling, driver)
        return ceiling
    return concurrency


@attrs.define
class _Failure:
    index: int
    error: SmsBridgeError
    #: The chunk that failed; None for an error while pulling the next chunk.
    chunk: list[Message] | None


def _combined(failures: list[_Failure], accepted: list[SentMessage],
              repeatable: Callable[[list[Message]], bool]) -> SmsBridgeError:
    """One error telling where every failed chunk stands.

    The first DeliveryUnknown (by chunk order) is raised when there is one, as the
    outcome a caller must act on; otherwise the first failure.
    """
    failures.sort(key=lambda f: f.index)
    primary = next((f for f in failures if isinstance(f.error, DeliveryUnknown)), failures[0])
    attempted = [f for f in failures if f.chunk is not None]
    if len(failures) == 1 and not accepted:
        return primary.error
    own = [m for f in attempted if isinstance(f.error.partial, SendResult)
           for m in f.error.partial.messages]
    unknown = tuple(m for f in attempted for m in f.error.unknown)
    error = primary.error
    error.partial = SendResult(messages=[*accepted, *own])
    error.unknown = unknown
    if attempted and (error.partial.messages or unknown or isinstance(error, DeliveryUnknown)):
        # A repeat resends what was accepted or uncertain: harmless only where the
        # provider recognizes every failed chunk by its reference.
        error.retry_safe = all(repeatable(f.chunk) for f in attempted if f.chunk is not None)
    return error


def run_chunks(
    send: Callable[[list[Message]], list[SentMessage]],
    chunks: Iterator[list[Message]],
    concurrency: int,
    *,
    repeatable: Callable[[list[Message]], bool],
    keep: bool = False,
) -> Iterator[tuple[int, list[SentMessage]]]:
    """Send ``chunks`` with up to ``concurrency`` in flight; yield ``(index, results)``
    as each is answered.

    ``send`` settles its own chunk's error (its ``partial`` and ``unknown``);
    ``repeatable`` says whether resending a chunk is harmless. ``chunks``
    is pulled in the calling thread, one chunk per free slot, so at most
    ``concurrency + 1`` chunks exist at once; an error while pulling one stops the
    campaign like a failed chunk. ``keep`` puts every answered chunk into the error's
    ``partial`` (for a caller that collects rather than streams); otherwise only the
    chunks answered after the failure, which are not yielded.

    Closing the iterator early waits for the requests in flight; their results are not
    reported. A KeyboardInterrupt stops at once, leaving the requests in flight to end
    in the background (their outcome unknown to the caller, as with one request).
    """
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="smsbridge-send")
    pending: dict[Future[list[SentMessage]], tuple[int, list[Message]]] = {}
    failures: list[_Failure] = []
    answered: dict[int, list[SentMessage]] = {}
    index = 0
    exhausted = False
    interrupted = False
    try:
        while True:
            while not exhausted and not failures and len(pending) < concurrency:
                try:
                    chunk = next(chunks, None)
                except SmsBridgeError as exc:
                    failures.append(_Failure(index, exc, None))
                    break
                if chunk is None:
                    exhausted = True
                    break
                pending[pool.submit(send, chunk)] = (index, chunk)
                index += 1
            if not pending:
                break
            done: set[Future[list[SentMessage]]] = set()
            while not done:
                done, _ = wait(pending, timeout=_SIGNAL_CHECK, return_when=FIRST_COMPLETED)
            ready: list[tuple[int, list[SentMessage]]] = []
            for future in done:
                number, chunk = pending.pop(future)
                error = future.exception()
                if error is None:
                    ready.append((number, future.result()))
                elif isinstance(error, SmsBridgeError):
                    failures.append(_Failure(number, error, chunk))
                else:
                    raise error
            for number, results in sorted(ready, key=lambda r: r[0]):
                if keep or failures:
                    answered[number] = results
                if not failures:
                    yield number, results
        if failures:
            # Without ``keep``, what was answered before the failure was yielded already.
            accepted = [m for n in sorted(answered) for m in answered[n]]
            raise _combined(failures, accepted, repeatable)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
