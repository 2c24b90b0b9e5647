"""Deterministic demo data for the sandbox: users, Express customers and studies.

Everything is a pure function of the seed (and, for timestamps only, of the anchor
`now`): identifiers, DICOM UIDs, names, severities and states come from
`random.Random` instances seeded with strings such as ``"avara-sandbox/1/study/41"``,
never from `secrets`, `uuid4` or the clock.

- Study number *i* has its own generator, so study *i* is the same whatever the total
  asked for: seeding 300 and then 500 adds exactly studies 300..499, and seeding the
  same count twice adds nothing (rows are matched by `study_id`; a study changed
  through the API since is left as it is).
- Timestamps are offsets drawn from the same generator, applied to the anchor `now`
  (default: today's midnight UTC, see `default_now`). Same seed, count and anchor give
  byte-identical rows; a different anchor shifts every timestamp and nothing else.
- Users are matched by email and customers by name, so reseeding with another seed
  reuses the roster already there instead of failing on the unique email.

The roster's emails do not depend on the seed (the dashboard's demo accounts link to
them): see `DEMO_EMAILS` and `seed_users`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from sandbox.models import ApiUser, ExpressCustomer, Severity, Study, UserLevel, ViewerStatus

EMAIL_DOMAIN = "example.org"
# Organisation root for the sandbox's DICOM UIDs; each UID is <root>.<seed>.<n>.<random>.
UID_ROOT = "1.2.826.0.1.3680043.10.543"
MAX_SEED = 2**32 - 1
MAX_STUDIES = 999_999
WINDOW = timedelta(days=7)

# The dashboard's demo accounts (create_demo_accounts) link to these three users.
DEMO_EMAILS = {
    "radiologist": f"radiologist1@{EMAIL_DOMAIN}",
    "supervisor": f"supervisor@{EMAIL_DOMAIN}",
    "admin": f"admin@{EMAIL_DOMAIN}",
}


@dataclass(frozen=True)
class UserSpec:
    """One seeded user; `key` is the email's local part and never changes."""

    key: str
    first_name: str
    last_name: str
    clinic_role: str
    level: str = UserLevel.MEMBER
    can_manage_studies: bool = False
    middle_name: str = ""
    suffix1: str = ""
    suffix2: str = ""
    invited_source: str = "dashboard"

    @property
    def email(self) -> str:
        return f"{self.key}@{EMAIL_DOMAIN}"


# (first, middle, last, suffix2): nine radiologists, all "MD".
_RADIOLOGISTS = [
    ("Amelia", "", "Chen", ""),
    ("Marcus", "T.", "Okafor", "FACR"),
    ("Priya", "", "Raman", ""),
    ("Daniel", "", "Whitfield", ""),
    ("Sofia", "", "Alvarez", "PhD"),
    ("Jonathan", "K.", "Lee", ""),
    ("Hannah", "", "Kowalski", "FACR"),
    ("Omar", "", "Haddad", ""),
    ("Grace", "", "Nakamura", ""),
]

ROSTER: tuple[UserSpec, ...] = (
    *(
        UserSpec(
            key=f"radiologist{n}",
            first_name=first,
            middle_name=middle,
            last_name=last,
            suffix1="MD",
            suffix2=suffix2,
            clinic_role="Radiologist",
            invited_source="api" if n in (6, 9) else "dashboard",
        )
        for n, (first, middle, last, suffix2) in enumerate(_RADIOLOGISTS, start=1)
    ),
    UserSpec(
        key="supervisor",
        first_name="Elena",
        last_name="Petrova",
        suffix1="MD",
        suffix2="FACR",
        clinic_role="Radiologist",
        level=UserLevel.ADMIN,
        can_manage_studies=True,
    ),
    UserSpec(
        key="admin",
        first_name="Robert",
        last_name="Hayes",
        clinic_role="Administrative Director",
        level=UserLevel.OWNER,
        can_manage_studies=True,
    ),
    UserSpec(
        key="technologist",
        first_name="Maya",
        last_name="Johnson",
        suffix1="RT(R)",
        clinic_role="Imaging Technologist",
    ),
)

CUSTOMER_NAMES = (
    "City Medical Center",
    "Riverside Imaging Associates",
    "Northgate Orthopedic Clinic",
)

