"""Models -> the camelCase JSON of the Viewer API, exactly as the reference shows it.

- Every required key is always present; nullable ones (`cancelledAt`, `assignedTo`,
  `createdByApiKey`, `createdByUser`, `expressCustomer`, `lastLoginAt`) are `null`
  when empty. `metadata` is always an object (`{}` when empty).
- Optional, non-nullable strings of a reference or a user (`middleName`, `suffix1`,
  `suffix2`, `phoneNumber`) are omitted when empty, as the reference types them
  `string` (optional), not `string | null`.
- Timestamps are ISO 8601 UTC with millisecond precision and a `Z`:
  `2024-03-15T10:30:00.000Z`.
"""

from datetime import UTC, datetime
from typing import Any

from sandbox.models import ApiUser, ExpressCustomer, Study


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _optional(data: dict[str, Any], **values: str) -> dict[str, Any]:
    data.update({key: value for key, value in values.items() if value})
    return data


def user_reference(user: ApiUser | None) -> dict[str, Any] | None:
    if user is None:
        return None
    data = {"userId": user.user_id, "email": user.email}
    return _optional(
        data,
        firstName=user.first_name,
        lastName=user.last_name,
        middleName=user.middle_name,
        suffix1=user.suffix1,
        suffix2=user.suffix2,
    )


def api_key_reference(study: Study) -> dict[str, Any] | None:
    if not study.created_by_api_key_id:
        return None
    return {
        "apiKeyId": study.created_by_api_key_id,
        "description": study.created_by_api_key_description,
        "isViewerEnabled": True,
    }


def customer_reference(customer: ExpressCustomer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {"expressCustomerId": customer.customer_id, "expressCustomerName": customer.name}


def study_json(study: Study) -> dict[str, Any]:
    return {
        "studyId": study.study_id,
        "studyInstanceUid": study.study_instance_uid,
        "studyDescription": study.study_description,
        "severity": study.severity,
        "studyViewerStatus": study.study_viewer_status,
        "isCancelled": study.is_cancelled,
        "cancelledAt": timestamp(study.cancelled_at),
        "createdAt": timestamp(study.created_at),
        "updatedAt": timestamp(study.updated_at),
        "assignedTo": user_reference(study.assigned_to),
        "createdByApiKey": api_key_reference(study),
        "createdByUser": user_reference(study.created_by_user),
        "expressCustomer": customer_reference(study.express_customer),
        "metadata": dict(study.metadata or {}),
    }


def user_json(user: ApiUser) -> dict[str, Any]:
    data = {
        "userId": user.user_id,
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
    }
    _optional(data, middleName=user.middle_name, suffix1=user.suffix1, suffix2=user.suffix2)
    data |= {
        "level": user.level,
        "clinicRole": user.clinic_role,
        "canManageStudies": user.can_manage_studies,
        "hasDashboardAccess": user.has_dashboard_access,
        "invitedSource": user.invited_source,
    }
    _optional(data, phoneNumber=user.phone_number)
    data |= {"createdAt": timestamp(user.created_at), "lastLoginAt": timestamp(user.last_login_at)}
    return data


def page_json(resource: str, items: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    return {resource: items, "cursor": cursor, "hasMore": cursor is not None}
