"""The study page: every field, escaped; description and metadata edits that PATCH only what
the user changed, after a read that compares it with what the page showed (a field changed
meanwhile is a conflict: both values shown, the user's edits kept); metadata validation
before any PATCH; the study's audit history."""

import html as html_lib
import json
import re

import pytest
from view_helpers import (
    CUSTOMER_ID,
    SMITH,
    STORED_METADATA,
    STUDIES,
    called,
    details_form,
    error_json,
    only_audit,
    sent_json,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
READ = ("GET", STUDY_PATH)


@pytest.fixture
def stored(avara):
    return avara.get(STUDY_PATH).respond(json=study_json(1))


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR, ADMIN])
def test_every_field_is_rendered_with_one_read(login, avara, stored, role):
    response = login(role).get(f"/studies/{SID}")

    html = text(response)
    assert response.status_code == 200
    assert stored.call_count == 1 and avara.calls.call_count == 1
    for shown in (
        f"<code>{SID}</code>",
        "<code>1.2.840.10008.99.1</code>",
        "<dt>Severity</dt><dd>High",
        f"<dt>Assignee</dt><dd>{SMITH} &lt;dr.smith@radiology.com&gt;",
        "<dt>Viewer status</dt><dd>Incomplete",
        f"City Medical Center <code>{CUSTOMER_ID}</code>",
        'datetime="2024-03-15T10:30+00:00"',
        'datetime="2024-03-15T14:20+00:00"',
        f"<dt>Created by</dt><dd>{SMITH} &lt;dr.smith@radiology.com&gt;",
        "<dt>Cancelled</dt><dd>No",
        "department",
        "urgent",
    ):
        assert shown in html, shown


def test_api_key_creator_and_cancellation_are_shown(login, avara):
    avara.get(STUDY_PATH).respond(
        json=study_json(1, createdByUser=None, isCancelled=True, cancelledAt="2024-03-16T08:00:00Z")
    )

    html = text(login(ADMIN).get(f"/studies/{SID}"))

    assert "API key “Production API Key” <code>550e8400-e29b-41d4-a716-446655440000</code>" in html
    cancelled = '<time datetime="2024-03-16T08:00+00:00" title="2024-03-16 08:00 UTC">'
    assert f"Yes, at {cancelled}2024-03-16 08:00</time>" in html
    assert f'href="/studies/{SID}/uncancel' in html and f"/studies/{SID}/cancel" not in html


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR])
def test_upstream_text_is_escaped(login, avara, role):
    evil = "<script>alert(1)</script>"
    avara.get(STUDY_PATH).respond(
        json=study_json(
            1,
            studyDescription=evil,
            metadata={"<b>k</b>": '"><img src=x onerror=alert(2)>'},
            expressCustomer={"expressCustomerId": CUSTOMER_ID, "expressCustomerName": evil},
            assignedTo={"userId": "usr_x", "email": "<i>@x", "firstName": evil, "lastName": ""},
        )
    )

    html = text(login(role).get(f"/studies/{SID}"))

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html and "&lt;b&gt;k&lt;/b&gt;" in html
    assert "<i>@x" not in html


def test_unknown_study_is_a_404_page(login, avara):
    avara.get(STUDY_PATH).respond(404, json=error_json("No such study.", kind="not_found_error"))

    response = login(RADIOLOGIST).get(f"/studies/{SID}")

    assert response.status_code == 404
    assert "That study does not exist in Avara" in text(response)


def test_history_shows_this_studys_audit_entries_only(login, avara, stored):
    AuditEntry.objects.create(
        actor_username="dr-who",
        action="update",
        study_id=SID,
        before={"severity": "high"},
        after={"severity": "stat"},
        accepted=False,
        detail="History marker for this study",
    )
    AuditEntry.objects.create(
        actor_username="other", action="cancel", study_id=study_id(2), accepted=True, detail="Nope"
    )

    html = text(login(RADIOLOGIST).get(f"/studies/{SID}"))

    assert "History marker for this study" in html and "dr-who" in html
    assert "Changed study" in html and "Refused" in html
    assert "Nope" not in html


