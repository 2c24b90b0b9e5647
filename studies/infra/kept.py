"""A bounded map kept in this process's memory, for values that cannot go stale.

Only for values stored under a key that names everything they depend on (a version, a
generation, every input), so that nothing ever needs invalidating here: a change is a
new key, and old keys fall out, least recently used first. `seconds`, when given, also
bounds how long a value is kept, as the shared store bounds it: a change made outside
the dashboard (a shell, SQL), which moves no generation, shows within that time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable


class Kept:
    def __init__(self, size: int, *, seconds: float | None = None) -> None:
        self.size, self.seconds = size, seconds
        self._items: OrderedDict = OrderedDict()  # key -> (value, monotonic deadline)
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return default
            value, deadline = found
            if deadline is not None and time.monotonic() >= deadline:
                del self._items[key]
                return default
            self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value) -> None:
        deadline = None if self.seconds is None else time.monotonic() + self.seconds
        with self._lock:
            self._items[key] = (value, deadline)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
