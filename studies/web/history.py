"""Audit entries as people read them: who (the account's name), what, and each change as
"Assignee: Unassigned → Daniel Whitfield, MD", in the page's words (the labels and values
of studies/services/fields.py), never the wire's (`assigned_to: usr_…`, `is_cancelled:
True`).

Entries are shown as they were stored, whenever that was: an entry written before a
field was renamed on the page, or holding a value the page no longer offers, still reads
sensibly (an old conflict entry kept "To read"; applied assignments keep the assignee's
name of the time beside the id). Names of Avara users come from the users directory the
pickers use (one read for the whole page, cached: never a call per entry), then from the
entry itself, else "Unknown user (usr_…)".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from studies import directory, validators
from studies.services.fields import LABELS, SEVERITY_LABELS, STATUS_LABELS

ANONYMOUS = "anonymous"  # the actor_username of an attempt made before logging in
# Values of entries written by earlier versions of the dashboard (conflicts stored what
# the page said then): the same words as today's.
_OLD_STATUS_WORDS = {"To read": "Incomplete"}


@dataclass(frozen=True, slots=True)
class Change:
    """One field of an entry: `before` is None when the entry has no "before" for it (or
    the same value on both sides), `after` when it has no "after"."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """One audit entry as the audit page and a study's history print it."""

    entry: Any
    who: str
    login: str  # the account's username, named on hover ("" when nobody was logged in)
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class _Context:
    users: Mapping[str, str]  # Avara user id -> display name
    customers: Mapping[str, str]  # Express customer id -> name
    who: str  # the entry's actor, for "me"


def audit_lines(entries: Iterable) -> list[Line]:
    """Each entry as a `Line`; the users directory is read once, and only when an entry
    names an Avara user."""
    entries = list(entries)
    wanted = {key for entry in entries for side in _sides(entry) for key in side}
    users = directory.user_names() if wanted & _USER_KEYS else {}
    customers = dict(directory.customers_known()) if "express_customer_id" in wanted else {}
    lines = []
    for entry in entries:
        who, login = actor_of(entry)
        context = _Context(users=users, customers=customers, who=who)
        lines.append(Line(entry=entry, who=who, login=login, changes=changes_of(entry, context)))
    return lines


def actor_of(entry) -> tuple[str, str]:
    """(name, login): the account's full name, else its username; "Not logged in" for an
    attempt made before logging in. An account deleted since keeps its username."""
    if entry.actor is None and entry.actor_username == ANONYMOUS:
        return "Not logged in", ""
    name = entry.actor.get_full_name().strip() if entry.actor is not None else ""
    return name or entry.actor_username, entry.actor_username


def _sides(entry) -> tuple[dict, dict]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    return before, after


def changes_of(entry, context: _Context) -> tuple[Change, ...]:
    before, after = _sides(entry)
    keys = sorted(
        (set(before) | set(after)) - _COMPANIONS,
        key=lambda key: (_ORDER.get(key.split(":", 1)[0], len(_ORDER)), key),
    )
    changes: list[Change] = []
    for key in keys:
        if (
            key == "metadata"
            and isinstance(before.get(key), dict)
            and isinstance(after.get(key), dict)
        ):
            changes += _metadata_changes(before[key], after[key])
            continue
        label, show = _field(key)
        was = show(before[key], before, key, context) if key in before else None
        now = show(after[key], after, key, context) if key in after else None
        changes.append(Change(label=label, before=None if was == now else was, after=now))
    return tuple(changes)


# --- How each field reads ----------------------------------------------------------------

Show = Callable[[Any, Mapping, str, _Context], str]


