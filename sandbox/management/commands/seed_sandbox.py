"""Fill the sandbox database with deterministic demo data.

    python -m sandbox seed_sandbox --studies 300 --seed 1 [--now 2026-03-01T00:00:00Z]

Writes to the sandbox's database (SANDBOX_DATABASE_URL).

Deterministic: ids, DICOM UIDs, names and states come from `random.Random` seeded
with the seed (see sandbox/seeding.py); timestamps are offsets from the anchor
`--now`, which defaults to today's midnight UTC, so the studies are spread over the
seven days before it and the data stays the same all day. Same --studies, --seed and
--now give byte-identical rows.

Idempotent: rerunning creates nothing; a larger --studies adds only the studies
missing (study number i is the same whatever the total); users are matched by email
and customers by name.

The roster (twelve users, emails independent of the seed, domain example.org):

    radiologist1@example.org .. radiologist9@example.org
        Radiologist, level member, suffix MD (radiologist2 and 7 also FACR,
        radiologist5 also PhD)
    supervisor@example.org    Elena Petrova, MD, FACR: Radiologist, level admin,
                              canManageStudies true
    admin@example.org         Robert Hayes: Administrative Director, level owner,
                              canManageStudies true
    technologist@example.org  Maya Johnson, RT(R): Imaging Technologist, level member

The dashboard's demo accounts link to radiologist1@, supervisor@ and admin@
(`sandbox.seeding.DEMO_EMAILS`). Express customers: City Medical Center, Riverside
Imaging Associates, Northgate Orthopedic Clinic.
"""

from datetime import datetime
from time import perf_counter

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.seeding import MAX_SEED, MAX_STUDIES, seed_sandbox


def _iso_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now must be an ISO 8601 date-time, not {value!r}") from exc


class Command(BaseCommand):
    help = "Seed the sandbox with deterministic users, Express customers and studies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--studies", type=int, default=300, help="how many studies (300)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--now",
            default=None,
            help="anchor of the 7-day window, ISO 8601 (default: today's midnight UTC)",
        )

    def handle(self, *args, studies: int, seed: int, now: str | None, **options) -> None:
        if not 0 <= studies <= MAX_STUDIES:
            raise CommandError(f"--studies must be between 0 and {MAX_STUDIES}")
        if not 0 <= seed <= MAX_SEED:
            raise CommandError(f"--seed must be between 0 and {MAX_SEED}")
        started = perf_counter()
        result = seed_sandbox(studies=studies, seed=seed, now=_iso_datetime(now))
        elapsed = perf_counter() - started
        self.stdout.write(f"{result.summary()} in {elapsed:.2f} s")
