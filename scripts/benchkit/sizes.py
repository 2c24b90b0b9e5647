"""Bytes a user downloads: pages, fragment, one row, the edit control, static assets.

Each answer is fetched twice: with `Accept-Encoding: identity` (the HTML itself) and
with what Chromium sends (`gzip, deflate, br, zstd`): the bytes actually sent on the
wire and the `Content-Encoding` the server chose. For reference, what gzip -6 (and
brotli, when the module is installed here) would make of the HTML is shown too.
"""

from __future__ import annotations

import gzip
from urllib.parse import quote, urlsplit

from benchkit.context import Run
from benchkit.web import BROWSER_ENCODINGS, read_markup, rows

KB = 1000  # targets are in kB: 1 kB = 1000 bytes (the stricter reading)
PAGE_TARGET = 60 * KB
PAGE_COMPRESSED_TARGET = 10 * KB

try:  # optional: only for the "what brotli would make of it" reference column
    import brotli
except ImportError:
    brotli = None


def _fetch(run: Run, path: str, *, encoding: str, target: str | None) -> tuple[int, str, bytes]:
    """(bytes on the wire, Content-Encoding, body as received) for one GET."""
    headers = {"Accept-Encoding": encoding}
    if target is not None:
        headers.update(run.supervisor.htmx("/", target if target else None))
    with run.supervisor.client.stream("GET", path, headers=headers) as answer:
        answer.raise_for_status()
        raw = b"".join(answer.iter_raw())
        return len(raw), answer.headers.get("content-encoding", "identity"), raw


def measure(run: Run, path: str, *, target: str | None = None) -> dict:
    plain, _, body = _fetch(run, path, encoding="identity", target=target)
    wire, encoding, _ = _fetch(run, path, encoding=BROWSER_ENCODINGS, target=target)
    figure = {
        "request": path,
        "html_bytes": plain,
        "wire_bytes": wire,
        "content_encoding": encoding,
        "gzip6_would_be": len(gzip.compress(body, compresslevel=6)),
    }
    if brotli is not None:
        figure["brotli_would_be"] = len(brotli.compress(body))
    return figure


def _edit_control(run: Run, html: str) -> dict | None:
    for row in rows(html):
        token = row.token()
        link = next((u for u in read_markup(row.html).urls if "/edit/severity" in u), None)
        if not token or not link:
            continue
        url = link if "t=" in urlsplit(link).query else f"{urlsplit(link).path}?t={quote(token)}"
        # The badge's hx-get targets the cell (no id): htmx sends no HX-Target.
        return measure(run, url, target="")
    return None


def _static(run: Run, html: str) -> dict:
    assets = []
    for attrs in read_markup(html).attrs:
        url = attrs.get("src") if attrs["<tag>"] == "script" else attrs.get("href")
        if attrs["<tag>"] in ("link", "script") and url and url.startswith("/static/"):
            assets.append(measure(run, url))
    return {
        "files": {
            a["request"]: [a["html_bytes"], a["wire_bytes"], a["content_encoding"]] for a in assets
        },
        "bytes": sum(a["html_bytes"] for a in assets),
        "wire_bytes": sum(a["wire_bytes"] for a in assets),
    }


def sizes(run: Run) -> dict:
    page = measure(run, "/?limit=100")
    page["target_html_bytes"] = PAGE_TARGET
    page["target_wire_bytes"] = PAGE_COMPRESSED_TARGET
    page["pass_html"] = page["html_bytes"] <= PAGE_TARGET
    page["pass_wire"] = page["wire_bytes"] <= PAGE_COMPRESSED_TARGET
    fragment = measure(run, "/?limit=100", target="results")
    html = run.supervisor.get("/?limit=100").text
    drawn = rows(html)
    row_bytes = [len(r.html.encode()) for r in drawn]
    return {
        "page_100": page,
        "fragment_100": fragment,
        "row": {
            "mean_bytes": round(sum(row_bytes) / len(row_bytes)) if row_bytes else None,
            "max_bytes": max(row_bytes, default=None),
            "rows_in_page": len(row_bytes),
            "page_outside_rows_bytes": len(html.encode()) - sum(row_bytes),
        },
        "edit_control": _edit_control(run, html),
        "static_first_visit": _static(run, html),
    }
