"""Role x URL x method for saved lists that are not the user's own: another user's
private list is never visible or changeable (not found, its existence not told); a list
published to another role is the same; a list published to the user's own role is seen,
opened, copied and landed on, never changed. Every refused change is audited; nothing
is changed. Checked on the server, for every role and every list route."""

import pytest
from view_helpers import hx, text

from studies.accounts.roles import ADMIN, RADIOLOGIST, ROLES, SUPERVISOR
from studies.models import AuditEntry, SavedWorklist, WorklistLanding

from .routes_table import ROUTES

pytestmark = pytest.mark.stores

# Every route that names one list, with what it is sent.
ON_ONE_LIST = {
    "studies:list_open": ("get", "/lists/{pk}", {}),
    "studies:list_rename": ("post", "/lists/{pk}/rename", {"name": "Taken over"}),
    "studies:list_delete": ("post", "/lists/{pk}/delete", {}),
    "studies:list_copy": ("post", "/lists/{pk}/copy", {}),
    "studies:list_publish": ("post", "/lists/{pk}/publish", {"role": ADMIN}),
    "studies:list_landing": ("post", "/lists/landing", {"list": "{pk}"}),
}
CHANGES = {"studies:list_rename", "studies:list_delete", "studies:list_publish"}


def test_every_route_on_one_list_is_checked_here():
    named = {name for name in ROUTES if name.startswith("studies:list_")}

    assert named - {"studies:list_create", "studies:list_menu"} == set(ON_ONE_LIST)


def _someone_elses(make_account, *, role: str = ""):
    owner = make_account(ADMIN, username="owner", avara_user_id="")
    return SavedWorklist.objects.create(
        owner=owner, name="Owner's list", page="worklist", query="severity=stat", role=role
    )


def _request(client, name: str, pk: int):
    method, path, data = ON_ONE_LIST[name]
    data = {k: v.replace("{pk}", str(pk)) for k, v in data.items()}
    return getattr(client, method)(path.replace("{pk}", str(pk)), data)


def _unchanged(saved) -> None:
    now = SavedWorklist.objects.get(pk=saved.pk)
    assert (now.name, now.query, now.role, now.owner_id) == (
        saved.name,
        saved.query,
        saved.role,
        saved.owner_id,
    )


@pytest.mark.parametrize("published_to", ["", "other-role"], ids=["private", "another-role"])
@pytest.mark.parametrize("name", list(ON_ONE_LIST))
@pytest.mark.parametrize("role", ROLES)
def test_a_list_the_user_may_not_see_is_not_found(
    login, make_account, avara, role, name, published_to
):
    other_role = next(r for r in ROLES if r != role)
    saved = _someone_elses(make_account, role=other_role if published_to else "")
    client = login(role)

    response = _request(client, name, saved.pk)

    if name == "studies:list_publish" and role != ADMIN:
        assert response.status_code == 403  # the role may not publish at all
    else:
        assert response.status_code == 404
        assert "No such saved list" in text(response)
    _unchanged(saved)
    assert SavedWorklist.objects.count() == 1  # nothing copied
    assert not WorklistLanding.objects.exists()
    if ON_ONE_LIST[name][0] == "post":
        entry = AuditEntry.objects.get()
        assert (entry.outcome, entry.actor) == ("refused", client.user)
    else:
        assert not AuditEntry.objects.exists()
    assert avara.calls.call_count == 0


@pytest.mark.parametrize("name", list(ON_ONE_LIST))
@pytest.mark.parametrize("role", ROLES)
def test_a_list_published_to_the_users_role_is_used_never_changed(
    login, make_account, avara, role, name
):
    saved = _someone_elses(make_account, role=role)
    client = login(role)

    response = _request(client, name, saved.pk)

    _unchanged(saved)
    if name in CHANGES:
        assert response.status_code == 403
        assert AuditEntry.objects.get().outcome == "refused"
        assert SavedWorklist.objects.count() == 1
    else:
        assert response.status_code == 302
    if name == "studies:list_copy":
        assert SavedWorklist.objects.get(owner=client.user).query == saved.query
    if name == "studies:list_landing":
        assert WorklistLanding.objects.get(user=client.user).worklist == saved


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_never_show_anyone_elses_private_list(login, make_account, avara, role):
    _someone_elses(make_account)
    client = login(role)

    page = text(client.get("/lists/"))
    menu = text(client.get("/lists/menu", headers=hx()))

    assert "Owner&#x27;s list" not in page and "Owner's list" not in page
    assert "Owner&#x27;s list" not in menu and "Owner's list" not in menu


def test_a_landing_on_a_list_no_longer_seen_is_not_followed(login, make_account, avara):
    """Landed on a list published to the role, then published elsewhere: the default."""
    saved = _someone_elses(make_account, role=SUPERVISOR)
    client = login(SUPERVISOR)
    client.post("/lists/landing", {"list": saved.pk})
    SavedWorklist.objects.filter(pk=saved.pk).update(role=RADIOLOGIST)

    assert client.get("/start")["Location"] == "/workload"  # the role's own landing
