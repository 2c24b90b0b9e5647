"""Saved worklists: save the view you are on, open, rename, delete, copy, publish, pick
the page you land on; the top bar's menu of them; and landing after logging in."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from studies import directory, services, upstream
from studies.accounts.capabilities import Capabilities
from studies.accounts.roles import ROLES
from studies.models import AuditAction
from studies.queue import queue_snapshot
from studies.selectors import (
    worklist_landing,
    worklist_landing_id,
    worklist_visible,
    worklists_visible,
)
from studies.validators import small_number
from studies.web.http import permission_required, redirect_to, refuse, safe_next
from studies.web.worklists import (
    landing_default,
    normal_query,
    saved_checked,
    saved_count,
    saved_summary,
)

_STATUS = {services.Reason.NOT_FOUND: 404, services.Reason.FORBIDDEN: 403}


@require_GET
def home(request):
    """Where a user lands after logging in: the list they chose, while they may still see
    it, else their role's default (studies/web/worklists.py: `landing_default`)."""
    caps = Capabilities.of(request.user)
    saved = worklist_landing(user=request.user, role=caps.role)
    if saved is not None:
        return _opened(request, saved, caps)
    return redirect_to(landing_default(caps, mine_open=_mine_open(caps))[0])


def _mine_open(caps) -> bool:
    """Whether the user has open studies of their own (a radiologist's landing)."""
    if not caps.me or caps.assign_any:
        return False
    try:
        snapshot = queue_snapshot()  # the queue page reads it next anyway
    except upstream.UpstreamError:
        return False
    return any(s.assigned_to and s.assigned_to.user_id == caps.me for s in snapshot.studies)


def _picture():
    """The open work's picture, to count lists from (built first if there is none yet:
    the menu is fetched beside the page, so it may wait for it); None if Avara cannot
    give one: the lists are then shown without counts."""
    try:
        return queue_snapshot()
    except upstream.UpstreamError:
        return None


def _opened(request, saved, caps):
    checked = saved_checked(saved, caps)
    if checked.problems:
        messages.warning(
            request,
            f"\u201c{saved.name}\u201d: some of its filters no longer apply and were left out: "
            + " ".join(checked.problems),
        )
    return redirect_to(checked.url)


@require_GET
def list_open(request, pk: int):
    """A saved list: its page, with its filters checked again for this user."""
    caps = Capabilities.of(request.user)
    saved = worklist_visible(user=request.user, role=caps.role, pk=pk)
    if saved is None:
        return refuse(request, services.worklists.NOT_FOUND, status=404)
    return _opened(request, saved, caps)


@never_cache
@require_GET
def lists(request):
    return _render_lists(request)


def _render_lists(request, *, status: int = 200, **problems):
    """The manage page. `problems`: a failed save or rename, shown beside its form with
    what the user typed."""
    caps = Capabilities.of(request.user)
    visible = worklists_visible(user=request.user, role=caps.role)
    landing = worklist_landing_id(user=request.user)
    snapshot = _picture() if visible else None
    users, _ = directory.users_or_empty()
    names = {u.user_id: u.display_name for u in users}
    customers = dict(directory.customers_known()) if visible else {}
    entries = [
        {
            "saved": saved,
            "own": saved.owner_id == request.user.pk,
            "summary": saved_summary(saved, users=names, customers=customers),
            "count": saved_count(saved, snapshot=snapshot, caps=caps),
            "problems": saved_checked(saved, caps).problems,
            "landing": saved.pk == landing,
        }
        for saved in visible
    ]
    context = {
        "own": [e for e in entries if e["own"]],
        "published": [e for e in entries if not e["own"]],
        "landing": next((e for e in entries if e["landing"]), None),
        "default_words": landing_default(caps)[1],
        "can_publish": request.user.has_perm("studies.publish_worklist"),
        "roles": ROLES,
        "snapshot": snapshot,
        **problems,
    }
    return render(request, "studies/lists.html", context, status=status)


@require_POST
def list_create(request):
    """Save the view the user is on (the page and its query) under a name."""
    page = request.POST.get("page", "")
    query, _ = normal_query(page, QueryDict(request.POST.get("query", "")[:4000]))
    name = request.POST.get("name", "")
    result = services.worklist_save(actor=request.user, name=name, page=page, query=query)
    if not result.ok:
        save = {"name": name[:200], "page": page, "query": query, "error": result.message}
        return _render_lists(request, status=400, save=save)
    messages.success(request, result.message)
    return redirect_to(saved_checked(result.worklist, Capabilities.of(request.user)).url)


@require_POST
def list_rename(request, pk: int):
    name = request.POST.get("name", "")
    result = services.worklist_rename(actor=request.user, pk=pk, name=name)
    if result.reason is services.Reason.INVALID:
        rename = {"pk": pk, "name": name[:200], "error": result.message}
        return _render_lists(request, status=400, rename=rename)
    return _done(request, result)


@require_POST
def list_delete(request, pk: int):
    return _done(request, services.worklist_delete(actor=request.user, pk=pk))


@require_POST
def list_copy(request, pk: int):
    return _done(request, services.worklist_copy(actor=request.user, pk=pk))


@require_POST
@permission_required("publish_worklist", audit_action=AuditAction.LIST_PUBLISH)
def list_publish(request, pk: int):
    role = request.POST.get("role", "")
    return _done(request, services.worklist_publish(actor=request.user, pk=pk, role=role))


@require_POST
def list_landing(request):
    """Land on a list after logging in (`list`: its id), or on the role's default."""
    raw = request.POST.get("list", "")
    pk = small_number(raw, digits=11)
    if raw and pk is None:
        return refuse(request, services.worklists.NOT_FOUND, status=404)
    return _done(request, services.worklist_landing_set(actor=request.user, pk=pk))


def _done(request, result):
    """A change made (back where the user was, saying so) or refused (a page saying why)."""
    if result.reason in _STATUS:
        return refuse(request, result.message, status=_STATUS[result.reason])
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect_to(safe_next(request, reverse("studies:lists")))


@never_cache
@require_GET
def list_menu(request):
    """The top bar's menu of saved lists (fetched when it opens), each with its count
    where the queue snapshot knows it, the one on screen marked."""
    caps = Capabilities.of(request.user)
    visible = worklists_visible(user=request.user, role=caps.role)
    snapshot = _picture() if visible else None
    here = _on_screen(request)
    entries = []
    for saved in visible:
        checked = saved_checked(saved, caps)
        entries.append(
            {
                "saved": saved,
                "count": saved_count(saved, snapshot=snapshot, caps=caps),
                "current": here == (saved.page, saved.query),
                "problems": checked.problems,
                "own": saved.owner_id == request.user.pk,
            }
        )
    return render(request, "studies/lists.html#menu", {"entries": entries})


def _on_screen(request) -> tuple[str, str] | None:
    """(page, normalised query) of the list the menu was opened on, if it is one."""
    try:
        parts = urlsplit(request.htmx.current_url_abs_path or "") if request.htmx else None
    except ValueError:
        return None
    pages = {reverse("studies:worklist"): "worklist", reverse("studies:queue"): "queue"}
    page = pages.get(parts.path) if parts else None
    return (page, normal_query(page, QueryDict(parts.query))[0]) if page else None
