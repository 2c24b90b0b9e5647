"""Sample values and Avara JSON bodies shared by the tests that mock Avara."""

BASE_URL = "http://avara.test"
API_KEY = "sk_test_TOPSECRET_0123456789abcdef"
STUDY_ID = "stu_1234567890abcdef1234567890abcdef"
USER_ID = "usr_1234567890abcdef1234567890abcdef"
CUSTOMER_ID = "cus_1234567890abcdef1234567890abcdef"
UID = "1.2.840.113619.2.55.3.604688119.868.1234567890.123"

# The example response of update-study-example.txt (shared/avara-api), verbatim.
EXAMPLE_STUDY = {
    "cancelledAt": None,
    "createdAt": "2024-03-15T10:30:00Z",
    "isCancelled": False,
    "severity": "high",
    "studyDescription": "CT Chest/Abdomen/Pelvis",
    "studyId": STUDY_ID,
    "studyInstanceUid": UID,
    "studyViewerStatus": "incomplete",
    "updatedAt": "2024-03-15T14:20:00Z",
    "assignedTo": {
        "email": "dr.smith@radiology.com",
        "userId": USER_ID,
        "firstName": "John",
        "lastName": "Smith",
        "middleName": "Robert",
        "suffix1": "MD",
        "suffix2": "FACR",
    },
    "createdByApiKey": {
        "apiKeyId": "550e8400-e29b-41d4-a716-446655440000",
        "description": "Production API Key",
        "isViewerEnabled": True,
    },
    "createdByUser": {
        "email": "dr.smith@radiology.com",
        "userId": USER_ID,
        "firstName": "John",
        "lastName": "Smith",
        "middleName": "Robert",
        "suffix1": "MD",
        "suffix2": "FACR",
    },
    "expressCustomer": {
        "expressCustomerId": CUSTOMER_ID,
        "expressCustomerName": "City Medical Center",
    },
    "metadata": {"department": "radiology", "priority": "urgent"},
}


def user_json(n: int, **overrides) -> dict:
    """A user object as Avara sends it; `n` makes ids and emails distinct."""
    body = {
        "userId": f"usr_{n:032x}",
        "email": f"user{n}@clinic.test",
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        "level": "member",
        "clinicRole": "Radiologist",
        "canManageStudies": True,
        "hasDashboardAccess": False,
        "invitedSource": "api",
        "createdAt": "2024-01-02T03:04:05Z",
        "lastLoginAt": None,
    }
    body.update(overrides)
    return body