@pytest.mark.parametrize(
    ("posted", "wire", "before"),
    [
        (details_form("New description"), {"studyDescription": "New description"}, None),
        (
            details_form(pairs={**STORED_METADATA, "room": "3"}),
            {"metadata": {**STORED_METADATA, "room": "3"}},
            STORED_METADATA,
        ),
        (
            details_form(pairs={"department": "cardiology", "priority": "urgent"}),
            {"metadata": {"department": "cardiology", "priority": "urgent"}},
            STORED_METADATA,
        ),
        # Metadata is merged key by key with what Avara holds now and sent whole: the
        # sandbox (like the documented PATCH) replaces the mapping, so {} clears it.
        (details_form(pairs={}, extra_rows=2), {"metadata": {}}, STORED_METADATA),
    ],
    ids=["description", "add-pair", "change-value", "clear"],
)
def test_saving_details_patches_only_what_changed(login, avara, stored, posted, wire, before):
    patch = avara.patch(STUDY_PATH).respond(json=study_json(1, **wire))
    client = login(SUPERVISOR)

    with upstream.record_calls() as calls:
        response = client.post(f"/studies/{SID}/details", posted)

    assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    # The page's read (the form needs the stored keys), the service's read, the PATCH.
    assert called(calls) == [READ, READ, ("PATCH", STUDY_PATH)]
    assert (stored.call_count, patch.call_count) == (2, 1)
    assert sent_json(patch) == wire
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id, entry.outcome, entry.accepted) == (
        client.user,
        "update",
        SID,
        "applied",
        True,
    )
    if "studyDescription" in wire:
        assert entry.before == {"study_description": "Example study 1"}
        assert entry.after == {"study_description": "New description"}
    else:
        assert entry.before == {"metadata": before}
        assert entry.after == {"metadata": wire["metadata"] or {}}


def test_saving_unchanged_details_sends_no_patch(login, avara, stored):
    patch = avara.patch(STUDY_PATH)
    client = login(ADMIN)

    response = client.post(f"/studies/{SID}/details", details_form())

    assert response.status_code == 302
    assert patch.call_count == 0 and stored.call_count == 1
    assert AuditEntry.objects.count() == 0
    assert "Nothing to save" in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("pairs", "error"),
    [
        ([(f"k{i}", "v") for i in range(51)], "At most 50 metadata pairs (you gave 51)."),
        ([("k" * 101, "v")], "Ensure this value has at most 100 characters (it has 101)."),
        ([("k", "v" * 1001)], "Ensure this value has at most 1000 characters (it has 1001)."),
        ([("a", "1"), ("a", "2")], "Each key may appear once: a."),
        ([("", "orphan value")], "A value needs a key."),
    ],
    ids=["51-pairs", "long-key", "long-value", "duplicate-keys", "value-without-key"],
)
def test_metadata_validation_errors_show_and_nothing_is_patched(login, avara, stored, pairs, error):
    patch = avara.patch(STUDY_PATH)

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form(pairs=pairs))

    assert response.status_code == 400
    assert f'<p class="field-error">{error}</p>' in text(response)
    assert patch.call_count == 0
    entry = only_audit()  # the refused attempt is recorded
    assert (entry.action, entry.outcome, entry.accepted) == ("update", "refused", False)
    assert entry.detail == "Not saved: some fields need attention."


def test_upstream_refusal_of_details_shows_the_reason_and_is_audited(login, avara, stored):
    avara.patch(STUDY_PATH).respond(
        400,
        json=error_json(
            "Invalid.", fields={"studyDescription": "Avara wants a shorter description."}
        ),
    )

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form("Too long for Avara"))

    html = text(response)
    assert response.status_code == 400
    assert '<p class="field-error">Avara wants a shorter description.</p>' in html
    assert "Not saved: Avara wants a shorter description." in html
    assert "Too long for Avara</textarea>" in html
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.after) == (
        "refused",
        False,
        {"study_description": "Too long for Avara"},
    )


