"""The study fields a user can change: their labels, how to read them off a study, how
to show a value to a person. Keys are the service module's snake_case names."""

from __future__ import annotations

from typing import Any

SEVERITY_LABELS = {"stat": "STAT", "high": "High", "normal": "Normal"}
# The viewer's own words for its status ("to read" only where a sentence needs it).
STATUS_LABELS = {"incomplete": "Incomplete", "complete": "Complete"}

LABELS = {
    "severity": "Severity",
    "study_viewer_status": "Viewer status",
    "assigned_to": "Assignee",
    "study_description": "Description",
    "metadata": "Metadata",
    "is_cancelled": "Cancelled",
}
EDITABLE = ("severity", "study_viewer_status", "assigned_to", "study_description", "metadata")


def current(study, field: str) -> Any:
    """The value of `field` on a study, in the form changes and `seen` use."""
    if field == "assigned_to":
        return study.assigned_to.user_id if study.assigned_to else None
    if field == "metadata":
        return dict(study.metadata or {})
    return getattr(study, field)


def normal(field: str, value: Any) -> Any:
    """One spelling per value: "" and None both mean unassigned / no metadata."""
    if field == "assigned_to":
        return value or None
    if field == "metadata":
        return dict(value or {})
    return value


def shown(field: str, value: Any, *, names: dict[str, str] | None = None) -> str:
    """A value as a person reads it: "STAT", "Incomplete", "Dr Okafor", "Unassigned"."""
    if field == "severity":
        return SEVERITY_LABELS.get(value, str(value))
    if field == "study_viewer_status":
        return STATUS_LABELS.get(value, str(value))
    if field == "assigned_to":
        if not value:
            return "Unassigned"
        return (names or {}).get(value, value)
    if field == "metadata":
        return "; ".join(f"{k}={v}" for k, v in (value or {}).items()) or "(none)"
    if field == "is_cancelled":
        return "Yes" if value else "No"
    return str(value)


def assignee_name(study) -> str:
    return study.assigned_to.display_name if study.assigned_to else "Unassigned"
