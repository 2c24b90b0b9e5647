"""Reads: what the worklist asks Avara for, and whether a study belongs in a list.

Filters come as plain values, `study_list()` keyword arguments (the worklist's form
turns into them in studies/web/forms.py: `list_filters`)."""

from __future__ import annotations

import hashlib

from django.conf import settings

from studies import upstream
from studies.audit import storable_text
from studies.infra.shared import generation, single_flight
from studies.models import AuditEntry


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
