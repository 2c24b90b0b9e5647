"""Pieces of pages rendered once and reused while nothing they show changes.

Each piece is looked up under a key the caller builds from *everything* the piece
prints (and who it is for), so a reused piece can never be stale or someone else's:
a change of any input is a new key. Kept per process, most recent first; nothing to
invalidate, nothing shared between processes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.template.loader import get_template

from studies.infra.kept import Kept

SIZE = 20_000
_pieces = Kept(SIZE)


def fragment(template_name: str, key: Hashable, context: Callable[[], dict]) -> str:
    """`template_name` rendered with `context()`, or the rendering kept for `key`."""
    full = (template_name, key)
    html = _pieces.get(full)
    if html is None:
        html = get_template(template_name).render(context())
        _pieces.put(full, html)
    return html
