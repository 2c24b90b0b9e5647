"""Reads: what the worklist asks Avara for, and whether a study belongs in a list.

Filters come as plain values, `study_list()` keyword arguments (the worklist's form
turns into them in studies/web/forms.py: `list_filters`)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from studies import upstream
from studies.audit import storable_text
from studies.infra.shared import generation, single_flight
from studies.models import AuditAction, AuditEntry, AuditOutcome, SavedWorklist, WorklistLanding


def study_matches(study, filters: dict) -> bool:
    """Whether a study still belongs in a list shown with these filters."""
    checks = {
        "severity": study.severity,
        "study_viewer_status": study.study_viewer_status,
        "is_cancelled": study.is_cancelled,
        "assigned_to": study.assigned_to.user_id if study.assigned_to else upstream.NULL,
        "express_customer_id": (
            study.express_customer.express_customer_id if study.express_customer else upstream.NULL
        ),
    }
    for name, actual in checks.items():
        wanted = filters.get(name)
        if wanted is not None and wanted != actual:
            return False
    text = filters.get("study_description")
    return not text or text.lower() in study.study_description.lower()


def shared_study_list(**query) -> upstream.StudyPage:
    """`upstream.study_list(**query)`, shared: identical reads by anyone, in any process,
    within TRIAGE_LIST_SHARE_SECONDS cost Avara one call (studies/infra/shared.py). A write
    through the dashboard moves the generation, so no one is served a list read before
    their own change."""
    ttl = settings.TRIAGE_LIST_SHARE_SECONDS
    if ttl <= 0:
        return upstream.study_list(**query)
    words = repr(sorted((k, str(v)) for k, v in query.items() if v is not None))
    digest = hashlib.sha256(f"{settings.AVARA_BASE_URL}|{words}".encode()).hexdigest()[:32]
    key = f"triage:list:{generation()}:{digest}"
    page, _ = single_flight(key, ttl, lambda: upstream.study_list(**query))
    return page


def worklist_page(*, filters: dict, trail: list[str], limit: int, shared: bool = False) -> tuple:
    """(page, notes): one list call; an expired or foreign cursor falls back to page one.

    `shared`: a live refresh's poll, which may take a read someone made moments ago
    (single flight). A navigation never does: what it shows is read after it began.
    """
    read = shared_study_list if shared else upstream.study_list
    try:
        cursor = trail[-1] if trail else None
        return read(**filters, cursor=cursor, limit=limit), []
    except upstream.ValidationFailed as exc:
        if not trail or "cursor" not in exc.field_errors:
            raise
        page = read(**filters, cursor=None, limit=limit)
        return page, ["That page link no longer works; showing the first page."]


def study_visible(*, actor, study_id: str):
    """The study, or None when the actor's role may not see it (cancelled, not admin)."""
    study = upstream.study_get(study_id=study_id)
    if study.is_cancelled and not actor.has_perm("studies.view_cancelled"):
        return None
    return study


def audit_for_study(*, study_id: str, limit: int = 100):
    """A study's audit history, newest first. The id is looked up as it was stored
    (studies/audit.py): an id from Avara with a NUL in it is then no query error."""
    entries = AuditEntry.objects.filter(study_id=storable_text(study_id, 64))
    return entries.select_related("actor")[:limit]


def audit_search(*, study: str = "", actor: str = "", action: str = "", outcome: str = ""):
    """The audit trail, newest first, filtered: a study id; a person, by login or by name
    ("Elena Petrova", "petrova": every word in their first or last name); an action; an
    outcome (also "accepted" / "refused", the older filter's words)."""
    entries = AuditEntry.objects.select_related("actor")
    if study:
        entries = entries.filter(study_id=study)
    if actor:
        entries = entries.filter(_actor_is(actor))
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    if outcome in ("accepted", "refused"):  # the old filter's links still work
        entries = entries.filter(accepted=outcome == "accepted")
    elif outcome in AuditOutcome.values:
        entries = entries.filter(outcome=outcome)
    return entries


def _actor_is(text: str) -> Q:
    by_name = Q()
    for word in text.split()[:5]:
        by_name &= Q(actor__first_name__icontains=word) | Q(actor__last_name__icontains=word)
    return Q(actor_username__iexact=text) | by_name


def audit_people() -> list[tuple[str, str]]:
    """(login, full name) of every account, by name: what the audit's person filter
    suggests as one types."""
    people = get_user_model().objects.values_list("username", "first_name", "last_name")
    named = [(login, f"{first} {last}".strip()) for login, first, last in people]
    return sorted(named, key=lambda p: ((p[1] or p[0]).lower(), p[0]))


# --- Open studies found by part of their UID or id (studies/validators.py: id_fragment) ---


def open_studies_found(*, studies, fragment, filters: dict) -> list:
    """The open studies (`studies`: the queue snapshot's) whose UID or id holds
    `fragment` and which the other `filters` keep, newest first, as Avara lists them.
    Avara looks up whole UIDs and ids only; the open work is what the dashboard holds."""
    kept = {**filters, "study_description": None}
    found = [s for s in studies if fragment.matches(s) and study_matches(s, kept)]
    found.sort(key=lambda s: (s.created_at.timestamp() if s.created_at else 0, s.study_id))
    found.reverse()
    return found


def within_open_work(filters: dict) -> bool:
    """Whether every study these filters keep is open (to read, not cancelled), i.e. in
    the queue snapshot: then it can count them (studies/web/totals.py)."""
    return (
        filters.get("study_viewer_status") == "incomplete" and filters.get("is_cancelled") is False
    )


def open_count(*, snapshot, filters: dict) -> int | None:
    """How many open studies these filters keep, from the queue snapshot; None when the
    snapshot cannot say: the filters reach beyond the open work, search descriptions
    (Avara's matching is its own), or need a severity the snapshot holds only in part."""
    if snapshot is None or not within_open_work(filters) or filters.get("study_description"):
        return None
    severity = filters.get("severity")
    if snapshot.truncated and (severity is None or severity in snapshot.truncated):
        return None
    return sum(1 for s in snapshot.studies if study_matches(s, filters))


# --- Saved worklists: each user sees their own, and those published to their role ------


def _visible(user, role: str | None):
    seen = Q(owner=user)
    if role:
        seen |= Q(role=role)
    return SavedWorklist.objects.filter(seen)


def worklists_visible(*, user, role: str | None) -> list:
    """The user's own lists, then those published to their role by others, by name
    (one query)."""
    lists = list(_visible(user, role).select_related("owner"))
    return sorted(lists, key=lambda s: (s.owner_id != user.pk, s.name.lower(), s.pk))


def worklist_visible(*, user, role: str | None, pk: int):
    """One list the user may see (their own, or published to their role), or None."""
    return _visible(user, role).select_related("owner").filter(pk=pk).first()


def worklist_landing(*, user, role: str | None):
    """The list the user chose to land on, while they may still see it; else None."""
    landing = WorklistLanding.objects.filter(user=user).select_related("worklist").first()
    if landing is None:
        return None
    saved = landing.worklist
    if saved.owner_id == user.pk or (role and saved.role == role):
        return saved
    return None


def worklist_landing_id(*, user) -> int | None:
    return WorklistLanding.objects.filter(user=user).values_list("worklist_id", flat=True).first()