def _plain(value: Any, side: Mapping, key: str, context: _Context) -> str:
    """Any value: text as it is, yes/no, nothing as a dash; dicts and lists as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value == "":
        return "(empty)"
    if isinstance(value, dict):
        return "; ".join(f"{k}={_plain(v, side, key, context)}" for k, v in value.items()) or (
            "(none)"
        )
    if isinstance(value, list):
        return ", ".join(_plain(v, side, key, context) for v in value) or "(none)"
    return str(value)


def _severity(value: Any, side: Mapping, key: str, context: _Context) -> str:
    return SEVERITY_LABELS.get(value, _plain(value, side, key, context))


def _status(value: Any, side: Mapping, key: str, context: _Context) -> str:
    if value in _OLD_STATUS_WORDS:
        return _OLD_STATUS_WORDS[value]
    return STATUS_LABELS.get(value, _plain(value, side, key, context))


def _person(value: Any, side: Mapping, key: str, context: _Context) -> str:
    """An Avara user: by name (the directory's, else the one the entry kept beside the id),
    "Unknown user (usr_…)" when neither knows it. A value that is no id is shown as it is:
    old conflict entries kept the name itself."""
    if value in (None, ""):
        return "Unassigned" if key == "assigned_to" else "Not linked"
    if value == "me":  # a claim the dashboard refused before it knew who "me" was
        return context.who
    if not isinstance(value, str) or not validators.USER_ID_RE.match(value):
        return _plain(value, side, key, context)
    kept = side.get(f"{key}_name")
    return (
        context.users.get(value)
        or (kept if isinstance(kept, str) and kept else None)
        or (f"Unknown user ({value})")
    )


def _customer(value: Any, side: Mapping, key: str, context: _Context) -> str:
    if value in (None, ""):
        return "None"
    name = context.customers.get(value) if isinstance(value, str) else None
    return name or _plain(value, side, key, context)


def _cancelled(value: Any, side: Mapping, key: str, context: _Context) -> str:
    return "Cancelled" if value else "Active"


def _password(value: Any, side: Mapping, key: str, context: _Context) -> str:
    return "Changed" if value == "set" else _plain(value, side, key, context)


def _cap(value: Any, side: Mapping, key: str, context: _Context) -> str:
    """A reader's cap (studies/services/caps.py): none of their own is the default."""
    return "Default" if value is None else _plain(value, side, key, context)


def _removable(value: Any, side: Mapping, key: str, context: _Context) -> str:
    """One metadata key of a conflict entry: None and "(removed)" both say it was removed."""
    return "(removed)" if value is None else _plain(value, side, key, context)


# key -> (label, how its values read), in the order an entry lists them.
_FIELDS: dict[str, tuple[str, Show]] = {
    "severity": (LABELS["severity"], _severity),
    "assigned_to": (LABELS["assigned_to"], _person),
    "study_viewer_status": (LABELS["study_viewer_status"], _status),
    "is_cancelled": ("Study", _cancelled),
    "study_description": (LABELS["study_description"], _plain),
    "study_instance_uid": ("Study Instance UID", _plain),
    "express_customer_id": ("Express customer", _customer),
    "metadata": (LABELS["metadata"], _plain),
    "reader": ("Reader", _person),
    "cap": ("Cap", _cap),
    "reason": ("Reason", _plain),
    "viewer_host": ("Viewer host", _plain),
    "username": ("Login", _plain),
    "first_name": ("First name", _plain),
    "last_name": ("Last name", _plain),
    "email": ("Email", _plain),
    "role": ("Role", _plain),
    "avara_user_id": ("Avara user", _person),
    "is_active": ("Active", _plain),
    "password": ("Password", _password),
    "address": ("From address", _plain),
    "failures": ("Failed logins", _plain),
    "locked_until": ("Locked until", _plain),
}
_ORDER = {key: n for n, key in enumerate(_FIELDS)}
# Kept beside another field to help read it, never shown as a field of their own.
_COMPANIONS = {"assigned_to_name", "reader_name"}
_USER_KEYS = {"assigned_to", "avara_user_id", "reader"}


def _field(key: str) -> tuple[str, Show]:
    if key in _FIELDS:
        return _FIELDS[key]
    if key.startswith("metadata:"):  # one key of the metadata, in a conflict entry
        return f"Metadata “{key.split(':', 1)[1]}”", _removable
    return key.replace("_", " ").strip().capitalize() or "(unnamed)", _plain


def _metadata_changes(before: dict, after: dict) -> list[Change]:
    """Metadata, key by key: only the keys that changed ("(not set)" before a key was
    added, "(removed)" after it was taken away); the whole mapping when none did."""
    changed = sorted(k for k in {**before, **after} if before.get(k) != after.get(k))
    if not changed:
        text = "; ".join(f"{k}={v}" for k, v in after.items()) or "(none)"
        return [Change(label=LABELS["metadata"], before=None, after=text)]
    return [
        Change(
            label=f"Metadata “{k}”",
            before=str(before[k]) if k in before else "(not set)",
            after=str(after[k]) if k in after else "(removed)",
        )
        for k in changed
    ]
