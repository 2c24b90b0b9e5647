"""Counting upstream calls where they land: the sandbox's gunicorn access log.

Lines are `METHOD<TAB>PATH<TAB>QUERY<TAB>STATUS<TAB>USER-AGENT`
(servers.ACCESS_LOG_FORMAT). A window is opened and closed by a request to a path the
sandbox does not serve (`/__bench_mark__/<n>`, a JSON 404 that is neither authenticated
nor subject to fault injection); the lines between the two marks are the calls made in
between. gunicorn writes a line just after sending its answer, so closing a window
waits a moment and then for its own mark to appear, and the bench's own requests
(its raw calls, the marks: user agent BENCH_AGENT) are never counted, even when one
made just before a window is written just after its opening mark.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

MARK = "/__bench_mark__/"
BENCH_AGENT = "avara-triage-bench"


@dataclass(frozen=True)
class Line:
    method: str
    path: str
    query: str
    status: int
    agent: str

    @property
    def is_ours(self) -> bool:
        """A mark or a raw call of the bench itself, not one the dashboard made."""
        return self.path.startswith(MARK) or self.agent == BENCH_AGENT

    def kind(self) -> str:
        """`GET /v1/viewer/studies/{id}`: the path with ids folded, for a breakdown."""
        parts = [
            "{id}" if p.startswith(("stu_", "usr_", "cus_")) else p for p in self.path.split("/")
        ]
        return f"{self.method} {'/'.join(parts)}"


def parse(text: str) -> list[Line]:
    lines = []
    for raw in text.splitlines():
        fields = raw.split("\t")
        if len(fields) != 5 or not fields[3].strip().isdigit():
            continue
        lines.append(Line(fields[0], fields[1], fields[2], int(fields[3]), fields[4]))
    return lines


class AccessLog:
    """Windows over one sandbox's access log."""

    _counter = itertools.count(1)

    def __init__(self, path: Path, base_url: str) -> None:
        self.path = path
        self.client = httpx.Client(
            base_url=base_url, timeout=10, headers={"User-Agent": BENCH_AGENT}
        )

    def close(self) -> None:
        self.client.close()

    def mark(self) -> int:
        """Send a mark, wait until it is written; the log offset just after it."""
        name = f"{MARK}{next(self._counter)}"
        self.client.get(name)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            data = self.path.read_bytes() if self.path.exists() else b""
            at = data.rfind(name.encode() + b"\t")
            if at >= 0:
                end = data.find(b"\n", at)
                return len(data) if end < 0 else end + 1
            time.sleep(0.002)
        raise RuntimeError(f"the sandbox's access log never showed {name}")

    def since(self, start: int, *, settle: float = 0.03) -> list[Line]:
        """The dashboard's calls logged after offset `start`, up to a new mark."""
        time.sleep(settle)
        end = self.mark()
        with self.path.open("rb") as f:
            f.seek(start)
            chunk = f.read(end - start)
        return [line for line in parse(chunk.decode(errors="replace")) if not line.is_ours]

    def count(self, action) -> tuple[list[Line], object]:
        """Run `action()` inside a window; (the upstream calls it made, what it returned)."""
        start = self.mark()
        result = action()
        return self.since(start), result


def breakdown(lines: list[Line]) -> dict[str, int]:
    return dict(Counter(line.kind() for line in lines).most_common())