@pytest.mark.parametrize(("role", "editable"), [(RADIOLOGIST, False), (SUPERVISOR, True)])
def test_details_form_only_for_roles_that_may_change_them(login, avara, stored, role, editable):
    html = text(login(role).get(f"/studies/{SID}"))

    assert (f'action="/studies/{SID}/details"' in html) is editable
    assert (f"/studies/{SID}/edit/severity" in html) is editable
    assert (f"/studies/{SID}/cancel" in html) is editable
    assert f"/studies/{SID}/uncancel" not in html
    # The stored study is a colleague's: only staff may change its status.
    assert (f"/studies/{SID}/edit/status" in html) is editable


# --- Saves from a page someone else's change overtook ------------------------------------

WHEN = "15 Mar 14:20"  # the stored study's updatedAt
KEPT = " Your edits are kept below; save again to apply them over the new values."


def hidden(response, name: str) -> str:
    found = re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', text(response))
    assert len(found) == 1, found
    return html_lib.unescape(found[0])


def test_a_description_changed_meanwhile_is_a_conflict_with_both_values(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, studyDescription="Renamed by a colleague"))
    patch = avara.patch(STUDY_PATH)

    with upstream.record_calls() as calls:
        response = login(SUPERVISOR).post(
            f"/studies/{SID}/details", details_form("My careful new description")
        )

    html = text(response)
    message = f"Description is now Renamed by a colleague, set {WHEN}."
    assert response.status_code == 409
    assert called(calls) == [READ, READ] and patch.call_count == 0
    assert f"Someone changed this study since you opened it.{KEPT}" in html
    assert f"<li>{message} You chose: My careful new description.</li>" in html
    banner = html[
        html.index('class="banner banner-error"') : html.index("</div>", html.index("banner-error"))
    ]
    assert banner.count(message) == 1  # said once, in the list, not again in the sentence
    assert "My careful new description</textarea>" in html  # the user's edit, kept
    assert hidden(response, "seen_description") == "Renamed by a colleague"  # seen moved on
    assert json.loads(hidden(response, "seen_metadata")) == STORED_METADATA
    entry = only_audit()
    assert (entry.outcome, entry.accepted) == ("conflict", False)
    assert entry.before == {"study_description": "Renamed by a colleague"}
    assert entry.after == {"study_description": "My careful new description"}


def test_saving_again_after_a_conflict_applies_the_edits_over_the_new_values(login, avara):
    now = study_json(1, studyDescription="Renamed by a colleague")
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH).respond(
        json={**now, "studyDescription": "My careful new description"}
    )
    client = login(SUPERVISOR)
    conflict = client.post(f"/studies/{SID}/details", details_form("My careful new description"))
    again = details_form(
        "My careful new description",
        seen_description=hidden(conflict, "seen_description"),
        seen_metadata=json.loads(hidden(conflict, "seen_metadata")),
    )

    response = client.post(f"/studies/{SID}/details", again)

    assert response.status_code == 302 and response["Location"] == f"/studies/{SID}"
    assert sent_json(patch) == {"studyDescription": "My careful new description"}
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.outcome for e in entries] == ["conflict", "applied"]
    assert entries[1].before == {"study_description": "Renamed by a colleague"}


