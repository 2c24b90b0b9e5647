"""The write services against a stateful fake Avara: no lost updates on any write path.

Each test plays the reading room: a user looked at a study (what `seen` says), someone
else changed it upstream, then the user saves. Same field: conflict, nothing written,
the audit says so. Another field: applied, and the other person's change survives.
"""

import json

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from studies import services
from studies.models import Account, AuditEntry
from studies.services import Outcome, Reason, fields

from .fake_avara import FakeAvara, person

SID = "stu_" + "a" * 32
ME = "usr_" + "1" * 32
OKAFOR = "usr_" + "2" * 32

pytestmark = pytest.mark.django_db


@pytest.fixture
def avara_fake(avara) -> FakeAvara:
    fake = FakeAvara(avara)
    fake.add(SID, severity="normal", studyViewerStatus="incomplete")
    return fake


def actor(role: str, *, link: str = ME, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or role.lower(), first_name=role, last_name="Tester"
    )
    user.groups.add(Group.objects.get(name=role))
    Account.objects.create(user=user, avara_user_id=link)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def only_entry() -> AuditEntry:
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, [(e.outcome, e.detail) for e in entries]
    return entries[0]


# --- Inline fields: severity, viewer status, assignee ---------------------------------


@pytest.mark.parametrize(
    ("field", "wire", "seen", "theirs", "mine", "shown_now"),
    [
        ("severity", "severity", "normal", "high", "stat", "High"),
        ("study_viewer_status", "studyViewerStatus", "incomplete", "complete", "complete", None),
        ("assigned_to", "assignedTo", None, person(OKAFOR, "Chidi", "Okafor"), ME, "Chidi Okafor"),
    ],
)
def test_a_field_changed_meanwhile_is_a_conflict_and_nothing_is_written(
    avara_fake, field, wire, seen, theirs, mine, shown_now
):
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, **{wire: theirs})
    if field == "study_viewer_status":
        # They set what I wanted: nothing to write, and nothing to argue about.
        result = services.study_edit(
            actor=supervisor, study_id=SID, changes={field: mine}, seen={field: seen}
        )
        assert result.outcome is Outcome.UNCHANGED
        assert avara_fake.count("PATCH") == 0
        return

    result = services.study_edit(
        actor=supervisor, study_id=SID, changes={field: mine}, seen={field: seen}
    )

    assert result.outcome is Outcome.CONFLICT
    assert avara_fake.count("PATCH") == 0
    assert avara_fake.studies[SID][wire] == theirs  # their change survives
    assert [c.field for c in result.conflicts] == [field]
    assert result.message.startswith(f"{result.conflicts[0].label} is now {shown_now}, set ")
    assert result.can_override  # a supervisor may apply over it
    assert result.study.study_id == SID
    entry = only_entry()
    assert (entry.outcome, entry.accepted) == ("conflict", False)
    # The values as they are stored (the audit's pages word them), the name beside an id.
    stored = fields.current(result.study, field)
    named = {"assigned_to_name": shown_now} if field == "assigned_to" else {}
    assert entry.before == {field: stored, **named}
    assert "changed meanwhile" in entry.detail


def test_a_change_to_another_field_is_not_a_conflict(avara_fake):
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, assignedTo=person(OKAFOR, "Chidi", "Okafor"))

    result = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )

    assert result.outcome is Outcome.APPLIED
    assert avara_fake.studies[SID]["severity"] == "stat"
    assert avara_fake.studies[SID]["assignedTo"]["userId"] == OKAFOR  # kept
    assert avara_fake.count("GET") == 1 and avara_fake.count("PATCH") == 1
    assert result.study.severity == "stat"
    entry = only_entry()
    assert (entry.outcome, entry.before, entry.after) == (
        "applied",
        {"severity": "normal"},
        {"severity": "stat"},
    )


def test_applying_over_a_conflict_records_the_value_actually_overwritten(avara_fake):
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, severity="high")
    first = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )
    assert first.outcome is Outcome.CONFLICT

    # "Save again": the redrawn control now says the user saw High.
    second = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "high"}
    )

    assert second.outcome is Outcome.APPLIED
    assert avara_fake.studies[SID]["severity"] == "stat"
    applied = AuditEntry.objects.get(outcome="applied")
    assert applied.before == {"severity": "high"}  # not the "normal" the page first showed


def test_the_audit_before_is_the_fresh_read_not_the_page(avara_fake):
    """Someone changed severity to the value the user saw meanwhile? Not possible to
    tell apart: what matters is that `before` is what Avara held just before the PATCH."""
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, assignedTo=person(OKAFOR, "Chidi", "Okafor"))

    services.study_edit(
        actor=supervisor, study_id=SID, changes={"assigned_to": ME}, seen={"assigned_to": OKAFOR}
    )

    entry = only_entry()
    assert entry.before == {"assigned_to": OKAFOR, "assigned_to_name": "Chidi Okafor"}
    assert entry.after["assigned_to"] == ME


