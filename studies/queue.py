"""The queue snapshot: one shared picture of the open work, and the priority rule.

Avara lists studies in one order only (newest first) and has no change feed, so the
dashboard keeps its own picture of every incomplete, active study:

- Built by paging Avara's list once per severity (`studyViewerStatus=incomplete`,
  `isCancelled=false`), at most TRIAGE_QUEUE_MAX studies per severity (default 2,000:
  6,000 in all). A severity with more than that is marked `truncated`: the page says
  so, and the studies beyond it (the *oldest*, since Avara lists newest first) are
  reachable in the worklist, filtered by severity. Keep the bound above the open work.
- Never served older than TRIAGE_QUEUE_SECONDS (default 15 s): past two thirds of that
  age one process rebuilds it in the background while it is still served; past the whole
  of it (after a quiet spell) a request waits for the rebuild, built by one process
  (single flight: a lock in the shared store, studies/infra/locks.py) while every other
  waits for what it stores, at most TRIAGE_QUEUE_WAIT seconds. Past that bound, or when
  Avara fails, the previous picture is served and the page says how old it is and why.
- Writes made through the dashboard are laid over it at once (`queue_note`), so a user
  never sees their own change undone by a snapshot taken a moment before it; a note
  yields to a picture holding a newer state of its study (Avara's `updatedAt`), so a
  change made outside the dashboard just after shows with the next picture.

The queue page, Read next and the STAT count (`stat_waiting`) all read it.
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
from studies.infra.locks import NOT_YET, lock_release, lock_take, poll
from studies.infra.notes import notes_all, notes_drop_before, notes_put
from studies.messages import queue_late, upstream_message

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
    # Why this picture is older than TRIAGE_QUEUE_SECONDS, for a banner ("" when it is not):
    # Avara did not give a new one within TRIAGE_QUEUE_WAIT, or failed.
    late: str = ""


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


_local: dict = {}  # this process's decoded copy: {"copy": (data key, [studies])}


def queue_snapshot(*, wait: bool = True, max_age: float | None = None) -> Snapshot | None:
    """The shared picture of the open work, never older than TRIAGE_QUEUE_SECONDS unless
    Avara is slow or failing (then `late` says why), with the dashboard's own writes laid
    over it.

    Raises upstream.UpstreamError when there is no picture and Avara cannot give one.
    `wait=False` (counts sent beside an answer, which must not wait for Avara): None
    rather than wait for a rebuild, which is then started in the background.
    `max_age`: a younger bound for a decision that must see outside changes too (Balance's
    Apply): an older picture is rebuilt first, shared as any rebuild is.
    """
    found = _fresh_picture(wait=wait, max_age=max_age)
    if found is None:
        return None
    meta, late = found
    kept = _local.get("copy")  # (data key, studies), replaced whole: threads share it
    if kept is None or kept[0] != meta["data"]:
        raw = cache.get(meta["data"])
        if raw is None:  # evicted: rebuilt as any other picture is (one build, shared)
            found = _rebuilt_after(meta, wait=wait)
            if found is None:
                return None
            meta, late = found
            raw = cache.get(meta["data"]) or b"[]"
        kept = (meta["data"], _DECODER.decode(raw))
        _local["copy"] = kept
    studies = _overlay(list(kept[1]), meta["built"])
    built_at = datetime.fromtimestamp(meta["built"], tz=timezone.get_current_timezone())
    age = max(0.0, time.time() - meta["built"])
    return Snapshot(
        studies=studies,
        built_at=built_at,
        truncated=tuple(meta["truncated"]),
        bound=meta["bound"],
        age_seconds=age,
        late=queue_late(age_seconds=age, problem=late) if late else "",
    )


# How far into its TRIAGE_QUEUE_SECONDS a picture is rebuilt ahead, in the background, so
# that a request rarely has to wait for a rebuild (docs/performance.md).
REFRESH_AHEAD = 2 / 3
SLOW = "Avara is slow to answer."
_SLOW = object()  # a build has been running longer than TRIAGE_QUEUE_WAIT
DOWN = "Avara is not answering."


def _rebuilt_after(stored: dict, *, wait: bool) -> tuple[dict, str] | None:
    """A picture built after `stored`, whose studies the store no longer holds: one
    process builds it (the lock), the others wait for it as for any rebuild; None at
    once when the caller may not wait (the build is started)."""
    if not wait:
        token = _building() if settings.TRIAGE_QUEUE_BACKGROUND else None
        if token:
            _build_in_background(token)
        return None
    token = _building()
    if token and not settings.TRIAGE_QUEUE_BACKGROUND:
        return _build_holding(token, None)
    if token:
        _build_in_background(token)
    return _newer_than(stored)


def _fresh_picture(*, wait: bool = True, max_age: float | None = None) -> tuple[dict, str] | None:
    """(the stored picture, "" or why it is older than TRIAGE_QUEUE_SECONDS); None when it
    would have to wait for a rebuild and `wait` is False.

    - Younger than REFRESH_AHEAD of TRIAGE_QUEUE_SECONDS: served as it is.
    - Younger than TRIAGE_QUEUE_SECONDS: served, and one process rebuilds it in the
      background meanwhile (TRIAGE_QUEUE_BACKGROUND), so the next request finds it fresh.
    - Older (after a quiet spell), or none yet: the request waits for the rebuild.
      One process builds (it holds the lock in the shared store), every other request,
      in any process, waits for the picture it stores, at most TRIAGE_QUEUE_WAIT seconds;
      past that, or when the build fails, the previous picture is served with the reason
      (no picture at all: UpstreamError).
    TRIAGE_QUEUE_SECONDS = 0 rebuilds on every read, in the request (tests).
    """
    ttl = settings.TRIAGE_QUEUE_SECONDS
    if ttl <= 0:
        return _build(), ""
    if max_age is not None:
        ttl = min(ttl, max_age)
    stored = cache.get(SNAPSHOT_KEY)
    age = time.time() - stored["built"] if stored else math.inf
    if age <= ttl:
        if age > ttl * REFRESH_AHEAD and settings.TRIAGE_QUEUE_BACKGROUND:
            token = _building()
            if token:
                _build_in_background(token)
        return stored, ""
    if not wait:
        token = _building() if settings.TRIAGE_QUEUE_BACKGROUND else None
        if token:
            _build_in_background(token)
        return None
    token = _building()
    if token and not settings.TRIAGE_QUEUE_BACKGROUND:
        return _build_holding(token, stored)
    if token:
        _build_in_background(token)
    return _newer_than(stored)


_LOCK = f"{SNAPSHOT_KEY}:building"
_LOCK_SECONDS = 120  # longer than any build: Avara's calls are bounded (AVARA_CALL_DEADLINE)
SINCE_KEY = f"{SNAPSHOT_KEY}:building-since"  # when the build holding the lock started
FAILED_KEY = f"{SNAPSHOT_KEY}:failed"  # why the last build failed, for those who waited


def _building() -> str | None:
    """Take the lock to build (its token), or None when another process builds."""
    token = lock_take(_LOCK, seconds=_LOCK_SECONDS)
    if token:
        cache.set(SINCE_KEY, time.time(), timeout=_LOCK_SECONDS)
    return token


def _built(token: str) -> None:
    cache.delete(SINCE_KEY)
    lock_release(_LOCK, token)


def _build_holding(token: str, stored: dict | None) -> tuple[dict, str]:
    """Build in this request, holding the lock (TRIAGE_QUEUE_BACKGROUND off)."""
    try:
        return _build(), ""
    except upstream.UpstreamError as exc:
        if stored is None:
            raise
        return stored, _why(exc)  # an older picture, with the reason
    finally:
        _built(token)


def _build_in_background(token: str) -> None:
    threading.Thread(target=_build_then_release, args=(token,), daemon=True).start()


def _build_then_release(token: str) -> None:
    try:
        _build()
    except upstream.UpstreamError as exc:
        cache.set(FAILED_KEY, _why(exc), timeout=60)
        log.warning("The queue snapshot could not be rebuilt: %s", exc.message)
    except Exception:
        cache.set(FAILED_KEY, DOWN, timeout=60)
        log.warning("The queue snapshot could not be rebuilt", exc_info=True)
    finally:
        _built(token)
        connections.close_all()  # this thread's database connections, if it opened any


def _why(exc: upstream.UpstreamError) -> str:
    """Why a rebuild failed, for the banner over the older picture."""
    if isinstance(exc, upstream.Unavailable) and not isinstance(exc, upstream.RateLimited):
        return DOWN  # its own message says only that, at more length
    return upstream_message(exc)


def _newer_than(stored: dict | None) -> tuple[dict, str]:
    """A picture built after `stored`, once the builder (in any process) stores it: at
    most TRIAGE_QUEUE_WAIT seconds after that build began (so while Avara is slow only the
    first requests wait), then `stored` with the reason it is old."""
    bound = settings.TRIAGE_QUEUE_WAIT

    def newer(found) -> bool:
        return isinstance(found, dict) and (stored is None or found["built"] > stored["built"])

    def attempt():
        found = cache.get_many([SNAPSHOT_KEY, _LOCK, SINCE_KEY])
        if newer(found.get(SNAPSHOT_KEY)):
            return found[SNAPSHOT_KEY]
        if _LOCK in found:  # still building
            since = found.get(SINCE_KEY)
            return _SLOW if since is not None and time.time() - since > bound else NOT_YET
        again = cache.get(SNAPSHOT_KEY)  # it may have landed between the two reads
        return again if newer(again) else None  # the build ended without a picture

    began = time.monotonic()
    found = poll(attempt, seconds=bound)
    if found is not NOT_YET and found is not _SLOW and found is not None:
        log.info("Waited %.0f ms for the queue's rebuild", (time.monotonic() - began) * 1000)
        return found, ""
    if found is NOT_YET or found is _SLOW:
        problem, then = SLOW, "The queue is still being read; it shows at the next refresh."
    else:
        problem, then = cache.get(FAILED_KEY) or DOWN, "The queue could not be read just now."
    if stored is None:
        raise upstream.UpstreamError(f"{problem} {then}")
    log.warning("Served the queue's picture %.0f s old: %s", time.time() - stored["built"], problem)
    return stored, problem


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
    """Lay the notes over the picture (built, that is started, at `built`), each only
    where it is newer than what the picture says; drop what left the queue."""
    changes = notes_all(CHANGES_KEY)
    if not changes:
        return studies
    noted = {study_id: (when, _STUDY.decode(raw)) for study_id, (when, raw) in changes.items()}
    pictured = {s.study_id: s for s in studies if s.study_id in noted}
    winners = {
        study_id: note
        for study_id, (when, note) in noted.items()
        if note_is_newer(note, when, pictured.get(study_id), built)
    }
    if not winners:
        return studies
    kept = [s for s in studies if s.study_id not in winners]
    kept += [s for s in winners.values() if is_open(s)]
    return kept


def note_is_newer(note, written: float, pictured, built: float) -> bool:
    """Whether the note of a dashboard write (Avara's answer to it, noted at `written`)
    shows a later state of the study than a picture started at `built` (`pictured`: the
    study as the picture has it, None when it lacks it).

    Avara's own clock decides when both carry it: the picture wins at an equal or newer
    `updatedAt` (a change made outside the dashboard after the write shows with the next
    picture). Without it, the time the note was written: a write made before the picture
    started is in it (it holds the write, or Avara's later state); one made during or
    after the picture's reads (give or take _NOTE_MARGIN of clock difference between
    hosts) may not be."""
    if pictured is not None and pictured.updated_at is not None and note.updated_at is not None:
        return note.updated_at > pictured.updated_at
    return written >= built - _NOTE_MARGIN


def is_open(study) -> bool:
    return study.study_viewer_status == "incomplete" and not study.is_cancelled


def is_overdue(study, now: datetime) -> bool:
    """ "Overdue", the one meaning: the row's tag and clock, the queue's Overdue view (and
    the worklist's link to it), and the Normal studies the rule moves up beside High. An
    open study waiting its severity's threshold or longer (`clock`)."""
    return is_open(study) and clock(study, now) == "overdue"


def is_stat_waiting(study) -> bool:
    """ "STAT waiting", the one meaning: the page title's count, the queue's banner and the
    worklist's quick filter of that name. An open STAT study nobody has claimed."""
    return study.severity == "stat" and study.assigned_to is None and is_open(study)


def stat_waiting(snapshot: Snapshot) -> str:
    """How many STAT studies are waiting, as the title and the banner print it ("3"; with
    a "+" when there are more open STAT studies than the picture holds)."""
    count = sum(1 for study in snapshot.studies if is_stat_waiting(study))
    return f"{count}+" if "stat" in snapshot.truncated else str(count)


def stat_waiting_count() -> str | None:
    """ "STAT waiting" for the page title (`/counts`), counted in the picture with the
    dashboard's own writes laid over it, so a claim moves it at once and a fresh picture
    costs Avara nothing; None when the count is turned off or there is no picture Avara
    can give (the title then says nothing, not 0)."""
    if not settings.TRIAGE_TITLE_COUNTS:
        return None
    try:
        return stat_waiting(queue_snapshot())
    except upstream.UpstreamError:
        return None


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
        return is_overdue(study, now)
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
        f"overdue (waiting {hours['normal']} or more); then the other Normal studies. Within each "
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

    "Past its threshold" is exactly what the row's clock calls overdue (`is_overdue`)."""
    rank = _SEVERITY_RANK.get(study.severity, 2)
    if rank < 2:
        return rank
    return URGENT_GROUP if is_overdue(study, now) else ROUTINE_GROUP


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