def test_a_metadata_value_changed_meanwhile_is_a_conflict_on_that_key(login, avara):
    now = {"department": "cardiology", "priority": "urgent"}
    avara.get(STUDY_PATH).respond(json=study_json(1, metadata=now))
    patch = avara.patch(STUDY_PATH)
    mine = {"department": "neurology", "priority": "urgent"}

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form(pairs=mine))

    html = text(response)
    message = f"Metadata “department” is now cardiology, set {WHEN}."
    assert response.status_code == 409
    assert patch.call_count == 0
    assert f"<li>{message} You chose: neurology.</li>" in html
    assert 'value="neurology"' in html  # the user's value stays in the form
    assert json.loads(hidden(response, "seen_metadata")) == now
    entry = only_audit()
    assert entry.outcome == "conflict"
    assert (entry.before, entry.after) == (
        {"metadata:department": "cardiology"},
        {"metadata:department": "neurology"},
    )


def test_other_changes_meanwhile_are_kept_and_the_users_key_applied(login, avara):
    """A colleague renamed the study and changed one key; the user changed another key:
    no conflict, and the PATCH carries the colleague's key and the user's."""
    theirs = {"department": "cardiology", "priority": "urgent"}
    now = study_json(1, studyDescription="Renamed by a colleague", metadata=theirs)
    avara.get(STUDY_PATH).respond(json=now)
    merged = {"department": "cardiology", "priority": "stat"}
    patch = avara.patch(STUDY_PATH).respond(json={**now, "metadata": merged})
    mine = {"department": "radiology", "priority": "stat"}  # as seen, but priority

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form(pairs=mine))

    assert response.status_code == 302
    assert sent_json(patch) == {"metadata": merged}  # no description: the user left it
    entry = only_audit()
    assert entry.outcome == "applied"
    assert (entry.before, entry.after) == ({"metadata": theirs}, {"metadata": merged})


def test_a_description_edit_goes_through_a_metadata_change_made_meanwhile(login, avara):
    now = study_json(1, metadata={"department": "cardiology"})
    avara.get(STUDY_PATH).respond(json=now)
    patch = avara.patch(STUDY_PATH).respond(json={**now, "studyDescription": "Renamed"})

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", details_form("Renamed"))

    assert response.status_code == 302
    assert sent_json(patch) == {"studyDescription": "Renamed"}
    assert only_audit().outcome == "applied"


def test_a_damaged_seen_metadata_is_refused_before_any_write(login, avara, stored):
    patch = avara.patch(STUDY_PATH)
    form = {**details_form("Renamed"), "seen_metadata": "{not json"}

    response = login(SUPERVISOR).post(f"/studies/{SID}/details", form)

    assert response.status_code == 400
    assert "Not saved: some fields need attention." in text(response)
    assert patch.call_count == 0
    assert only_audit().outcome == "refused"


@pytest.mark.parametrize(
    ("role", "back", "skip"),
    [
        (RADIOLOGIST, '<a href="/queue">← Queue</a>', True),  # a reader's home is the queue
        (SUPERVISOR, '<a href="/">← Worklist</a>', True),
        (ADMIN, '<a href="/">← Worklist</a>', True),
    ],
)
def test_the_way_back_leads_home_and_skip_is_offered(login, avara, role, back, skip):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))

    page = text(login(role).get(f"/studies/{SID}"))

    assert back in page
    assert (f'<a class="button" href="/studies/{SID}/skip">Skip&hellip;</a>' in page) is skip


def test_a_completed_study_offers_no_skip(login, avara):
    avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None, studyViewerStatus="complete"))

    page = text(login(RADIOLOGIST).get(f"/studies/{SID}"))

    assert f"/studies/{SID}/skip" not in page


def test_the_skip_page_names_its_study(login, avara, stored):
    response = login(RADIOLOGIST).get(f"/studies/{SID}/skip")

    assert response.status_code == 200
    assert "<p><strong>Example study 1</strong> · <code>1.2.840.10008.99.1</code></p>" in text(
        response
    )
    assert stored.call_count == 1


def test_a_missing_page_leads_a_reader_back_to_the_queue(login, avara):
    assert '<a href="/queue">Back to the queue</a>' in text(login(RADIOLOGIST).get("/nowhere"))
    assert '<a href="/">Back to the worklist</a>' in text(login(SUPERVISOR).get("/nowhere"))
