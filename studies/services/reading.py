"""Read next and Skip: the reader is given the next case instead of picking one.

Read next claims the first unassigned study of the queue (studies/queue.py: effective
priority) through the same claim as the Claim button (the per-study lock: two readers
can never get the same study) and asks Avara for its viewer link. When someone else
takes that study first, it takes the next one. A STAT study is read first, always: when
the queue's picture (up to TRIAGE_QUEUE_SECONDS old) offers no STAT, Read next asks
Avara for unassigned STAT studies before it claims anything else, so one that arrived
since the picture was built is not passed over for a High study.

Skip needs a reason, is audited, gives the study back if the reader had it, and keeps
the study out of that reader's Read next for TRIAGE_SKIP_SECONDS. A reader's skips are
timed notes in the shared store (studies/infra/notes.py), one per study, each written in
one atomic step and dated on its own: quick skips from several tabs or processes never
undo each other, and each one lapses TRIAGE_SKIP_SECONDS after it was made.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.utils import timezone

from studies import upstream
from studies.accounts.capabilities import me_of
from studies.infra.notes import notes_all, notes_put
from studies.models import AuditAction
from studies.queue import prioritised, queue_snapshot
from studies.services import rules
from studies.services.edits import study_claim, study_edit
from studies.services.lifecycle import study_viewer_link
from studies.services.outcomes import audit, refused
from studies.services.results import Outcome, Reason, WriteResult
from studies.validators import is_study_id

_MOVED_ON = (Reason.CANCELLED, Reason.NOT_FOUND, Reason.BUSY, Reason.TAKEN)
# How many studies Read next tries before saying the queue is too busy: each try that
# loses a race moves on to the next study, so this bounds one press.
TRIES = 25
SKIP_REASONS = (
    "Outside my subspecialty",
    "Conflict of interest",
    "Needs prior studies or more information",
    "Technical problem with the images",
    "Other",
)


def _skips_key(actor) -> str:
    return f"triage:skips:v2:{actor.pk}"


def skips_of(actor) -> dict[str, float]:
    """This reader's skips still in force: study id -> when (POSIX seconds) it lapses."""
    span = settings.TRIAGE_SKIP_SECONDS
    now = time.time()
    found = notes_all(_skips_key(actor))
    return {sid: when + span for sid, (when, _) in found.items() if when + span > now}


def skipped_by(actor) -> set[str]:
    """The studies this reader skipped lately (not offered to them by Read next)."""
    return set(skips_of(actor))


def _skip_remember(actor, study_id: str) -> bool:
    """Note the skip: one atomic write of its own (no read-change-write of the reader's
    whole list), dropping the reader's skips that have lapsed. False when the store
    could not take it (local memory's lock not had in time)."""
    span = settings.TRIAGE_SKIP_SECONDS
    return notes_put(_skips_key(actor), study_id, b"", horizon=time.time() - span, keep=span)


def read_next_candidates(actor, snapshot, now) -> list:
    """Unassigned studies in queue order, less those the reader skipped lately and any
    whose id Avara sent malformed (it can be neither claimed nor opened; asking Avara
    about it would only stop Read next at that study)."""
    return _readable(actor, snapshot.studies, now)


def _readable(actor, studies, now) -> list:
    skipped = skipped_by(actor)
    return [
        s
        for s in prioritised(studies, now)
        if s.assigned_to is None and s.study_id not in skipped and is_study_id(s.study_id)
    ]


def _with_new_stat(actor, candidates: list, now) -> list:
    """`candidates`, led by any unassigned STAT study Avara holds that the picture does not
    show yet, when the picture's first candidate is no STAT (one list call; none while a
    STAT leads). Avara unreachable for it: the picture's candidates, as they were."""
    if candidates and candidates[0].severity == "stat":
        return candidates
    try:
        page = upstream.study_list(
            severity="stat",
            assigned_to=upstream.NULL,
            study_viewer_status="incomplete",
            is_cancelled=False,
            limit=TRIES,
        )
    except upstream.UpstreamError:
        return candidates
    known = {s.study_id for s in candidates}
    return [s for s in _readable(actor, page.studies, now) if s.study_id not in known] + candidates


