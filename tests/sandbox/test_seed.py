"""The seed_sandbox command: deterministic, idempotent, realistic demo data."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import CommandError, call_command

from sandbox.models import ApiUser, ExpressCustomer, Study
from sandbox.seeding import DEMO_EMAILS, UID_ROOT, default_now, seed_sandbox, seed_users

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, tzinfo=UTC)
DICOM_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
HEX_ID = {prefix: re.compile(rf"^{prefix}_[0-9a-f]{{32}}$") for prefix in ("stu", "usr", "cus")}


def dump() -> str:
    """Every seeded row of the three tables, serialised: equal strings = identical data."""
    return "".join(
        serializers.serialize("json", model.objects.order_by("pk"))
        for model in (ApiUser, ExpressCustomer, Study)
    )


def wipe() -> None:
    Study.objects.all().delete()
    ApiUser.objects.all().delete()
    ExpressCustomer.objects.all().delete()


def seed(studies: int, seed: int = 1, **kwargs) -> str:
    out = StringIO()
    call_command("seed_sandbox", studies=studies, seed=seed, stdout=out, **kwargs)
    return out.getvalue()


def test_same_seed_gives_byte_identical_rows_in_fresh_databases():
    seed(300, seed=7, now="2026-03-01T00:00:00Z")
    first = dump()
    wipe()
    seed(300, seed=7, now="2026-03-01T00:00:00Z")

    assert dump() == first
    assert Study.objects.count() == 300


def test_another_seed_gives_other_ids_and_uids():
    seed_sandbox(studies=200, seed=1, now=NOW)
    ids_1 = set(Study.objects.values_list("study_id", flat=True))
    uids_1 = set(Study.objects.values_list("study_instance_uid", flat=True))
    users_1 = set(ApiUser.objects.values_list("user_id", flat=True))
    wipe()
    seed_sandbox(studies=200, seed=2, now=NOW)

    assert ids_1.isdisjoint(Study.objects.values_list("study_id", flat=True))
    assert uids_1.isdisjoint(Study.objects.values_list("study_instance_uid", flat=True))
    assert users_1.isdisjoint(ApiUser.objects.values_list("user_id", flat=True))


def test_ids_do_not_depend_on_the_process():
    """Pinned values: string seeds are hashed with SHA-512, not Python's salted hash()."""
    seed_sandbox(studies=1, seed=1, now=NOW)
    study = Study.objects.get()

    assert study.study_id == "stu_dd39639a6af2c03b11e56ead96635156"
    assert ApiUser.objects.get(email=DEMO_EMAILS["radiologist"]).user_id == (
        "usr_44dd15c24cca0e885de385af7003ff6c"
    )


def test_running_twice_creates_nothing_new():
    out_1 = seed(250, seed=3)
    before = dump()
    out_2 = seed(250, seed=3)

    assert out_1.startswith(
        "Seeded 250 studies, 12 users, 3 customers (250 new studies, 12 new users, 3 new customers)"
    )
    assert out_2.startswith(
        "Seeded 250 studies, 12 users, 3 customers (0 new studies, 0 new users, 0 new customers)"
    )
    assert dump() == before


def test_a_larger_count_adds_only_the_missing_studies():
    seed_sandbox(studies=100, seed=5, now=NOW)
    small = {s["study_id"]: s for s in Study.objects.values()}
    result = seed_sandbox(studies=160, seed=5, now=NOW)
    grown = dump()

    assert (result.new_studies, result.new_users, result.new_customers) == (60, 0, 0)
    assert Study.objects.count() == 160
    for row in Study.objects.filter(study_id__in=small).values():
        assert row == small[row["study_id"]]

    # ...and the 160 are exactly those a single run of 160 makes.
    wipe()
    seed_sandbox(studies=160, seed=5, now=NOW)
    assert dump() == grown


def test_reseeding_leaves_studies_changed_since_alone():
    seed_sandbox(studies=50, seed=1, now=NOW)
    study = Study.objects.order_by("pk").first()
    Study.objects.filter(pk=study.pk).update(severity="stat", study_description="Changed")
    seed_sandbox(studies=50, seed=1, now=NOW)

    study.refresh_from_db()
    assert (study.severity, study.study_description) == ("stat", "Changed")
    assert Study.objects.count() == 50


def test_a_second_seed_reuses_the_roster_and_adds_its_studies():
    seed_sandbox(studies=40, seed=1, now=NOW)
    users = list(ApiUser.objects.order_by("pk").values())
    result = seed_sandbox(studies=40, seed=2, now=NOW)

    assert (result.new_studies, result.new_users, result.new_customers) == (40, 0, 0)
    assert Study.objects.count() == 80
    assert list(ApiUser.objects.order_by("pk").values()) == users
    assert ExpressCustomer.objects.count() == 3
    assert set(Study.objects.exclude(assigned_to=None).values_list("assigned_to", flat=True)) <= {
        u["user_id"] for u in users
    }


def test_the_anchor_shifts_timestamps_and_nothing_else():
    seed_sandbox(studies=30, seed=1, now=NOW)
    at_now = {s["study_id"]: s for s in Study.objects.values()}
    wipe()
    seed_sandbox(studies=30, seed=1, now=NOW + timedelta(days=10))

    for row in Study.objects.values():
        before = at_now[row["study_id"]]
        assert row["created_at"] - before["created_at"] == timedelta(days=10)
        assert row["study_instance_uid"] == before["study_instance_uid"]
        assert row["assigned_to_id"] == before["assigned_to_id"]


def test_default_anchor_is_todays_midnight_utc():
    midnight = default_now()
    seed(200, seed=4)
    span = Study.objects.values_list("created_at", flat=True)

    assert midnight == datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert min(span) >= midnight - timedelta(days=7)
    assert max(span) < midnight


