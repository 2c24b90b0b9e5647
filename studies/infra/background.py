"""Work that keeps a shared value fresh, done in the background while the old one is
served: one thread, started by the process that took the value's lock, which logs a
failure instead of raising, releases the lock and closes its database connections.

(The queue's picture, studies/queue.py, still has its own copy of this; it can use this
one.)"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections

from studies.infra.locks import lock_release

log = logging.getLogger(__name__)


def build_in_background(build: Callable[[], object], *, lock: str, token: str, what: str) -> None:
    """Run `build()` in a thread of its own; `lock` (held with `token`) is released after."""

    def run() -> None:
        try:
            build()
        except Exception:
            log.warning("%s could not be worked out", what, exc_info=True)
        finally:
            lock_release(lock, token)
            connections.close_all()  # this thread's database connections, if any

    threading.Thread(target=run, daemon=True, name=f"build {what}").start()
