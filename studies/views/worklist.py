"""The worklist: filters in the URL, cursor pages, HTMX swaps only the results."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from studies import directory, upstream, validators
from studies.accounts.capabilities import Capabilities
from studies.queue import queue_snapshot
from studies.selectors import open_studies_found, within_open_work, worklist_page
from studies.views.respond import (
    etag_of,
    list_state,
    not_modified,
    reads_with_session,
    unchanged_since,
)
from studies.web import links
from studies.web.exports import export_url
from studies.web.forms import (
    MAX_CURSOR_TRAIL,
    PAGE_SIZES,
    WorklistFilterForm,
    cursor_trail,
    filter_selects,
    list_filters,
)
from studies.web.fragments import fragment
from studies.web.http import upstream_message, upstream_status
from studies.web.presenters import stamp
from studies.web.row_cache import list_digest, rendered_rows
from studies.web.searching import found_nothing, searched_open_work
from studies.web.totals import snapshot_total, worklist_total
from studies.web.worklists import filters_of


def _lookup(request, q: str) -> HttpResponse | tuple[str, int] | None:
    """The search box: a whole study id or DICOM UID opens that study (Avara's exact
    lookup: completed and cancelled studies too; the study page applies the role).

    Returns a redirect; a note for the user and its status when Avara's answer names no
    study the dashboard can open; or None: not a whole id, or a UID Avara does not know
    (which may still be part of an open study's UID: `_render_found`).
    """
    if validators.is_study_id(q):
        study_id = q
    elif validators.is_dicom_uid(q):
        try:
            study_id = upstream.study_get_by_uid(study_instance_uid=q).study_id
        except upstream.NotFound:
            return None
    else:
        return None
    url = links.study_page(study_id)
    if not url:
        return (
            f"Avara's answer for the Study Instance UID {q} could not be used: it names "
            "no valid study id, so the study cannot be opened here.",
            502,
        )
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _pickers_keys(request) -> list[str]:
    # A live refresh shows no filter form, so it needs no users (_render_worklist).
    return directory.picker_keys(with_users=not _live_refresh(request))


def _live_refresh(request) -> bool:
    return request.headers.get("X-Triage-Refresh") == "1"  # a live refresh's poll


@never_cache  # Back must never show a list older than the navigation
@require_GET
@reads_with_session(_pickers_keys)
def worklist(request):
    form = WorklistFilterForm(request.GET)
    form.is_valid()
    caps = Capabilities.of(request.user)
    me = caps.me
    q = form.value("q")
    found = _lookup(request, q) if q else None
    if isinstance(found, HttpResponse):
        return found
    can_see_cancelled = caps.see_cancelled
    filters = list_filters(form, me=me, can_see_cancelled=can_see_cancelled)
    notes = []
    if form.value("assignee") == "me" and not me:
        notes.append(
            "Your account is not linked to an Avara user, so it has no studies of its own."
        )
        filters["assigned_to"] = None
    trail, page_number = cursor_trail(request.GET)
    context = {
        "form": form,
        "filters": filters,
        "trail": trail,
        "limit": form.value("limit", 25),
        "page_sizes": PAGE_SIZES,
        "can_see_cancelled": can_see_cancelled,
        "loaded_at": timezone.now(),
        "notes": notes,
        "page_number": page_number,
        "export_url": export_url(request.GET),
        "save_query": filters_of(request.GET),
    }
    if found:
        problem, status = found
        context.update(studies=[], rows_html="", problem=problem, problem_retry=False)
        context["problem_status"] = status
        return _render_worklist(request, context)
    fragment = validators.id_fragment(q) if q and not validators.is_study_id(q) else None
    if fragment is not None:
        return _render_found(request, context, fragment)
    refresh = _live_refresh(request)
    try:
        page, more_notes = worklist_page(
            filters=filters, trail=trail, limit=context["limit"], shared=refresh
        )
        notes.extend(more_notes)
        if more_notes:  # the cursor expired: this is the first page again
            trail = []
        _show_page(request, context, page, trail, refresh=refresh)
        context["prev_trail"] = trail[:-1]
        context["prev_number"] = page_number - 1 if context["prev_trail"] else None
    except upstream.ValidationFailed as exc:
        context.update(studies=[], rows_html="", problem=exc.message, problem_retry=False)
    except upstream.UpstreamError as exc:
        context.update(studies=[], rows_html="", problem=upstream_message(exc), problem_retry=True)
        context["problem_status"] = upstream_status(exc)
    return _render_worklist(request, context)


def _show_page(request, context: dict, page, trail: list, *, refresh: bool) -> None:
    """A page of Avara's list, with its rows, the filter form's choices and its total."""
    digest = list_digest(page.studies)  # for the rows and the ETag alike
    customers, users = directory.pickers(page.studies, with_users=not refresh)
    filters = context["filters"]
    snapshot = queue_snapshot(wait=False) if page.has_more and within_open_work(filters) else None
    if trail != context["trail"]:
        context.update(page_number=1, trail=trail)
    context.update(
        customers=customers,
        directory_users=users,
        page=page,
        studies=page.studies,
        digest=digest,
        rows_html=rendered_rows(
            page.studies, request.user, digest=digest, now=context["loaded_at"]
        ),
        next_trail=[*trail, page.cursor][-MAX_CURSOR_TRAIL:],
        total=worklist_total(
            filters=filters,
            trail=trail,
            page_number=context["page_number"],
            limit=context["limit"],
            shown=len(page.studies),
            has_more=page.has_more,
            snapshot=snapshot,
        ),
    )


def _render_found(request, context: dict, fragment) -> HttpResponse:
    """A search by part of a UID or id: among the open work the queue snapshot holds
    (Avara finds whole UIDs and ids only), with the other filters, paged here."""
    filters = context["filters"]
    try:
        snapshot = queue_snapshot()
    except upstream.UpstreamError as exc:
        context.update(studies=[], rows_html="", problem=upstream_message(exc), problem_retry=True)
        context["problem_status"] = upstream_status(exc)
        return _render_worklist(request, context)
    found = open_studies_found(studies=snapshot.studies, fragment=fragment, filters=filters)
    pages = Paginator(found, context["limit"]).get_page(request.GET.get("p"))
    shown = list(pages.object_list)
    digest = list_digest(shown)
    customers, users = directory.pickers(shown, with_users=not _live_refresh(request))
    context.update(
        customers=customers,
        directory_users=users,
        studies=shown,
        digest=digest,
        rows_html=rendered_rows(shown, request.user, digest=digest, now=context["loaded_at"]),
        page_number=pages.number,
        found_pages=pages,
        total=snapshot_total(shown=len(shown), count=len(found), snapshot=snapshot),
        empty=found_nothing(fragment, filters),
    )
    context["notes"].append(searched_open_work(fragment, snapshot))
    return _render_worklist(request, context)


def _filter_form(request, context: dict, *, oob: bool) -> str:
    """The filter form, rendered once per distinct look (studies/web/fragments.py): the key
    holds every value it prints: the query, the users and customers on offer, the role's
    cancelled filter, the page size, and whether it travels out of band."""
    users, context["users_problem"] = context.get("directory_users") or directory.users_or_empty()
    customers = context.get("customers")
    if customers is None:  # the list was not read
        customers = directory.customers_known()
    people = tuple(
        (u.user_id, u.email, u.first_name, u.middle_name, u.last_name, u.suffix1, u.suffix2)
        for u in users
    )
    key = (
        oob,
        tuple(sorted((name, tuple(values)) for name, values in request.GET.lists())),
        people,
        tuple(customers),
        context["can_see_cancelled"],
        context["limit"],
    )

    def inputs() -> dict:
        form = context["form"]
        selects = filter_selects(
            form,
            users=users,
            customers=customers,
            can_see_cancelled=context["can_see_cancelled"],
            limit=context["limit"],
        )
        return {"form": form, "selects": selects, "oob": oob}

    return fragment("studies/worklist.html#filter-form", key, inputs)


def _render_worklist(request, context: dict) -> HttpResponse:
    status = context.get("problem_status", 200)
    page = context.get("page")
    parts = [
        context.get("problem", ""),
        context["notes"],
        page.has_more if page else None,  # not the cursor: Avara may mint a new one each time
        context["total"].text if context.get("total") else None,
    ]
    # The moment the rows were drawn at: the tag and the rows say the same clocks.
    state = list_state(context["studies"], context["loaded_at"], digest=context.get("digest"))
    context["etag"] = etag = etag_of(request, parts + state)
    if status == 200 and unchanged_since(request, etag):
        return not_modified(etag)
    context["links"] = _links(request, context)
    context["loaded"] = _loaded(context["loaded_at"])
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target == "results":
        # The filter form comes along out of band, so it always says what the URL says
        # (quick filters, back and forward included) - but not on a live refresh, which
        # must not wipe what the user is typing.
        if not _live_refresh(request):
            context["filter_form_oob"] = _filter_form(request, context, oob=True)
        response = render(request, "studies/worklist.html#results", context, status=status)
    else:
        context["filter_form"] = _filter_form(request, context, oob=False)
        response = render(request, "studies/worklist.html", context, status=status)
    response["ETag"] = etag
    return response


def _links(request, context: dict) -> dict:
    """The freshness bar's and the pager's links, built once each in Python (Django's
    `{% querystring %}` costs about 0.1 ms a call, and each link is printed twice, for
    `href` and `hx-get`): the same text the tag would print, escaped as it would be."""
    current = dict(request.GET.lists())

    def query(**changes) -> str:
        return escape(querystring_of(current, **changes))

    refresh = escape(request.path + querystring_of(current, c=context["trail"]))
    if context.get("problem"):  # no pager: only Retry
        return {"refresh": refresh}
    if found := context.get("found_pages"):  # a search of the open work, paged here
        return {
            "refresh": escape(request.path + querystring_of(current)),
            "first": query(p=None) if found.number > 2 else "",
            "prev": query(p=found.previous_page_number()) if found.has_previous() else "",
            "next": query(p=found.next_page_number()) if found.has_next() else "",
        }
    page_number, page = context["page_number"], context.get("page")
    return {
        "refresh": refresh,
        "first": query(c=None, p=None) if page_number > 2 else "",
        "prev": (
            query(c=context["prev_trail"], p=context["prev_number"]) if page_number > 1 else ""
        ),
        "next": (
            query(c=context["next_trail"], p=page_number + 1)
            if page and page.has_more and page.cursor
            else ""
        ),
    }


def querystring_of(current: dict[str, list[str]], **changes) -> str:
    """What `{% querystring **changes %}` prints for a request whose GET is `current`
    (key -> values, in order): None removes a key, a list sets every value of one, any
    other value sets it; a key keeps its place, a new one goes last. Without the tag's
    deep copy of request.GET on every call."""
    params = dict(current)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, list | tuple):
            params[key] = [v for v in value if v is not None]
        else:
            params[key] = [value]
    return "?" + urlencode([(key, str(v)) for key, values in params.items() for v in values])


def _loaded(at) -> dict:
    """When the list was read, as the freshness bar prints it (`date:'U'`, `date:'c'`,
    `time:'H:i'` in the viewer's time zone, and the zone named), formatted once here."""
    local = timezone.localtime(at)
    return {
        "unix": int(at.timestamp()),
        "iso": local.isoformat(),
        "hm": local.strftime("%H:%M"),
        "title": stamp(at),  # the viewer's time zone, named on hover
    }
