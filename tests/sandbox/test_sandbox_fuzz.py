"""Schemathesis against the sandbox's own OpenAPI documents (sandbox/openapi.json,
sandbox/openapi-control.json): generated valid and invalid requests for every
operation, through the sandbox's WSGI handler, each answer checked against the
document (status documented, body and headers valid, content type), no 5xx, invalid
input refused, and an operation that needs a key refusing a request without one.

Bounded and reproducible: hypothesis derandomized (a fixed seed derived from each
test's name), MAX_EXAMPLES per operation, no example database.
"""

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sandbox.documents import API_DOCUMENT, CONTROL_DOCUMENT
from sandbox.models import ApiUser, ExpressCustomer, Study

MAX_EXAMPLES = 12
EXAMPLE_ID = "1234567890abcdef1234567890abcdef"  # the documents' example ids
EXAMPLE_UID = "1.2.840.113619.2.55.3.604688119.868.1234567890.123"

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def _app():
    from sandbox.server import SandboxWSGIHandler

    return SandboxWSGIHandler()


api_schema = schemathesis.openapi.from_path(str(API_DOCUMENT))
api_schema.app = _app()
control_schema = schemathesis.openapi.from_path(str(CONTROL_DOCUMENT))
control_schema.app = api_schema.app


@pytest.fixture
def in_process():
    """Requests go straight to the WSGI handler inside the test's transaction: keep
    Django from closing that connection when each one ends (as its test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def examples(settings, in_process):
    """Rows behind the documents' example ids, so generated requests also reach
    existing studies, users and customers, not only 404s."""
    from django.utils import timezone

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    now = timezone.now()
    user = ApiUser.objects.create(
        user_id=f"usr_{EXAMPLE_ID}", email="example@example.org", first_name="Ex",
        last_name="Ample", created_at=now,
    )  # fmt: skip
    customer = ExpressCustomer.objects.create(customer_id=f"cus_{EXAMPLE_ID}", name="Example")
    Study.objects.create(
        study_id=f"stu_{EXAMPLE_ID}", study_instance_uid=EXAMPLE_UID, study_description="CT",
        severity="normal", created_at=now, updated_at=now, assigned_to=user,
        express_customer=customer,
    )  # fmt: skip


def _call_and_validate(case, key: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {key}"})
    excluded = [positive_data_acceptance] if _semantic_refusal(response) else []
    case.validate_response(
        response, headers={"Authorization": f"Bearer {key}"}, excluded_checks=excluded
    )


# Refusals a schema cannot express: the value is well formed but wrong for the state
# (a cursor the sandbox did not issue, a reference to nobody, times in the future...).
SEMANTIC = (
    "is invalid or has been tampered with",
    "is malformed",
    "was issued for different filters",
    " exists",  # "no user usr_... exists"
    "names a different study",
    "must not be in the future",
    "must not be after updatedAt",
    "give a status or latencyMs",
    "must be an email address",
    "only a cancelled study (isCancelled true) has one",
    "must be from createdAt to updatedAt",
)


def _semantic_refusal(response) -> bool:
    if response.status_code != 400:
        return False
    problems = response.json()["error"]["fields"].values()
    return bool(problems) and all(any(s in p for s in SEMANTIC) for p in problems)


@api_schema.parametrize()
@FUZZ
def test_the_api_keeps_its_document(case, examples):
    _call_and_validate(case, settings.SANDBOX_DEV_API_KEY)


# Reset re-seeds the whole sandbox: exercised by the control-plane tests, not fuzzed.
@control_schema.exclude(operation_id="controlReset").parametrize()
@FUZZ
def test_the_control_plane_keeps_its_document(case, examples):
    _call_and_validate(case, settings.SANDBOX_CONTROL_KEY)
