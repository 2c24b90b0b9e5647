"""The audit trail stores whatever it is given, on SQLite and on PostgreSQL, and its pages
always show it (studies/audit.py: NUL and lone surrogates become U+FFFD, non-finite
numbers and other values text, text columns cut to their lengths).

On PostgreSQL a NUL or a lone surrogate in a JSON value was a DataError (the write, and
with it the user's request, answered 500); on SQLite a stored lone surrogate made every
later audit page a 500 (it cannot be encoded into the page).
"""

import json
import math
from datetime import UTC, datetime

import pytest
from view_helpers import STUDIES, details_form, study_id, study_json, text

from studies.accounts.roles import ADMIN, SUPERVISOR
from studies.audit import audit_record
from studies.models import AuditEntry

# Run again on PostgreSQL + Redis by `make test`: the point is what each engine accepts.
pytestmark = pytest.mark.stores

SID = study_id(1)
R = "\ufffd"  # U+FFFD, the replacement character

HOSTILE_BEFORE = {
    "nul\x00key": "a\x00b",
    "high\ud800": "lone \ud800 high",
    "low": "lone \udfff low",
    "pair": "\U0001f600 stays",
    "nested": {"deep\x00": ["x\ud83d", {"y": "\x00"}]},
    "numbers": [1, 2.5, math.nan, math.inf, -math.inf, True, None],
    "when": datetime(2024, 3, 15, 10, 30, tzinfo=UTC),
}
STORED_BEFORE = {
    f"nul{R}key": f"a{R}b",
    f"high{R}": f"lone {R} high",
    "low": f"lone {R} low",
    "pair": "\U0001f600 stays",
    "nested": {f"deep{R}": [f"x{R}", {"y": R}]},
    "numbers": [1, 2.5, "nan", "inf", "-inf", True, None],
    "when": "2024-03-15 10:30:00+00:00",
}


def test_unstorable_values_are_stored_replaced_and_shown(login, avara):
    admin = login(ADMIN)

    audit_record(
        actor=admin.user,
        action="update",
        study_id="stu_\x00" + "f" * 100,
        before=HOSTILE_BEFORE,
        after={"description": "<script>alert(1)</script>\ud800"},
        outcome="applied",
        detail="Avara said: \x00\udc00" + "x" * 600,
    )

    entry = AuditEntry.objects.get()
    entry.refresh_from_db()  # what the engine gave back, not what Python kept
    assert entry.before == STORED_BEFORE
    assert entry.after == {"description": f"<script>alert(1)</script>{R}"}
    assert entry.study_id == f"stu_{R}" + "f" * 59 and len(entry.study_id) == 64
    assert entry.detail.startswith(f"Avara said: {R}{R}x") and len(entry.detail) == 500
    page = admin.get("/audit/")
    assert page.status_code == 200
    html = text(page)
    assert f"a{R}b" in html and f"lone {R} high" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_a_metadata_edit_of_a_study_holding_a_nul_is_audited_and_its_page_shows_it(login, avara):
    """Avara's metadata holds a NUL (it decodes fine): a supervisor clears the metadata,
    the audit keeps what was overwritten, and the study page lists it in its history."""
    held = {"site\x00": "north\x00"}
    path = f"{STUDIES}/{SID}"
    avara.get(path).respond(json=study_json(1, metadata=held))
    patch = avara.patch(path).respond(json=study_json(1, metadata={}))
    supervisor = login(SUPERVISOR)

    saved = supervisor.post(
        f"/studies/{SID}/details",
        details_form("Example study 1", {}, seen_metadata=held),
    )
    page = supervisor.get(f"/studies/{SID}")

    assert saved.status_code == 302
    assert json.loads(patch.calls.last.request.content) == {"metadata": {}}
    entry = AuditEntry.objects.get()
    assert entry.outcome == "applied"
    assert entry.before == {"metadata": {f"site{R}": f"north{R}"}}
    assert page.status_code == 200
    assert f'<span class="key">Metadata “site{R}”:</span> north{R} → (removed)' in text(page)