def test_a_conflict_names_who_changed_it_when_the_dashboard_did(avara_fake):
    colleague = actor("Supervisor", link=OKAFOR, username="okafor")
    colleague.first_name, colleague.last_name = "Chidi", "Okafor"
    colleague.save()
    me = actor("Supervisor", username="me")
    services.study_edit(
        actor=colleague, study_id=SID, changes={"severity": "high"}, seen={"severity": "normal"}
    )

    result = services.study_edit(
        actor=me, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )

    assert result.outcome is Outcome.CONFLICT
    assert result.message.startswith("Severity is now High, set ")
    assert result.message.endswith(" by Chidi Okafor.")


# --- Study page: description and metadata --------------------------------------------


def test_description_changed_meanwhile_is_a_conflict(avara_fake):
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, studyDescription="CT Head")

    result = services.study_edit(
        actor=supervisor,
        study_id=SID,
        changes={"study_description": "CT Chest"},
        seen={"study_description": "CT Chest/Abdomen/Pelvis"},
    )

    assert result.outcome is Outcome.CONFLICT
    assert avara_fake.studies[SID]["studyDescription"] == "CT Head"
    assert result.conflicts[0].now == "CT Head" and result.conflicts[0].wanted == "CT Chest"


def test_metadata_is_merged_key_by_key(avara_fake):
    """I edit `priority`, someone else added `room` meanwhile: both survive."""
    supervisor = actor("Supervisor")
    seen = {"department": "radiology", "priority": "urgent"}
    avara_fake.someone_sets(SID, metadata={**seen, "room": "3"})

    result = services.study_edit(
        actor=supervisor,
        study_id=SID,
        changes={"metadata": {"department": "radiology", "priority": "routine"}},
        seen={"metadata": seen},
    )

    assert result.outcome is Outcome.APPLIED
    assert avara_fake.studies[SID]["metadata"] == {
        "department": "radiology",
        "priority": "routine",
        "room": "3",
    }


def test_the_same_metadata_key_changed_meanwhile_is_a_conflict(avara_fake):
    supervisor = actor("Supervisor")
    seen = {"department": "radiology", "priority": "urgent"}
    avara_fake.someone_sets(SID, metadata={"department": "radiology", "priority": "low"})

    result = services.study_edit(
        actor=supervisor,
        study_id=SID,
        changes={"metadata": {"department": "radiology", "priority": "routine"}},
        seen={"metadata": seen},
    )

    assert result.outcome is Outcome.CONFLICT
    assert avara_fake.count("PATCH") == 0
    assert result.conflicts[0].label == "Metadata “priority”"
    assert (result.conflicts[0].now, result.conflicts[0].wanted) == ("low", "routine")


# --- Claims -----------------------------------------------------------------------------


def test_a_claim_on_a_study_someone_took_says_who_has_it(avara_fake):
    radiologist = actor("Radiologist")
    avara_fake.someone_sets(SID, assignedTo=person(OKAFOR, "Chidi", "Okafor"))

    result = services.study_claim(actor=radiologist, study_id=SID)

    assert (result.outcome, result.reason) == (Outcome.CONFLICT, Reason.TAKEN)
    assert result.message.startswith("Chidi Okafor has this study")
    assert not result.can_override  # a radiologist may not take it over
    assert avara_fake.count("PATCH") == 0
    assert only_entry().outcome == "conflict"


def test_a_claim_of_a_free_study_takes_it(avara_fake):
    radiologist = actor("Radiologist")

    result = services.study_claim(actor=radiologist, study_id=SID)

    assert result.outcome is Outcome.APPLIED
    assert avara_fake.studies[SID]["assignedTo"]["userId"] == ME
    assert (avara_fake.count("GET"), avara_fake.count("PATCH")) == (1, 1)


def test_claiming_without_a_linked_avara_user_is_refused_before_any_call(avara_fake):
    radiologist = actor("Radiologist", link="")

    result = services.study_claim(actor=radiologist, study_id=SID)

    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.FORBIDDEN)
    assert "not linked" in result.message
    assert sum(avara_fake.calls.values()) == 0


def test_a_radiologist_completes_only_their_own_study(avara_fake):
    radiologist = actor("Radiologist")
    avara_fake.someone_sets(SID, assignedTo=person(OKAFOR, "Chidi", "Okafor"))

    result = services.study_complete(actor=radiologist, study_id=SID)

    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.FORBIDDEN)
    assert "assigned to Chidi Okafor" in result.message
    assert result.study.assigned_to.user_id == OKAFOR  # the row is redrawn from this
    assert avara_fake.count("PATCH") == 0


def test_a_held_lock_makes_a_write_wait_then_say_busy(avara_fake, settings):
    from studies.infra.locks import study_lock

    settings.TRIAGE_LOCK_WAIT = 0.05
    supervisor = actor("Supervisor")
    with study_lock(study_id=SID) as held:
        assert held
        result = services.study_edit(
            actor=supervisor,
            study_id=SID,
            changes={"severity": "stat"},
            seen={"severity": "normal"},
        )
    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.BUSY)
    assert sum(avara_fake.calls.values()) == 0


# --- Cancel and restore -----------------------------------------------------------------


