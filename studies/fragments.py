"""Pieces of pages rendered once and reused while nothing they show changes.

Each piece is looked up under a key the caller builds from *everything* the piece
prints (and who it is for), so a reused piece can never be stale or someone else's:
a change of any input is a new key. Kept per process, most recent first; nothing to
invalidate, nothing shared between processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.template.loader import get_template

SIZE = 20_000
_pieces: OrderedDict = OrderedDict()
_lock = threading.Lock()


def fragment(template_name: str, key: Hashable, context: Callable[[], dict]) -> str:
    """`template_name` rendered with `context()`, or the rendering kept for `key`."""
    full = (template_name, key)
    with _lock:
        html = _pieces.get(full)
        if html is not None:
            _pieces.move_to_end(full)
            return html
    html = get_template(template_name).render(context())
    with _lock:
        _pieces[full] = html
        if len(_pieces) > SIZE:
            _pieces.popitem(last=False)
    return html
