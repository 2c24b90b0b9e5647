"""Roles are Django groups made of the permissions declared on studies.Account.

Radiologist: view, claim or give back, change viewer status, open the viewer.
Supervisor: also assign anyone, change severity, description and metadata, create, cancel,
see the workload board and balance it.
Admin: also restore cancelled studies, see them, manage accounts, read the audit trail,
publish saved worklists to a role.
"""

from django.contrib.auth.models import Group, Permission

from studies.infra.shared import accounts_generation_bump

RADIOLOGIST = "Radiologist"
SUPERVISOR = "Supervisor"
ADMIN = "Admin"
ROLES = (RADIOLOGIST, SUPERVISOR, ADMIN)

_RADIOLOGIST_PERMS = ("open_viewer", "change_viewer_status", "assign_self")
_SUPERVISOR_PERMS = (
    *_RADIOLOGIST_PERMS,
    "assign_any",
    "change_severity",
    "change_details",
    "create_study",
    "cancel_study",
    "view_workload",
)
_ADMIN_PERMS = (
    *_SUPERVISOR_PERMS,
    "uncancel_study",
    "view_cancelled",
    "manage_accounts",
    "view_audit",
    "publish_worklist",
)

ROLE_PERMISSIONS = {
    RADIOLOGIST: _RADIOLOGIST_PERMS,
    SUPERVISOR: _SUPERVISOR_PERMS,
    ADMIN: _ADMIN_PERMS,
}


def role_sync() -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="studies", codename__in=codenames)
        group.permissions.set(perms)
    accounts_generation_bump()


def role_of(user) -> str | None:
    """The highest role a user holds, or None."""
    names = set(user.groups.values_list("name", flat=True))
    for role in reversed(ROLES):
        if role in names:
            return role
    return ADMIN if user.is_superuser else None
