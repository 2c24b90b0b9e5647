"""The emulator's state: users, Express customers and studies, as Avara models them.

Field names are snake_case here; sandbox/wire.py turns them into the camelCase
wire format. Identifiers are stored exactly as they appear on the wire.
"""

import secrets

from django.db import models


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


class Severity(models.TextChoices):
    NORMAL = "normal"
    HIGH = "high"
    STAT = "stat"


class ViewerStatus(models.TextChoices):
    INCOMPLETE = "incomplete"
    COMPLETE = "complete"


class UserLevel(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class InvitedSource(models.TextChoices):
    DASHBOARD = "dashboard"
    API = "api"


class ApiUser(models.Model):
    """A user of the Avara organisation (`GET /v1/viewer/users`)."""

    user_id = models.CharField(primary_key=True, max_length=36)
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    suffix1 = models.CharField(max_length=100, blank=True)
    suffix2 = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=10, choices=UserLevel, default=UserLevel.MEMBER)
    clinic_role = models.CharField(max_length=100, default="Radiologist")
    can_manage_studies = models.BooleanField(default=False)
    has_dashboard_access = models.BooleanField(default=True)
    invited_source = models.CharField(
        max_length=10, choices=InvitedSource, default=InvitedSource.DASHBOARD
    )
    phone_number = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField()
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-user_id"]
        indexes = [models.Index(fields=["-created_at", "-user_id"], name="sbx_user_order")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


class ExpressCustomer(models.Model):
    customer_id = models.CharField(primary_key=True, max_length=36)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Study(models.Model):
    study_id = models.CharField(primary_key=True, max_length=36)
    study_instance_uid = models.CharField(max_length=64, unique=True)
    study_description = models.CharField(max_length=1000)
    severity = models.CharField(max_length=10, choices=Severity)
    study_viewer_status = models.CharField(
        max_length=12, choices=ViewerStatus, default=ViewerStatus.INCOMPLETE
    )
    is_cancelled = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    assigned_to = models.ForeignKey(
        ApiUser, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_studies"
    )
    created_by_user = models.ForeignKey(
        ApiUser, null=True, blank=True, on_delete=models.PROTECT, related_name="created_studies"
    )
    # The API key that created the study (id and description snapshot), if any.
    created_by_api_key_id = models.CharField(max_length=36, blank=True)
    created_by_api_key_description = models.CharField(max_length=200, blank=True)
    express_customer = models.ForeignKey(
        ExpressCustomer, null=True, blank=True, on_delete=models.PROTECT, related_name="studies"
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        # Newest first, id as tie-break: the list order and the keyset of its cursor.
        ordering = ["-created_at", "-study_id"]
        indexes = [
            models.Index(fields=["-created_at", "-study_id"], name="sbx_study_order"),
            models.Index(
                fields=["is_cancelled", "-created_at", "-study_id"], name="sbx_study_cancel_order"
            ),
            models.Index(
                fields=["assigned_to", "-created_at", "-study_id"], name="sbx_study_assignee_order"
            ),
            models.Index(
                fields=["severity", "-created_at", "-study_id"], name="sbx_study_severity_order"
            ),
            models.Index(
                fields=["express_customer", "-created_at", "-study_id"],
                name="sbx_study_customer_order",
            ),
            models.Index(
                fields=["study_viewer_status", "-created_at", "-study_id"],
                name="sbx_study_status_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id} {self.study_description}"


# --- Control plane state (see sandbox/control/): shared by every worker through the database.


class ClockState(models.Model):
    """The test clock: one row (id 1) holding how far the sandbox's clock runs ahead of
    real time. No row means no offset."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    offset_ms = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"clock +{self.offset_ms} ms"


class FaultRule(models.Model):
    """A fault configured at run time: requests whose method and path match get the
    latency and/or the status, with probability `rate`, `remaining` more times
    (None = until removed)."""

    fault_id = models.CharField(primary_key=True, max_length=36)
    method = models.CharField(max_length=10)  # an HTTP method, or "*"
    path = models.CharField(max_length=500)  # a glob over the request path
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    rate = models.FloatField(default=1.0)
    latency_ms = models.PositiveIntegerField(default=0)
    remaining = models.PositiveIntegerField(null=True, blank=True)
    fired = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "fault_id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status or 'latency'}"


class RequestRecord(models.Model):
    """One request the sandbox answered (the control plane's own are not recorded)."""

    id = models.BigAutoField(primary_key=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    query = models.TextField(blank=True)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.FloatField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
