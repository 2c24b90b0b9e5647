"""Skip (studies/services/reading.py): each skip is noted on its own and lapses on its own;
a skip the store could not note is said, not hidden. (Ten skips at once across two
processes: tests/integration/test_races.py; Read next's order: tests/integration/test_queue.py.)
"""

import time

import pytest

from studies import services
from studies.models import AuditEntry
from studies.services import Outcome, reading

from .fake_avara import FakeAvara
from .test_edits import actor

pytestmark = [pytest.mark.django_db, pytest.mark.stores]

FIRST, SECOND = "stu_" + "1" * 32, "stu_" + "2" * 32
MINUTE = 60.0


@pytest.fixture
def two_studies(avara) -> FakeAvara:
    fake = FakeAvara(avara)
    for study_id in (FIRST, SECOND):
        fake.add(study_id, severity="stat", studyViewerStatus="incomplete")
    return fake


@pytest.fixture
def clock(monkeypatch):
    """The time the skips are dated and read at, moved by the test."""
    now = [time.time()]
    monkeypatch.setattr(reading.time, "time", lambda: now[0])
    return now


def test_each_skip_lapses_an_hour_after_it_was_made_not_after_the_last_one(
    two_studies, clock, settings
):
    settings.TRIAGE_SKIP_SECONDS = 3600
    reader = actor("Radiologist")

    assert services.study_skip(actor=reader, study_id=FIRST, reason="Other").ok
    clock[0] += 40 * MINUTE
    assert services.study_skip(actor=reader, study_id=SECOND, reason="Other").ok
    assert services.skipped_by(reader) == {FIRST, SECOND}

    clock[0] += 21 * MINUTE  # 61 min after the first skip, 21 after the second

    assert services.skipped_by(reader) == {SECOND}
    assert reading.skips_of(reader)[SECOND] == pytest.approx(clock[0] + 39 * MINUTE)
    assert services.skipped_by(actor("Radiologist", username="another")) == set()


def test_a_skip_the_store_cannot_note_is_said_and_still_audited(two_studies, monkeypatch):
    monkeypatch.setattr(reading, "notes_put", lambda *args, **kwargs: False)
    reader = actor("Radiologist")

    result = services.study_skip(actor=reader, study_id=FIRST, reason="Conflict of interest")

    assert result.outcome is Outcome.APPLIED
    assert "Read next may offer this study to you again" in result.message
    assert services.skipped_by(reader) == set()
    entry = AuditEntry.objects.get(action="skip")
    assert (entry.study_id, entry.detail, entry.outcome) == (
        FIRST,
        "Conflict of interest",
        "applied",
    )