def test_cancelling_a_study_someone_cancelled_meanwhile_changes_nothing(avara_fake):
    supervisor = actor("Supervisor")
    avara_fake.someone_sets(SID, isCancelled=True, cancelledAt="2026-11-30T08:00:00Z")

    result = services.study_cancel(actor=supervisor, study_id=SID)

    assert result.outcome is Outcome.UNCHANGED
    assert result.message.startswith("Already cancelled")
    assert avara_fake.count("POST", "/cancel") == 0
    assert only_entry().outcome == "not_applied"


def test_restore_then_the_row_is_the_fresh_study(avara_fake):
    admin = actor("Admin")
    avara_fake.someone_sets(SID, isCancelled=True, cancelledAt="2026-11-30T08:00:00Z")

    result = services.study_restore(actor=admin, study_id=SID)

    assert result.outcome is Outcome.APPLIED
    assert result.study is not None and not result.study.is_cancelled
    entry = only_entry()
    assert (entry.action, entry.before, entry.after) == (
        "uncancel",
        {"is_cancelled": True},
        {"is_cancelled": False},
    )


# --- Unknown outcomes: settled by a fresh read -----------------------------------------


def _timeout_after_applying(request, fake):
    fake.apply(request.url.path.rsplit("/", 1)[-1], json.loads(request.content))
    raise httpx.ReadTimeout("answer lost", request=request)


def _timeout_before_applying(request, fake):
    raise httpx.ReadTimeout("answer lost", request=request)


def _unavailable_before_applying(request, fake):
    return httpx.Response(503)


def _garbled_after_applying(request, fake):
    fake.apply(request.url.path.rsplit("/", 1)[-1], json.loads(request.content))
    return httpx.Response(200, content=b'{"studyId": "stu_')


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (_timeout_after_applying, "applied"),
        (_garbled_after_applying, "applied"),
        # No answer at all: the PATCH may still be on its way, so a read that does not
        # show it yet cannot tell (the sandbox's slow faults land such writes later).
        (_timeout_before_applying, "unknown"),
        # An answer (a 503): Avara is done with it, and the read shows it did not land.
        (_unavailable_before_applying, "not_applied"),
    ],
)
def test_a_write_without_a_usable_answer_is_settled_by_a_read(
    avara_fake, settings, failure, outcome
):
    settings.AVARA_MAX_RETRIES = 0
    supervisor = actor("Supervisor")
    avara_fake.fail_next_write = failure

    result = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )

    assert result.outcome == outcome
    assert avara_fake.count("GET") == 2  # the read before, the read that settles it
    entry = only_entry()
    assert entry.outcome == outcome
    if outcome == "applied":
        assert "fresh read" in result.message and result.study.severity == "stat"
    elif outcome == "unknown":
        assert "may still be on its way" in result.message
        assert result.study.severity == "normal"
    else:
        assert result.message.startswith("Not saved") and result.study.severity == "normal"


def test_a_write_whose_outcome_cannot_be_read_is_reported_unknown(avara_fake, settings):
    settings.AVARA_MAX_RETRIES = 0
    supervisor = actor("Supervisor")

    def timeout_then_down(request, fake):
        fake.down = True  # the settling read gets a 503
        raise httpx.ReadTimeout("answer lost", request=request)

    avara_fake.fail_next_write = timeout_then_down
    result = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )

    assert result.outcome is Outcome.UNKNOWN
    assert "not known whether it was saved" in result.message
    assert avara_fake.count("GET") == 2
    assert only_entry().outcome == "unknown"


def test_a_refusal_from_avara_is_a_refusal_not_a_guess(avara_fake, settings):
    settings.AVARA_MAX_RETRIES = 0
    supervisor = actor("Supervisor")
    avara_fake.fail_next_write = lambda request, fake: httpx.Response(
        400, json={"error": {"message": "Bad.", "fields": {"severity": "not allowed"}}}
    )

    result = services.study_edit(
        actor=supervisor, study_id=SID, changes={"severity": "stat"}, seen={"severity": "normal"}
    )

    assert (result.outcome, result.reason) == (Outcome.REFUSED, Reason.INVALID)
    assert result.field_errors == {"severity": "not allowed"}
    assert avara_fake.count("GET") == 1  # no settling read: Avara said no
    assert only_entry().outcome == "refused"


def test_a_create_whose_answer_was_lost_is_found_by_its_uid(avara_fake, settings):
    settings.AVARA_MAX_RETRIES = 0
    supervisor = actor("Supervisor")

    def created_then_lost(request, fake):
        fake._create(json.loads(request.content))
        raise httpx.ReadTimeout("answer lost", request=request)

    avara_fake.fail_next_write = created_then_lost
    values = {"severity": "stat", "study_description": "CT Head", "study_instance_uid": "1.2.3.4"}
    result = services.study_create(actor=supervisor, values=values)

    assert result.outcome is Outcome.APPLIED
    assert result.study.study_instance_uid == "1.2.3.4"
    entry = only_entry()
    assert (entry.outcome, entry.study_id) == ("applied", result.study.study_id)
