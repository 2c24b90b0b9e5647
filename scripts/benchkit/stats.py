"""Samples and their summaries: median, p95, ratios; interleaved A/B timing."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class Samples:
    """Durations in milliseconds of one side of a comparison, with its error count."""

    ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, ms: float, status: int | None, ok: bool) -> None:
        self.ms.append(ms)
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1
        if not ok:
            self.errors += 1

    @property
    def median(self) -> float:
        return statistics.median(self.ms) if self.ms else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)

    def summary(self) -> dict:
        return {
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "n": len(self.ms),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually observed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def _ok(result: object) -> tuple[int | None, bool]:
    """(status, ok) of what a timed call returned: a response, a list of them, or a bool."""
    if isinstance(result, httpx.Response):
        return result.status_code, result.status_code < 400
    if isinstance(result, list | tuple) and result:
        worst = max(r.status_code for r in result)
        return worst, worst < 400
    return None, bool(result)


def timed(fn: Callable[[], object], into: Samples) -> object:
    started = time.perf_counter()
    try:
        result = fn()
    except httpx.HTTPError:
        into.add((time.perf_counter() - started) * 1000, None, False)
        return None
    into.add((time.perf_counter() - started) * 1000, *_ok(result))
    return result


def interleave(
    sides: dict[str, Callable[[], object]],
    *,
    samples: int,
    warmup: int = 3,
    prepare: dict[str, Callable[[], object]] | None = None,
) -> dict[str, Samples]:
    """Time each side in turn (A, B, A, B, ...), after a few untimed warm-up rounds.

    `prepare[name]`, when given, runs untimed before each call of that side.
    """
    prepare = prepare or {}
    for _ in range(warmup):
        for name, fn in sides.items():
            try:
                prepare.get(name, _nothing)()
                fn()
            except httpx.HTTPError:
                pass
    results = {name: Samples() for name in sides}
    for _ in range(samples):
        for name, fn in sides.items():
            prepare.get(name, _nothing)()
            timed(fn, results[name])
    return results


def _nothing() -> None:
    return None


def compare(a: Samples, b: Samples, *, target: float | None = None) -> dict:
    """A figure: both sides, the ratio of medians (judged) and of p95s, the target."""
    figure = {
        "dashboard": a.summary(),
        "raw": b.summary(),
        "ratio_median": round(ratio(a.median, b.median), 3),
        "ratio_p95": round(ratio(a.p95, b.p95), 3),
    }
    if target is not None:
        figure["target_max_ratio"] = target
        figure["pass"] = bool(figure["ratio_median"] <= target and a.errors == 0 and b.errors == 0)
    return figure
