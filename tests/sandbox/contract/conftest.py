"""Contract tests: Avara's official Python client against the sandbox, over real HTTP.

Every test talks to the live sandbox (`sandbox_live_server`, tests/conftest.py)
through `avara.Avara` exactly as an integrator would, and asserts what that avara_client
sees: its typed models, its pager, its exception classes.
"""

import itertools
from datetime import UTC, datetime

import avara
import pytest
from django.conf import settings

from sandbox.models import ApiUser, ExpressCustomer
from sandbox.seeding import DEMO_EMAILS, seed_sandbox

SEED = 1
SEED_STUDIES = 300
# A fixed anchor keeps every seeded timestamp the same from one run to the next.
SEED_NOW = datetime(2026, 3, 1, tzinfo=UTC)

_uid_counter = itertools.count(1)


@pytest.fixture
def dev_key_info() -> dict:
    return settings.SANDBOX_API_KEYS[settings.SANDBOX_DEV_API_KEY]


@pytest.fixture
def avara_client(sandbox_live_server: str, sandbox_api_key: str):
    """The official client; no retries, so a 409/429/5xx surfaces at once."""
    with avara.Avara(base_url=sandbox_live_server, api_key=sandbox_api_key, max_retries=0) as c:
        yield c


@pytest.fixture
def seeded(sandbox_live_server: str):
    """The demo data the seed command writes: 300 studies, 12 users, 3 customers."""
    result = seed_sandbox(studies=SEED_STUDIES, seed=SEED, now=SEED_NOW)
    assert result.studies == SEED_STUDIES
    return result


@pytest.fixture
def radiologist(seeded) -> ApiUser:
    return ApiUser.objects.get(email=DEMO_EMAILS["radiologist"])


@pytest.fixture
def supervisor(seeded) -> ApiUser:
    return ApiUser.objects.get(email=DEMO_EMAILS["supervisor"])


@pytest.fixture
def customer(seeded) -> ExpressCustomer:
    return ExpressCustomer.objects.get(name="City Medical Center")


@pytest.fixture
def new_uid():
    """A fresh valid DICOM UID per call, under a root the seed never uses."""
    return lambda: f"1.2.826.0.1.3680043.10.543.999.{next(_uid_counter)}"