# (description, relative frequency): a general hospital's mix, plain radiography first.
DESCRIPTIONS: Sequence[tuple[str, int]] = (
    ("XR Chest PA and Lateral", 14),
    ("XR Chest 1 View Portable", 8),
    ("XR Knee 3 Views Right", 3),
    ("XR Hand 3 Views Left", 2),
    ("XR Lumbar Spine 2-3 Views", 3),
    ("CT Head without Contrast", 9),
    ("CT Chest/Abdomen/Pelvis with Contrast", 7),
    ("CT Abdomen/Pelvis with Contrast", 6),
    ("CT Chest without Contrast", 4),
    ("CTA Chest Pulmonary Embolism Protocol", 3),
    ("CT Cervical Spine without Contrast", 2),
    ("MRI Brain without Contrast", 4),
    ("MRI Brain with and without Contrast", 3),
    ("MR Lumbar Spine", 3),
    ("MRI Knee without Contrast Left", 2),
    ("MR Cervical Spine without Contrast", 1),
    ("US Abdomen Complete", 5),
    ("US Pelvis Transvaginal", 2),
    ("US Renal Complete", 2),
    ("US Venous Doppler Lower Extremity Bilateral", 2),
    ("Mammo Screening Bilateral", 5),
    ("Mammo Diagnostic Left", 1),
    ("NM Bone Scan Whole Body", 1),
    ("NM Myocardial Perfusion SPECT", 1),
    ("PET/CT Skull Base to Mid-Thigh", 1),
    ("FL Upper GI Series", 1),
)
_DESCRIPTION_NAMES = [d for d, _ in DESCRIPTIONS]
_DESCRIPTION_WEIGHTS = [w for _, w in DESCRIPTIONS]
_REFERRERS = ("Dr. Patel", "Dr. Moreno", "Dr. Fischer", "Dr. Osei", "Dr. Lindqvist", "Dr. Brooks")
_DEPARTMENTS = ("radiology", "emergency", "oncology", "orthopedics", "cardiology", "neurology")
# Work arrives mostly in the daytime: relative weight of each hour of the day (UTC).
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 9, 8, 8, 9, 9, 8, 6, 5, 4, 3, 2, 2, 1)


@dataclass(frozen=True)
class SeedResult:
    studies: int
    users: int
    customers: int
    new_studies: int
    new_users: int
    new_customers: int
    skipped_studies: int  # seeded ids whose UID was already taken by another study

    def summary(self) -> str:
        line = (
            f"Seeded {self.studies} studies, {self.users} users, {self.customers} customers "
            f"({self.new_studies} new studies, {self.new_users} new users, "
            f"{self.new_customers} new customers)"
        )
        if self.skipped_studies:
            line += f"; skipped {self.skipped_studies} whose UID already existed"
        return line


