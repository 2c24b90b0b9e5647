"""Saved worklists: every change, with its rules and its audit entry.

- Anyone saves the filters of the page they are on under a name, renames and deletes
  their own lists, and picks the page they land on after logging in (one of the lists
  they see, or their role's default).
- An admin publishes one of their own lists to a role: everyone holding that role sees
  it, may land on it and copy it, and cannot change it.
- Nobody sees or touches anyone else's list otherwise: such a list is "not found" (its
  existence is not told), and the attempt is audited like any refusal.

The query a list keeps comes normalised from the page (studies/web/worklists.py); here
it is only bounded. Names are one line of at most NAME_MAX characters, unique per owner.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from studies.accounts.roles import ROLES, role_of
from studies.models import AuditAction, SavedWorklist, WorklistLanding
from studies.selectors import worklist_visible
from studies.services import rules
from studies.services.outcomes import audit
from studies.services.results import Outcome, Reason

NAME_MAX = 80
QUERY_MAX = 1000
LISTS_MAX = 50  # saved lists per user
NOT_FOUND = "No such saved list (it may have been deleted)."
PUBLISHED = (
    "This list is published to your role: it cannot be changed here. Copy it to make your own."
)


@dataclass(frozen=True, slots=True)
class ListResult:
    outcome: Outcome
    message: str
    worklist: SavedWorklist | None = None
    reason: Reason | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.APPLIED, Outcome.UNCHANGED)


def _name_problem(name: str) -> str | None:
    if not name:
        return "Give the list a name."
    if len(name) > NAME_MAX:
        return f"A list's name has at most {NAME_MAX} characters."
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name):
        return "A list's name is one line of visible text."
    return None


def _clean(name: str) -> str:
    return " ".join((name or "").split())


def _refused(actor, action, message: str, reason: Reason, *, after=None) -> ListResult:
    audit(actor, action, "", Outcome.REFUSED, message, after=after)
    return ListResult(Outcome.REFUSED, message, reason=reason)


def _described(saved: SavedWorklist) -> dict:
    fields = ("name", "page", "query", "role")
    return {"list": saved.pk, **{name: getattr(saved, name) for name in fields}}


def _taken(owner, name: str, *, but=None) -> bool:
    same = SavedWorklist.objects.filter(owner=owner, name__iexact=name)
    return same.exclude(pk=but).exists() if but else same.exists()


def worklist_save(*, actor, name: str, page: str, query: str) -> ListResult:
    """Save the filters of a page (`query`, normalised) under `name`."""
    action = AuditAction.LIST_SAVE
    name = _clean(name)
    wanted = {"name": name[:NAME_MAX], "page": page, "query": query[:QUERY_MAX]}
    problem = _name_problem(name)
    if page not in dict(SavedWorklist.PAGES):
        problem = "Only the worklist's and the queue's views can be saved."
    elif len(query) > QUERY_MAX:
        problem = "These filters are too long to save."
    elif problem is None and _taken(actor, name):
        problem = f"You already have a list named \u201c{name}\u201d: choose another name."
    elif problem is None and SavedWorklist.objects.filter(owner=actor).count() >= LISTS_MAX:
        problem = f"You have {LISTS_MAX} saved lists, the most one person keeps: delete one first."
    if problem:
        return _refused(actor, action, problem, Reason.INVALID, after=wanted)
    try:
        with transaction.atomic():
            saved = SavedWorklist.objects.create(owner=actor, name=name, page=page, query=query)
    except IntegrityError:  # the same name saved at the same moment
        message = f"You already have a list named \u201c{name}\u201d: choose another name."
        return _refused(actor, action, message, Reason.INVALID, after=wanted)
    audit(actor, action, "", Outcome.APPLIED, f"Saved \u201c{name}\u201d.", after=_described(saved))
    return ListResult(Outcome.APPLIED, f"Saved \u201c{name}\u201d.", saved)


def _own(actor, pk: int, action: AuditAction) -> SavedWorklist | ListResult:
    """The actor's own list, or the refusal (audited) when it is someone else's."""
    saved = worklist_visible(user=actor, role=role_of(actor), pk=pk)
    if saved is None:
        return _refused(actor, action, NOT_FOUND, Reason.NOT_FOUND, after={"list": pk})
    if saved.owner_id != actor.pk:
        return _refused(actor, action, PUBLISHED, Reason.FORBIDDEN, after={"list": pk})
    return saved


def worklist_rename(*, actor, pk: int, name: str) -> ListResult:
    action = AuditAction.LIST_RENAME
    saved = _own(actor, pk, action)
    if isinstance(saved, ListResult):
        return saved
    name = _clean(name)
    problem = _name_problem(name)
    if problem is None and _taken(actor, name, but=saved.pk):
        problem = f"You already have a list named \u201c{name}\u201d: choose another name."
    if problem:
        after = {"list": pk, "name": name[:NAME_MAX]}
        return _refused(actor, action, problem, Reason.INVALID, after=after)
    if name == saved.name:
        return ListResult(Outcome.UNCHANGED, "The list already has that name.", saved)
    before = _described(saved)
    saved.name = name
    try:
        with transaction.atomic():
            saved.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        message = f"You already have a list named \u201c{name}\u201d: choose another name."
        return _refused(actor, action, message, Reason.INVALID, after={"list": pk, "name": name})
    message = f"Renamed \u201c{before['name']}\u201d to \u201c{name}\u201d."
    audit(actor, action, "", Outcome.APPLIED, message, before=before, after=_described(saved))
    return ListResult(Outcome.APPLIED, message, saved)


def worklist_delete(*, actor, pk: int) -> ListResult:
    action = AuditAction.LIST_DELETE
    saved = _own(actor, pk, action)
    if isinstance(saved, ListResult):
        return saved
    before = _described(saved)
    saved.delete()  # and the landings on it: everyone lands on their default again
    message = f"Deleted \u201c{before['name']}\u201d."
    audit(actor, action, "", Outcome.APPLIED, message, before=before)
    return ListResult(Outcome.APPLIED, message)


def worklist_copy(*, actor, pk: int) -> ListResult:
    """A list of one's own with the same filters (of a list published to one's role)."""
    action = AuditAction.LIST_COPY
    source = worklist_visible(user=actor, role=role_of(actor), pk=pk)
    if source is None:
        return _refused(actor, action, NOT_FOUND, Reason.NOT_FOUND, after={"list": pk})
    name, n = source.name, 1
    while _taken(actor, name):
        n += 1
        suffix = " (copy)" if n == 2 else f" (copy {n - 1})"
        name = source.name[: NAME_MAX - len(suffix)] + suffix
    result = worklist_save(actor=actor, name=name, page=source.page, query=source.query)
    if result.ok:
        message = f"Copied \u201c{source.name}\u201d as \u201c{name}\u201d: yours to change."
        return ListResult(Outcome.APPLIED, message, result.worklist)
    return result


def worklist_landing_set(*, actor, pk: int | None) -> ListResult:
    """Land on a list one sees after logging in; None: the role's default page."""
    action = AuditAction.LIST_LANDING
    if pk is None:
        deleted, _ = WorklistLanding.objects.filter(user=actor).delete()
        message = "You will land on your role's default page."
        if deleted:
            audit(actor, action, "", Outcome.APPLIED, message, after={"list": None})
        return ListResult(Outcome.APPLIED if deleted else Outcome.UNCHANGED, message)
    saved = worklist_visible(user=actor, role=role_of(actor), pk=pk)
    if saved is None:
        return _refused(actor, action, NOT_FOUND, Reason.NOT_FOUND, after={"list": pk})
    WorklistLanding.objects.update_or_create(user=actor, defaults={"worklist": saved})
    message = f"You will land on \u201c{saved.name}\u201d after logging in."
    audit(actor, action, "", Outcome.APPLIED, message, after=_described(saved))
    return ListResult(Outcome.APPLIED, message, saved)