def study_read_next(*, actor) -> WriteResult:
    """Claim the next study of the queue for `actor` and mint its viewer link."""
    if not rules.may(actor, "assign_self") or not me_of(actor):
        message = "Read next claims a study for you: your account must be a reader linked to Avara."
        return WriteResult(Outcome.REFUSED, message, reason=Reason.FORBIDDEN)
    try:
        snapshot = queue_snapshot()
    except upstream.UpstreamError as exc:
        return WriteResult(Outcome.NOT_APPLIED, exc.message, reason=Reason.UNAVAILABLE)
    now = timezone.now()
    candidates = _with_new_stat(actor, read_next_candidates(actor, snapshot, now), now)
    if not candidates:
        return WriteResult(Outcome.UNCHANGED, _nothing_to_read(actor, snapshot), reason=None)
    for study in candidates[:TRIES]:
        claimed = study_claim(actor=actor, study_id=study.study_id, seen={"assigned_to": None})
        if claimed.outcome is Outcome.CONFLICT or claimed.reason in _MOVED_ON:
            continue  # someone took it first, or it was completed or cancelled: the next one
        if claimed.outcome is Outcome.UNCHANGED:
            continue  # already the reader's (the picture lagged): not the next one
        if claimed.outcome is not Outcome.APPLIED:
            return claimed  # Avara is in trouble: say so rather than try every study
        link = study_viewer_link(actor=actor, study_id=study.study_id)
        desc = claimed.study.study_description
        message = f"Yours now: {desc}." + ("" if link.ok else f" {link.message}")
        return WriteResult(Outcome.APPLIED, message, study=claimed.study, url=link.url)
    message = "Others are taking studies faster than Read next could claim one; press it again."
    return WriteResult(Outcome.NOT_APPLIED, message, reason=Reason.BUSY)


def _nothing_to_read(actor, snapshot) -> str:
    """Why Read next has nothing: no unassigned study, or only ones this reader skipped."""
    skips = skips_of(actor)
    waiting = [s.study_id for s in snapshot.studies if s.assigned_to is None]
    mine = [skips[sid] for sid in waiting if sid in skips]
    if not mine:
        return "Nothing to read: no unassigned study is waiting."
    minutes = math.ceil((min(mine) - time.time()) / 60)
    if len(mine) == 1:
        return (
            "Nothing to read but the 1 unassigned study you skipped: "
            f"Read next offers it again in {minutes} min."
        )
    return (
        f"Nothing to read but the {len(mine)} unassigned studies you skipped: "
        f"Read next offers the first again in {minutes} min."
    )


def study_skip(*, actor, study_id: str, reason: str) -> WriteResult:
    """Pass on a study with a reason: given back if it was yours, not offered again soon."""
    reason = " ".join((reason or "").split())[:200]
    if not reason:
        message = "Say why you skip this study: it goes in the audit trail."
        return refused(actor, AuditAction.SKIP, study_id, message, Reason.INVALID)
    if not rules.may(actor, "assign_self"):
        message = rules.role_refusal(actor, "assign_self")
        return refused(actor, AuditAction.SKIP, study_id, message, Reason.FORBIDDEN)
    me = me_of(actor)
    try:
        study = upstream.study_get(study_id=study_id)
    except upstream.UpstreamError as exc:
        return refused(actor, AuditAction.SKIP, study_id, exc.message, Reason.UNAVAILABLE)
    if me and study.assigned_to and study.assigned_to.user_id == me:
        released = study_edit(
            actor=actor, study_id=study_id, changes={"assigned_to": None}, seen={"assigned_to": me}
        )
        if not released.ok:
            return released
        study = released.study
    remembered = _skip_remember(actor, study_id)
    audit(actor, AuditAction.SKIP, study_id, Outcome.APPLIED, reason, after={"reason": reason})
    minutes = settings.TRIAGE_SKIP_SECONDS // 60
    message = f"Skipped: Read next will not offer it to you for {minutes} min."
    if not remembered:
        message = (
            "Skipped, but the dashboard's shared store was too busy to note it: "
            "Read next may offer this study to you again."
        )
    return WriteResult(Outcome.APPLIED, message, study=study)
