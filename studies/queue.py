"""The queue snapshot: one shared picture of the open work, and the priority rule.

Avara lists studies in one order only (newest first) and has no change feed, so the
dashboard keeps its own picture of every incomplete, active study:

- Built by paging Avara's list once per severity (`studyViewerStatus=incomplete`,
  `isCancelled=false`), at most TRIAGE_QUEUE_MAX studies per severity (default 2,000:
  6,000 in all). A severity with more than that is marked `truncated`: the page says
  so, and the studies beyond it (the *oldest*, since Avara lists newest first) are
  reachable in the worklist, filtered by severity. Keep the bound above the open work.
- Kept in the shared store for TRIAGE_QUEUE_SECONDS (default 15 s) and rebuilt by one
  process at a time (under a lock in the shared store, studies/infra/locks.py; the
  others keep serving the previous picture meanwhile, so an expiry never sends every
  process to Avara at once).
- Writes made through the dashboard are laid over it at once (`queue_note`), so a user
  never sees their own change undone by a snapshot taken a moment before it.

The queue page, Read next and the title counts all read it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import msgspec
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from studies import directory, upstream
from studies.infra.locks import lock_release, lock_take, value_wait
from studies.infra.notes import notes_all, notes_drop_before, notes_put

log = logging.getLogger(__name__)
SEVERITY_ORDER = ("stat", "high", "normal")
SNAPSHOT_KEY = "triage:queue:snapshot:v2"
DATA_KEY = "triage:queue:data:v2"
CHANGES_KEY = "triage:queue:changes:v1"
_ENCODER = msgspec.json.Encoder()
_NOTE_MARGIN = 5.0  # seconds: a note this much older than a picture's start may not be in it
_DECODER = msgspec.json.Decoder(list[upstream.Study])


@dataclass
class Snapshot:
    studies: list  # every open study, as Avara last said (plus the dashboard's own writes)
    built_at: datetime
    truncated: tuple[str, ...] = ()  # severities with more open studies than the bound
    bound: int = 0
    age_seconds: float = 0.0


# --- Building and sharing ---------------------------------------------------------------


def _read_all(*, bound: int) -> tuple[list, tuple[str, ...]]:
    studies, truncated = [], []
    for severity in SEVERITY_ORDER:
        cursor, seen = None, 0
        while True:
            page = upstream.study_list(
                severity=severity,
                study_viewer_status="incomplete",
                is_cancelled=False,
                cursor=cursor,
                limit=100,
            )
            studies.extend(page.studies)
            seen += len(page.studies)
            if not (page.has_more and page.cursor):
                break
            if seen >= bound:
                truncated.append(severity)
                break
            cursor = page.cursor
    # A study whose severity changed between two of these reads is in both: keep the
    # later read (the severities are read one after another).
    latest = {s.study_id: s for s in studies}
    return list(latest.values()), tuple(truncated)


def _build() -> dict:
    """Read the open work from Avara and store it; returns the small description of it.

    The studies go under their own key (one large value, fetched by a process only when
    it has not decoded this build yet); the description is what every request reads.
    """
    started = time.time()
    bound = settings.TRIAGE_QUEUE_MAX
    studies, truncated = _read_all(bound=bound)
    directory.customers_remember(studies)  # writes only what is new (a customer, a day)
    data_key = f"{DATA_KEY}:{started:.6f}"
    keep = _keep_seconds()
    cache.set(data_key, _ENCODER.encode(studies), timeout=keep)
    meta = {"built": started, "truncated": truncated, "bound": bound, "data": data_key}
    previous = cache.get(SNAPSHOT_KEY)
    cache.set(SNAPSHOT_KEY, meta, timeout=keep)
    # Drop the notes that no picture still served needs: a request that read the previous
    # picture a moment ago may be about to lay its notes over it, so those stay until the
    # next build (and so do all of them if this build started before the previous one).
    if isinstance(previous, dict):
        horizon = min(started, previous["built"]) - _NOTE_MARGIN
        notes_drop_before(CHANGES_KEY, horizon, keep=keep)
    return meta


def _keep_seconds() -> float:
    """How long a picture (and so the notes laid over it) may still be served."""
    return max(settings.TRIAGE_QUEUE_SECONDS * 40, 600)


_local: dict = {}  # this process's decoded copy: {"data": key, "studies": [...]}


def queue_snapshot(*, wait: bool = True) -> Snapshot | None:
    """The shared picture of the open work, with the dashboard's own writes laid over it.

    Raises upstream.UpstreamError when there is no picture and Avara cannot give one;
    None when there is none yet and `wait` is False.
    """
    meta = _stored_or_rebuilt(wait=wait)
    if meta is None:
        return None
    if _local.get("data") != meta["data"]:
        raw = cache.get(meta["data"])
        if raw is None:  # evicted: read it again
            meta = _rebuild(None)
            raw = cache.get(meta["data"]) or b"[]"
        _local.update(data=meta["data"], studies=_DECODER.decode(raw))
    studies = _overlay(list(_local["studies"]), meta["built"])
    built_at = datetime.fromtimestamp(meta["built"], tz=timezone.get_current_timezone())
    snapshot = Snapshot(
        studies=studies,
        built_at=built_at,
        truncated=tuple(meta["truncated"]),
        bound=meta["bound"],
        age_seconds=max(0.0, time.time() - meta["built"]),
    )
    return snapshot


def _stored_or_rebuilt(*, wait: bool = True) -> dict | None:
    """The stored picture; one older than TRIAGE_QUEUE_SECONDS is rebuilt by one process.

    While a picture exists, nobody waits for a rebuild: the rebuild runs in the
    background (in the process whose request noticed the age; a lock in the shared
    store keeps it to one process) and the previous picture is served meanwhile. With
    no picture yet, a request waits for the first one (`wait`) or gets None.
    TRIAGE_QUEUE_SECONDS = 0 rebuilds on every read, in the request (tests).
    """
    ttl = settings.TRIAGE_QUEUE_SECONDS
    stored = cache.get(SNAPSHOT_KEY)
    if stored is not None and time.time() - stored["built"] <= ttl:
        return stored
    if ttl <= 0 or (stored is None and wait):
        return _rebuild(stored)
    if settings.TRIAGE_QUEUE_BACKGROUND:
        token = lock_take(_LOCK, seconds=120)
        if token:
            threading.Thread(target=_rebuild_in_background, args=(token,), daemon=True).start()
    return stored


_LOCK = f"{SNAPSHOT_KEY}:building"


def _rebuild_in_background(token: str) -> None:
    try:
        _build()
    except Exception:
        log.warning("The queue snapshot could not be rebuilt", exc_info=True)
    finally:
        lock_release(_LOCK, token)
        connections.close_all()  # this thread's database connections, if it opened any


def _rebuild(stored: dict | None) -> dict:
    token = lock_take(_LOCK, seconds=120)
    if token is None and stored is not None:
        return stored
    if token is None:
        waited = value_wait(SNAPSHOT_KEY, seconds=10.0)
        if isinstance(waited, dict):
            return waited
    try:
        return _build()
    except upstream.UpstreamError:
        if stored is None:
            raise
        return stored  # Avara is unavailable: an older picture, which the page dates
    finally:
        if token:
            lock_release(_LOCK, token)


# --- The dashboard's own writes ---------------------------------------------------------


def queue_note(study) -> None:
    """A write through the dashboard changed `study`: show it at once, in every process.

    Kept beside the snapshot (not in it) until a picture built after it is stored, and at
    most as long as a picture may be served (an old one is served while a rebuild runs or
    while Avara fails, so a note must not expire before it); a study written again
    replaces its earlier note. Best effort: a lost note only delays the change until the
    next rebuild (TRIAGE_QUEUE_SECONDS). On Redis one atomic write, with no lock shared by
    the room's saves (studies/infra/notes.py).
    """
    if settings.TRIAGE_QUEUE_SECONDS <= 0:
        return  # every read rebuilds the picture: nothing to lay over it
    keep = _keep_seconds()
    notes_put(
        CHANGES_KEY, study.study_id, _ENCODER.encode(study), horizon=time.time() - keep, keep=keep
    )


_STUDY = msgspec.json.Decoder(upstream.Study)


def _overlay(studies: list, built: float) -> list:
    """Apply notes made after (or while) the snapshot was built; drop what left the queue."""
    changes = notes_all(CHANGES_KEY)
    if not changes:
        return studies
    noted = {
        study_id: _STUDY.decode(raw)
        for study_id, (when, raw) in changes.items()
        if when >= built - _NOTE_MARGIN  # a write during the build may or may not be in it
    }
    if not noted:
        return studies
    kept = [s for s in studies if s.study_id not in noted]
    kept += [s for s in noted.values() if is_open(s)]
    return kept


def is_open(study) -> bool:
    return study.study_viewer_status == "incomplete" and not study.is_cancelled


def in_view(study, show: str, me: str | None, now: datetime) -> bool:
    """Whether the queue page, showing `show` ("all", "mine", "unassigned", "overdue")
    to the reader `me`, lists this study."""
    if not is_open(study):
        return False
    owner = study.assigned_to.user_id if study.assigned_to else None
    if show == "mine":
        return bool(me) and owner == me
    if show == "unassigned":
        return owner is None
    if show == "overdue":
        return clock(study, now) == "overdue"
    return True


# --- The priority rule ------------------------------------------------------------------
#
# Three groups, in this order: every STAT study; then the High studies together with the
# Normal studies past their turnaround threshold; then the other Normal studies. Nothing
# ever rises into the STAT group: aging exists so that routine work never starves, not so
# that it overtakes emergencies. Within a group the study due earliest comes first, where
# due = created + the threshold of the study's own severity, so the most overdue leads;
# at equal due times High comes before Normal, then the study id decides (everyone looking
# at one snapshot sees one order).

STAT_GROUP, URGENT_GROUP, ROUTINE_GROUP = 0, 1, 2
_SEVERITY_RANK = {"stat": 0, "high": 1}  # anything else (normal, or a value Avara adds) 2


def rule_text() -> str:
    """The rule in one sentence a radiologist can check against the page."""
    hours = {name: _hours(seconds) for name, seconds in settings.TRIAGE_TURNAROUND.items()}
    return (
        "Every STAT study comes first; then High studies, together with Normal studies "
        f"waiting longer than {hours['normal']}; then the other Normal studies. Within each "
        "group, the study due earliest leads (due = arrival + "
        f"{hours['stat']} for STAT, {hours['high']} for High, {hours['normal']} for Normal), "
        "so the most overdue comes first."
    )


def _hours(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def clock(study, now: datetime) -> str:
    """ "ok", "soon" (past TRIAGE_DUE_SOON of its threshold) or "overdue".

    In plain seconds: a 100-row page asks this twice per row (the row and its ETag)."""
    if study.created_at is None:
        return "ok"
    soon, overdue = _limits(study)
    waited = (now - study.created_at).total_seconds()
    if waited >= overdue:
        return "overdue"
    if waited >= soon:
        return "soon"
    return "ok"


def clock_changes_at(study, now: datetime) -> float:
    """When (POSIX seconds) `clock(study, ...)` will next answer differently than now;
    infinity when never (no creation time, or overdue already)."""
    if study.created_at is None:
        return math.inf
    soon, overdue = _limits(study)
    waited = (now - study.created_at).total_seconds()
    if waited >= overdue:
        return math.inf
    # From now, not from the creation time: a timestamp far in the past is too large a
    # number of seconds to add a threshold to exactly.
    return now.timestamp() + (overdue if waited >= soon else soon) - waited


def _limits(study) -> tuple[float, float]:
    """Seconds after its creation at which a study is due soon, and overdue."""
    turnaround = settings.TRIAGE_TURNAROUND
    limit = turnaround.get(study.severity, turnaround["normal"])
    return limit * settings.TRIAGE_DUE_SOON, limit


def due_at(study) -> float:
    """When (POSIX seconds) the study is due: created + its own severity's threshold;
    infinity when Avara gave no creation time (it can then never be overdue)."""
    if study.created_at is None:
        return math.inf
    return study.created_at.timestamp() + _limits(study)[1]


def priority_group(study, now: datetime) -> int:
    """STAT_GROUP, URGENT_GROUP (High, and Normal past its threshold) or ROUTINE_GROUP.

    "Past its threshold" is exactly what the row's clock calls overdue."""
    rank = _SEVERITY_RANK.get(study.severity, 2)
    if rank < 2:
        return rank
    return URGENT_GROUP if clock(study, now) == "overdue" else ROUTINE_GROUP


def priority_key(study, now: datetime) -> tuple:
    return (
        priority_group(study, now),
        due_at(study),
        _SEVERITY_RANK.get(study.severity, 2),
        study.study_id,
    )


def prioritised(studies, now: datetime) -> list:
    """The studies in queue order (see the rule above and `rule_text`)."""
    return sorted(studies, key=lambda s: priority_key(s, now))
