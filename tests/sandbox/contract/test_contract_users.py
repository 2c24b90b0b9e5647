"""client.viewer.users.list / retrieve against the seeded roster."""

import pytest

from sandbox.models import ApiUser
from sandbox.seeding import DEMO_EMAILS

USER_FIELDS = {
    "userId",
    "email",
    "firstName",
    "lastName",
    "level",
    "clinicRole",
    "canManageStudies",
    "hasDashboardAccess",
    "invitedSource",
    "createdAt",
    "lastLoginAt",
}


def test_list_users_shows_the_roster(avara_client, seeded):
    users = {u.email: u for u in avara_client.viewer.users.list(limit=100)}
    radiologists = [u for e, u in users.items() if e.startswith("radiologist")]

    assert len(users) == 12
    assert len(radiologists) == 9
    for r in radiologists:
        assert (r.clinic_role, r.suffix1, r.level, r.can_manage_studies) == (
            "Radiologist",
            "MD",
            "member",
            False,
        )
        assert r.user_id.startswith("usr_") and len(r.user_id) == 36
    supervisor = users[DEMO_EMAILS["supervisor"]]
    assert (supervisor.level, supervisor.can_manage_studies, supervisor.suffix2) == (
        "admin",
        True,
        "FACR",
    )
    assert users[DEMO_EMAILS["admin"]].level == "owner"
    assert users["technologist@example.org"].clinic_role == "Imaging Technologist"


def test_user_wire_fields(avara_client, seeded):
    raw = avara_client.viewer.users.with_raw_response.list(email=DEMO_EMAILS["radiologist"])
    body = raw.http_response.json()

    assert set(body) == {"users", "cursor", "hasMore"}
    assert len(body["users"]) == 1
    user = body["users"][0]
    assert set(user) >= USER_FIELDS
    assert set(user) - USER_FIELDS <= {"middleName", "suffix1", "suffix2", "phoneNumber"}
    assert user["createdAt"].endswith("Z")


def test_retrieve_user_matches_the_list_and_the_db(avara_client, seeded):
    row = ApiUser.objects.get(email=DEMO_EMAILS["supervisor"])
    listed = next(iter(avara_client.viewer.users.list(email=row.email)))

    user = avara_client.viewer.users.retrieve(row.user_id)

    assert user.model_dump() == listed.model_dump()
    assert (user.user_id, user.first_name, user.last_name) == (row.user_id, "Elena", "Petrova")
    assert user.created_at == row.created_at
    assert user.last_login_at == row.last_login_at
    assert user.invited_source == row.invited_source
    assert user.has_dashboard_access is True


@pytest.mark.parametrize(
    ("filters", "emails"),
    [
        ({"email": "supervisor@example.org"}, {"supervisor@example.org"}),
        ({"email": "supervisor@example"}, set()),
        ({"level": "owner"}, {"admin@example.org"}),
        ({"level": "admin"}, {"supervisor@example.org"}),
        (
            {"first_name": "an"},
            {"radiologist4@example.org", "radiologist6@example.org", "radiologist7@example.org"},
        ),
        ({"last_name": "son"}, {"technologist@example.org"}),
        ({"invited_source": "api"}, {"radiologist6@example.org", "radiologist9@example.org"}),
    ],
    ids=["email", "email-is-exact", "owner", "admin", "first-name", "last-name", "invited-api"],
)
def test_list_users_filters(avara_client, seeded, filters, emails):
    assert {u.email for u in avara_client.viewer.users.list(limit=100, **filters)} == emails


def test_list_members(avara_client, seeded):
    members = {u.email for u in avara_client.viewer.users.list(level="member", limit=100)}

    assert members == {
        *(f"radiologist{n}@example.org" for n in range(1, 10)),
        "technologist@example.org",
    }