def default_now() -> datetime:
    """The default anchor: today's midnight UTC (stable all day long)."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _anchor(now: datetime | None) -> datetime:
    now = default_now() if now is None else now
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)


def _rng(seed: int, *parts: object) -> random.Random:
    # Demo data, not secrets: reproducibility is the point.
    return random.Random("/".join(["avara-sandbox", str(seed), *map(str, parts)]))  # noqa: S311


def _hex_id(prefix: str, rng: random.Random) -> str:
    return f"{prefix}_{rng.getrandbits(128):032x}"


def seed_users(seed: int, now: datetime | None = None) -> list[ApiUser]:
    """The twelve roster users as unsaved rows; ids derive from the seed, emails do not."""
    now = _anchor(now)
    users = []
    for n, spec in enumerate(ROSTER):
        rng = _rng(seed, "user", spec.key)
        user_id = _hex_id("usr", rng)
        users.append(
            ApiUser(
                user_id=user_id,
                email=spec.email,
                first_name=spec.first_name,
                middle_name=spec.middle_name,
                last_name=spec.last_name,
                suffix1=spec.suffix1,
                suffix2=spec.suffix2,
                level=spec.level,
                clinic_role=spec.clinic_role,
                can_manage_studies=spec.can_manage_studies,
                has_dashboard_access=True,
                invited_source=spec.invited_source,
                phone_number=f"+1-555-01{10 + n:02d}" if rng.random() < 0.5 else "",
                created_at=now
                - timedelta(days=rng.randint(30, 400), seconds=rng.randrange(86_400)),
                last_login_at=(
                    now - timedelta(seconds=rng.randrange(1, 5 * 86_400))
                    if rng.random() < 0.85
                    else None
                ),
            )
        )
    return users


def seed_customers(seed: int) -> list[ExpressCustomer]:
    return [
        ExpressCustomer(customer_id=_hex_id("cus", _rng(seed, "customer", name)), name=name)
        for name in CUSTOMER_NAMES
    ]


@dataclass(frozen=True)
class _Cast:
    """Who the studies point at, by role, as rows actually in the database."""

    radiologists: list[ApiUser]
    supervisor: ApiUser
    creators: list[ApiUser]
    customers: list[ExpressCustomer]


def _study(seed: int, index: int, now: datetime, cast: _Cast, api_key: tuple[str, str]) -> Study:
    rng = _rng(seed, "study", index)
    study_id = _hex_id("stu", rng)
    uid = f"{UID_ROOT}.{seed}.{index + 1}.{rng.randrange(1, 10**9)}"
    description = rng.choices(_DESCRIPTION_NAMES, _DESCRIPTION_WEIGHTS)[0]
    severity = rng.choices([Severity.NORMAL, Severity.HIGH, Severity.STAT], [70, 20, 10])[0]

    # States: 5% cancelled (half of them assigned), 25% complete (always assigned),
    # the rest assigned often enough that about 60% of all studies are assigned.
    cancelled = rng.random() < 0.05
    complete = not cancelled and rng.random() < 0.25 / 0.95
    assigned = complete or rng.random() < (0.5 if cancelled else 0.325 / 0.70)
    assignee = None
    if assigned:
        assignee = cast.supervisor if rng.random() < 0.08 else rng.choice(cast.radiologists)

    customer = None if rng.random() < 0.30 else rng.choices(cast.customers, [50, 30, 20])[0]
    by_user = rng.choice(cast.creators) if rng.random() < 0.12 else None

    day = rng.randrange(7)
    hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
    created = now - timedelta(days=day + 1) + timedelta(hours=hour, seconds=rng.randrange(3600))
    if cancelled:
        delay = rng.randrange(300, 24 * 3600)
    elif complete:
        delay = rng.randrange(1200, 36 * 3600)
    elif assigned:
        delay = rng.randrange(60, 3 * 3600)
    else:
        delay = 0
    updated = min(created + timedelta(seconds=delay), now)

    metadata = {}
    if rng.random() < 0.55:
        metadata = {
            "department": "emergency" if severity == Severity.STAT else rng.choice(_DEPARTMENTS),
            "accession": f"ACC{created:%y%m%d}{index + 1:06d}",
        }
        if rng.random() < 0.3:
            metadata["referringPhysician"] = rng.choice(_REFERRERS)

    return Study(
        study_id=study_id,
        study_instance_uid=uid,
        study_description=description,
        severity=severity,
        study_viewer_status=ViewerStatus.COMPLETE if complete else ViewerStatus.INCOMPLETE,
        is_cancelled=cancelled,
        cancelled_at=updated if cancelled else None,
        created_at=created,
        updated_at=updated,
        assigned_to=assignee,
        created_by_user=by_user,
        created_by_api_key_id="" if by_user else api_key[0],
        created_by_api_key_description="" if by_user else api_key[1],
        express_customer=customer,
        metadata=metadata,
    )


def dev_api_key() -> tuple[str, str]:
    """(id, description) of the first key in settings.SANDBOX_API_KEYS."""
    first = next(iter(settings.SANDBOX_API_KEYS.values()))
    return first["id"], first["description"]


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_users(seed: int, now: datetime) -> tuple[dict[str, ApiUser], int]:
    wanted = seed_users(seed, now)
    existing = {u.email: u for u in ApiUser.objects.filter(email__in=[u.email for u in wanted])}
    new = [u for u in wanted if u.email not in existing]
    ApiUser.objects.bulk_create(new)
    by_key = {u.email.split("@")[0]: existing.get(u.email, u) for u in wanted}
    return by_key, len(new)


def _ensure_customers(seed: int) -> tuple[list[ExpressCustomer], int]:
    wanted = seed_customers(seed)
    existing: dict[str, ExpressCustomer] = {}
    for customer in ExpressCustomer.objects.filter(name__in=CUSTOMER_NAMES).order_by("pk"):
        existing.setdefault(customer.name, customer)
    new = [c for c in wanted if c.name not in existing]
    ExpressCustomer.objects.bulk_create(new)
    return [existing.get(c.name, c) for c in wanted], len(new)


def seed_sandbox(*, studies: int, seed: int, now: datetime | None = None) -> SeedResult:
    """Make sure the first `studies` seeded studies (and the roster) exist; add the missing."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}")
    if not 0 <= studies <= MAX_STUDIES:
        raise ValueError(f"studies must be between 0 and {MAX_STUDIES}")
    now = _anchor(now)

    with transaction.atomic():
        users, new_users = _ensure_users(seed, now)
        customers, new_customers = _ensure_customers(seed)
        cast = _Cast(
            radiologists=[users[f"radiologist{n}"] for n in range(1, 10)],
            supervisor=users["supervisor"],
            creators=[users["technologist"], users["technologist"], users["supervisor"]],
            customers=customers,
        )
        api_key = dev_api_key()
        rows = [_study(seed, i, now, cast, api_key) for i in range(studies)]
        missing = []
        for chunk in _chunks(rows):
            ids = {s.study_id for s in chunk}
            have = set(Study.objects.filter(study_id__in=ids).values_list("study_id", flat=True))
            missing.extend(s for s in chunk if s.study_id not in have)
        taken = set()
        for chunk in _chunks(missing):
            uids = [s.study_instance_uid for s in chunk]
            taken.update(
                Study.objects.filter(study_instance_uid__in=uids).values_list(
                    "study_instance_uid", flat=True
                )
            )
        new = [s for s in missing if s.study_instance_uid not in taken]
        Study.objects.bulk_create(new, batch_size=500)

    return SeedResult(
        studies=studies - (len(missing) - len(new)),
        users=len(users),
        customers=len(customers),
        new_studies=len(new),
        new_users=new_users,
        new_customers=new_customers,
        skipped_studies=len(missing) - len(new),
    )