def worklist_publish(*, actor, pk: int, role: str) -> ListResult:
    """Publish one's own list to a role (admins); "" withdraws it."""
    action = AuditAction.LIST_PUBLISH
    if not rules.may(actor, "publish_worklist"):
        message = rules.role_refusal(actor, "publish_worklist")
        return _refused(actor, action, message, Reason.FORBIDDEN, after={"list": pk})
    saved = _own(actor, pk, action)
    if isinstance(saved, ListResult):
        return saved
    if role and role not in ROLES:
        after = {"list": pk, "role": role[:30]}
        return _refused(actor, action, "No such role.", Reason.INVALID, after=after)
    if role == saved.role:
        return ListResult(Outcome.UNCHANGED, "Nothing changed.", saved)
    before = _described(saved)
    saved.role = role
    saved.save(update_fields=["role", "updated_at"])
    if role:
        message = f"\u201c{saved.name}\u201d is published to every {role}."
    else:
        message = f"\u201c{saved.name}\u201d is yours alone again."
        # Those who landed on it no longer see it: they land on their default again.
        WorklistLanding.objects.filter(worklist=saved).exclude(user=actor).delete()
    audit(actor, action, "", Outcome.APPLIED, message, before=before, after=_described(saved))
    return ListResult(Outcome.APPLIED, message, saved)
