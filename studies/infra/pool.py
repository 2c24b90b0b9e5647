"""Work done a few at a time: bounded concurrency for long actions (bulk writes).

`bounded_map(work, items, workers=n)` runs `work(item)` for every item on at most `n`
threads and yields `(item, answer)` pairs as each finishes (fastest first), so a page can
show each result the moment it is known. Each thread:
- runs in a copy of the caller's context (its request id, its record of upstream calls),
  so the work is logged and sent to Avara as part of the request that asked for it;
- closes the database connections it opened when it ends (a thread that never does so
  leaves them open until the server drops them);
- turns an exception into the answer `Failed(exc)` instead of losing the item.

The work goes on when the consumer stops reading (a browser closed mid-way): what was
asked for is done, and each item's outcome is recorded by the work itself (the services
audit every write).
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connections

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Failed:
    """What `work(item)` raised instead of answering."""

    error: BaseException


def bounded_map[T, R](
    work: Callable[[T], R], items: Iterable[T], *, workers: int
) -> Iterator[tuple[T, R | Failed]]:
    """(item, work(item) or Failed) for every item, in the order they finish, with at
    most `workers` of them running at once."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    count = 0
    for item in items:
        todo.put(item)
        count += 1
    if not count:
        return
    done: queue.SimpleQueue = queue.SimpleQueue()
    context = contextvars.copy_context()

    def worker() -> None:
        try:
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    answer = context.copy().run(work, item)
                except Exception as exc:  # one item's failure must not lose the others
                    log.exception("Bulk work failed on one item")
                    answer = Failed(exc)
                done.put((item, answer))
        finally:
            connections.close_all()

    for n in range(max(1, min(workers, count))):
        threading.Thread(target=worker, name=f"bounded-{n}", daemon=True).start()
    for _ in range(count):
        yield done.get()
