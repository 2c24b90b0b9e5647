"""Who is asking and what they may do: the Avara user an account acts as ("Me"), and
what its role lets pages offer it (`Capabilities`), worked out once per request.

Only what pages offer comes from here (and the services' rules ask `me_of` who the
actor is); the services check permissions afresh on every write (studies/services/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse

from studies.accounts.roles import role_of
from studies.infra.kept import Kept
from studies.infra.shared import accounts_generation
from studies.models import Account


def me_of(user) -> str | None:
    """The Avara userId the account acts as ("Me"), or None when not linked."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.account.avara_user_id or None
    except Account.DoesNotExist:
        return None


# Where a row's study id goes in `Capabilities.study_url` (studies/web/presenters.py).
PLACEHOLDER = "stu_" + "0" * 32
# Capabilities this process has seen, by their versioned key (see Capabilities.of), for
# as long as the shared store keeps them.
CAPS_SECONDS = 300
_caps_kept = Kept(2_000, seconds=CAPS_SECONDS)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the user's role allows, looked up once per request."""

    me: str | None
    severity: bool
    assign_any: bool
    assign_self: bool
    status: bool
    open_viewer: bool
    cancel: bool
    restore: bool
    see_cancelled: bool
    study_url: str  # "/studies/" + PLACEHOLDER, to be filled per row
    role: str | None = None
    details: bool = False  # description and metadata
    create: bool = False
    view_audit: bool = False
    manage_accounts: bool = False
    skip: bool = False  # Skip is offered on the queue only
    workload: bool = False  # the supervisor's board, its balance and reader caps

    @property
    def home(self) -> str:
        """The route the role starts at: readers the queue, everyone else the worklist."""
        return "studies:queue" if self.assign_self and not self.assign_any else "studies:worklist"

    @classmethod
    def of(cls, user) -> Capabilities:
        """The user's capabilities: worked out once per request (kept on the user object)
        and shared between requests in the cache until an account changes. Only what
        pages offer comes from here; the services check permissions afresh on every write.
        """
        known = getattr(user, "_triage_caps", None)
        if known is not None:
            return known
        key = None
        if user.is_authenticated:  # date_joined: a reused primary key is another person
            joined = user.date_joined.timestamp() if user.date_joined else 0
            generation = getattr(user, "_triage_generation", None) or accounts_generation()
            # v3: the class gained `workload` (v2: it moved from studies.presenters): a
            # process of one version never unpickles another's.
            key = f"triage:caps:v3:{generation}:{user.pk}:{joined}"
        # The key names the accounts' generation, whose numbers are never reused (see
        # studies/infra/shared.py): this process keeps what it holds too, about as long as the
        # shared store does, and asks the store only when it has not got it.
        if key is None:
            caps = cls._work_out(user)
        elif (caps := _caps_kept.get(key)) is None:
            caps = cache.get(key)
            if caps is None:
                caps = cls._work_out(user)
                cache.set(key, caps, timeout=CAPS_SECONDS)
            _caps_kept.put(key, caps)
        user._triage_caps = caps
        return caps

    @classmethod
    def _work_out(cls, user) -> Capabilities:
        perms = user.get_all_permissions() if user.is_authenticated else set()

        def has(codename: str) -> bool:
            return f"studies.{codename}" in perms

        return cls(
            me=me_of(user),
            severity=has("change_severity"),
            assign_any=has("assign_any"),
            assign_self=has("assign_self"),
            status=has("change_viewer_status"),
            open_viewer=has("open_viewer"),
            cancel=has("cancel_study"),
            restore=has("uncancel_study"),
            see_cancelled=has("view_cancelled"),
            study_url=reverse("studies:detail", args=[PLACEHOLDER]),
            role=role_of(user) if user.is_authenticated else None,
            details=has("change_details"),
            create=has("create_study"),
            view_audit=has("view_audit"),
            manage_accounts=has("manage_accounts"),
            workload=has("view_workload"),
        )