@pytest.mark.parametrize(
    "options",
    [{"seed": -1}, {"studies": -5}, {"now": "yesterday"}],
    ids=["negative-seed", "negative-count", "bad-now"],
)
def test_bad_options_are_refused(options):
    with pytest.raises(CommandError):
        call_command("seed_sandbox", stdout=StringIO(), **{"studies": 1, "seed": 1, **options})
    assert Study.objects.count() == 0


def test_distribution_of_2000_studies():
    seed_sandbox(studies=2000, seed=11, now=NOW)
    studies = list(Study.objects.all())
    n = len(studies)
    severity = Counter(s.severity for s in studies)

    def share(predicate) -> float:
        return sum(1 for s in studies if predicate(s)) / n

    assert n == 2000
    assert severity["normal"] / n == pytest.approx(0.70, abs=0.04)
    assert severity["high"] / n == pytest.approx(0.20, abs=0.03)
    assert severity["stat"] / n == pytest.approx(0.10, abs=0.025)
    assert share(lambda s: s.express_customer_id is None) == pytest.approx(0.30, abs=0.04)
    assert share(lambda s: s.assigned_to_id is not None) == pytest.approx(0.60, abs=0.04)
    assert share(lambda s: s.study_viewer_status == "complete") == pytest.approx(0.25, abs=0.04)
    assert share(lambda s: s.is_cancelled) == pytest.approx(0.05, abs=0.02)
    assert share(lambda s: s.metadata) == pytest.approx(0.55, abs=0.05)
    assert share(lambda s: s.created_by_user_id is not None) == pytest.approx(0.12, abs=0.03)
    assert len({s.study_description for s in studies}) >= 20
    assert Counter(s.study_description for s in studies).most_common(1)[0][0] == (
        "XR Chest PA and Lateral"
    )
    # Work spread over all seven days, every customer and every radiologist used.
    assert len({s.created_at.date() for s in studies}) == 7
    assert len({s.express_customer_id for s in studies} - {None}) == 3
    assignees = ApiUser.objects.filter(assigned_studies__isnull=False).distinct()
    assert {u.email for u in assignees} >= {f"radiologist{n}@example.org" for n in range(1, 10)}


def test_every_uid_is_a_valid_unique_dicom_uid():
    seed_sandbox(studies=2000, seed=4_294_967_295, now=NOW)
    uids = list(Study.objects.values_list("study_instance_uid", flat=True))

    assert len(set(uids)) == len(uids) == 2000
    for uid in uids:
        assert DICOM_UID.match(uid), uid
        assert len(uid) <= 64, uid
        assert uid.startswith(UID_ROOT + ".")


def test_identifiers_and_timestamps_are_well_formed():
    seed_sandbox(studies=1000, seed=9, now=NOW)
    dev_key = next(iter(settings.SANDBOX_API_KEYS.values()))

    for s in Study.objects.all():
        assert HEX_ID["stu"].match(s.study_id)
        assert NOW - timedelta(days=7) <= s.created_at < NOW
        assert s.created_at <= s.updated_at <= NOW
        assert (s.cancelled_at is not None) == s.is_cancelled
        if s.is_cancelled:
            assert s.created_at <= s.cancelled_at <= s.updated_at
        if s.study_viewer_status == "complete":
            assert s.assigned_to_id is not None and not s.is_cancelled
        # Created either through the dev API key or by a user, never both or neither.
        if s.created_by_user_id is None:
            assert s.created_by_api_key_id == dev_key["id"]
            assert s.created_by_api_key_description == dev_key["description"]
        else:
            assert s.created_by_api_key_id == s.created_by_api_key_description == ""
        for key, value in s.metadata.items():
            assert isinstance(key, str) and isinstance(value, str)
        if s.metadata:
            assert s.metadata["accession"].startswith("ACC")
    accessions = [s.metadata["accession"] for s in Study.objects.exclude(metadata={})]
    assert len(set(accessions)) == len(accessions)
    for user in ApiUser.objects.all():
        assert HEX_ID["usr"].match(user.user_id)
        assert user.created_at < NOW - timedelta(days=29)
        assert user.last_login_at is None or user.last_login_at < NOW
    for customer in ExpressCustomer.objects.all():
        assert HEX_ID["cus"].match(customer.customer_id)


def test_roster():
    seed_sandbox(studies=0, seed=1, now=NOW)
    users = {u.email: u for u in ApiUser.objects.all()}
    radiologists = [u for u in users.values() if u.email.startswith("radiologist")]

    assert len(users) == 12
    assert len(radiologists) == 9
    for r in radiologists:
        assert (r.clinic_role, r.suffix1, r.level) == ("Radiologist", "MD", "member")
    assert {r.suffix2 for r in radiologists} >= {"", "FACR"}
    supervisor = users[DEMO_EMAILS["supervisor"]]
    assert (supervisor.level, supervisor.can_manage_studies) == ("admin", True)
    assert supervisor.clinic_role in {"Radiologist", "Physician"}
    assert users[DEMO_EMAILS["admin"]].level in {"owner", "admin"}
    assert users[DEMO_EMAILS["radiologist"]].clinic_role == "Radiologist"
    assert users["technologist@example.org"].clinic_role == "Imaging Technologist"
    assert sorted(ExpressCustomer.objects.values_list("name", flat=True)) == [
        "City Medical Center",
        "Northgate Orthopedic Clinic",
        "Riverside Imaging Associates",
    ]
    # seed_users() describes exactly what was stored.
    assert {u.email: u.user_id for u in seed_users(1, NOW)} == {
        e: u.user_id for e, u in users.items()
    }
