"""The role rules for changing a study, in one place (views and templates only ask).

Radiologists: claim an unassigned study or give back their own; change the viewer
status of their own studies; open the viewer. Supervisors: also assign anyone, change
severity, description and metadata, create and cancel. Admins: also restore.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studies.accounts.capabilities import me_of
from studies.accounts.roles import role_of
from studies.messages import PERMISSION_MESSAGES
from studies.services import fields

# field -> the permission that allows changing it (assignment is decided below)
FIELD_PERMISSION = {
    "severity": "change_severity",
    "study_viewer_status": "change_viewer_status",
    "study_description": "change_details",
    "metadata": "change_details",
}


def may(actor, codename: str) -> bool:
    return actor.has_perm(f"studies.{codename}")


def role_refusal(actor, codename: str) -> str:
    role = role_of(actor) or "account without a role"
    return f"Your role ({role}) may not {PERMISSION_MESSAGES.get(codename, codename)}."


def refusal_before_read(actor, changes: Mapping[str, Any]) -> str | None:
    """Rules that need no study: may this role change these fields at all?"""
    for name in changes:
        if name == "assigned_to":
            if not (may(actor, "assign_any") or may(actor, "assign_self")):
                return role_refusal(actor, "assign_self")
            if not may(actor, "assign_any") and changes[name] not in (None, me_of(actor)):
                return "Your role may only claim studies for yourself."
        elif not may(actor, FIELD_PERMISSION[name]):
            return role_refusal(actor, FIELD_PERMISSION[name])
    return None


def refusal_for(actor, study, changes: Mapping[str, Any]) -> str | None:
    """Rules that depend on the study as it is now."""
    if study.is_cancelled:
        return "This study is cancelled; it must be restored before it can be changed."
    if may(actor, "assign_any"):
        return None
    me = me_of(actor)
    owner = fields.current(study, "assigned_to")
    if "assigned_to" in changes:
        wanted = changes["assigned_to"]
        if wanted and owner not in (None, me):
            name = fields.assignee_name(study)
            return f"Already assigned to {name}; ask a supervisor to reassign it."
        if wanted is None and owner != me:
            return "Only a supervisor can unassign a study that is not yours."
    if "study_viewer_status" in changes and (not me or owner != me):
        name = fields.assignee_name(study) if owner else "nobody"
        return f"This study is assigned to {name}; only its reader or a supervisor can change it."
    return None
