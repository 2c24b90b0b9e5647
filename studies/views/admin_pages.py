"""Admin pages: accounts and the audit trail."""

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studies import directory, services
from studies.accounts import throttling
from studies.accounts.forms import AccountForm, account_initial, account_rejected, account_save
from studies.accounts.roles import role_of
from studies.models import AuditAction, AuditOutcome
from studies.selectors import audit_people, audit_search
from studies.web.board import reader_cap_rows
from studies.web.history import audit_lines
from studies.web.http import permission_required

User = get_user_model()


@require_GET
@permission_required("manage_accounts")
def accounts(request):
    users = User.objects.order_by("username").select_related("account").prefetch_related("groups")
    avara_users, problem = directory.users_or_empty()
    names = {u.user_id: u.display_name for u in avara_users}
    locks = throttling.login_locks()
    locked = {lock.username for lock in locks}
    rows = [(u, role_of(u), _linked_name(u, names), u.username in locked) for u in users]
    context = {"rows": rows, "users_problem": problem, "locks": locks}
    context["reader_caps"] = reader_cap_rows(avara_users, problem)
    return render(request, "studies/accounts.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("manage_accounts", audit_action=AuditAction.READER_CAP)
def reader_caps(request):
    """Each radiologist's cap of open studies (blank: the default); every change audited."""
    avara_users, problem = directory.users_or_empty()
    if request.method == "GET":
        caps = reader_cap_rows(avara_users, problem)
        return render(request, "studies/reader_caps.html", {"reader_caps": caps})
    caps = reader_cap_rows(avara_users, problem, data=request.POST)
    if caps["errors"]:
        return render(request, "studies/reader_caps.html", {"reader_caps": caps}, status=400)
    changed = services.reader_caps_save(
        actor=request.user, caps=caps["values"], names=caps["names"]
    )
    if changed:
        messages.success(request, "Caps saved: " + ", ".join(changed) + ".")
    else:
        messages.info(request, "No cap changed.")
    return redirect(reverse("studies:accounts") + "#reader-caps")


@require_POST
@permission_required("manage_accounts", audit_action=AuditAction.LOGIN_UNLOCKED)
def login_unlock(request):
    """Lift a login lock (a username at a client address) before its cool-off ends."""
    username = request.POST.get("username", "")
    try:
        lock = throttling.login_unlock(
            actor=request.user, username=username, ip_address=request.POST.get("ip_address", "")
        )
    except throttling.BadUnlock as exc:
        messages.error(request, str(exc))
        return redirect("studies:accounts")
    if lock is None:
        messages.info(request, "That login was not locked any more; nothing to unlock.")
    else:
        messages.success(request, f"Unlocked {lock.username} from {lock.ip_address}.")
    return redirect("studies:accounts")


def _linked_name(user, names: dict[str, str]) -> str:
    link = getattr(getattr(user, "account", None), "avara_user_id", "")
    return names.get(link, "") if link else ""


@require_http_methods(["GET", "POST"])
@permission_required("manage_accounts", audit_action=AuditAction.ACCOUNT)
def account_edit(request, pk: int | None = None):
    instance = get_object_or_404(User, pk=pk) if pk else None
    users, users_problem = directory.users_or_empty()
    if request.method == "GET":
        initial = account_initial(instance) if instance else {"is_active": True}
        form = AccountForm(
            initial=initial, instance=instance, users=users, acting_user=request.user
        )
    else:
        form = AccountForm(request.POST, instance=instance, users=users, acting_user=request.user)
        if not form.is_valid():
            account_rejected(
                actor=request.user, username=request.POST.get("username", ""), problems=form.errors
            )
        else:
            user = account_save(actor=request.user, form=form)
            if form.cleaned_data["password"] and user == request.user:
                update_session_auth_hash(request, user)  # stay logged in
            messages.success(request, f"Account {user.username} saved.")
            return redirect("studies:accounts")
    context = {"form": form, "instance": instance, "users_problem": users_problem}
    return render(request, "studies/account_form.html", context, status=400 if form.errors else 200)


AUDIT_PAGE_SIZE = 50


@require_GET
@permission_required("view_audit")
def audit_log(request):
    # NUL bytes are stripped: PostgreSQL rejects them in text (a 500 otherwise).
    filters = {
        "study": request.GET.get("study", "").replace("\x00", "").strip()[:64],
        "actor": request.GET.get("actor", "").replace("\x00", "").strip()[:150],
        "action": request.GET.get("action", ""),
        "outcome": request.GET.get("outcome", ""),
    }
    entries = audit_search(**filters)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "lines": audit_lines(page.object_list),
        "people": audit_people(),
        "actions": AuditAction.choices,
        "outcomes": AuditOutcome.choices,
        "filters": filters,
    }
    return render(request, "studies/audit.html", context)
