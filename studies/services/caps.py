"""Reader caps: how many open studies each radiologist may hold before Balance moves work
off them (studies/board/balance.py). Set by admins on the Accounts page; every change is
audited with the cap before and after."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from studies.audit import audit_record
from studies.models import AuditAction, AuditOutcome, ReaderCap
from studies.services import rules

CAP_MAX = 999


@transaction.atomic
def reader_caps_save(
    *, actor, caps: Mapping[str, int | None], names: Mapping[str, str] | None = None
) -> list[str]:
    """Set each reader's cap (None: back to the default, TRIAGE_READER_CAP); one audit
    entry per reader whose cap changes. Returns the names of those changed. Raises
    PermissionError for a role that may not manage accounts (the view refuses first)."""
    if not rules.may(actor, "manage_accounts"):
        raise PermissionError(rules.role_refusal(actor, "manage_accounts"))
    names = names or {}
    current = {
        row.avara_user_id: row
        for row in ReaderCap.objects.select_for_update().filter(avara_user_id__in=list(caps))
    }
    changed = []
    for user_id, cap in caps.items():
        row = current.get(user_id)
        before = row.cap if row else None
        if before == cap:
            continue
        if cap is None:
            row.delete()
        elif row is None:
            # Two admins giving a reader their first cap at once: no row to lock yet, so
            # the later one updates what the first created rather than failing on it.
            ReaderCap.objects.update_or_create(avara_user_id=user_id, defaults={"cap": cap})
        else:
            row.cap = cap
            row.save(update_fields=["cap", "updated_at"])
        name = names.get(user_id, user_id)
        audit_record(
            actor=actor,
            action=AuditAction.READER_CAP,
            before={"reader": user_id, "reader_name": name, "cap": before},
            after={"reader": user_id, "reader_name": name, "cap": cap},
            outcome=AuditOutcome.APPLIED,
            detail=f"Cap of {name}: {_said(before)} -> {_said(cap)}",
        )
        changed.append(name)
    return changed


def _said(cap: int | None) -> str:
    return "the default" if cap is None else str(cap)
