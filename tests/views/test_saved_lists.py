"""Saved worklists through the pages: save the view on screen, open it (its filters
checked again), rename, delete, copy, publish to a role, land on one; the top bar's
menu with counts from the queue's picture; every change audited."""

import httpx
import pytest
from django.contrib.messages import get_messages
from view_helpers import STUDIES, audits, hx, only_audit, page_json, study_json, text

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.models import AuditEntry, SavedWorklist, WorklistLanding

pytestmark = pytest.mark.stores


@pytest.fixture(autouse=True)
def no_open_work(avara):
    """Avara's list, empty unless a test says otherwise: the queue's picture that the
    lists page and the menu count from is empty."""
    avara.get(STUDIES).respond(json=page_json())


def _said(response) -> str:
    return " ".join(m.message for m in get_messages(response.wsgi_request))


def _save(client, name: str, query: str, page: str = "worklist"):
    return client.post("/lists/new", {"name": name, "page": page, "query": query})


def test_saving_keeps_the_filters_only_normalised_and_opens_them(login, avara):
    client = login(SUPERVISOR)

    response = _save(
        client,
        "  STAT   to read ",
        "c=abc&p=3&status=incomplete&limit=25&severity=stat&cancelled=active",
    )

    saved = SavedWorklist.objects.get()
    assert (saved.name, saved.page, saved.owner) == ("STAT to read", "worklist", client.user)
    assert saved.query == "severity=stat&status=incomplete"  # one order, no page, no defaults
    assert response.status_code == 302
    assert response["Location"] == "/?severity=stat&status=incomplete"
    assert _said(response) == "Saved \u201cSTAT to read\u201d."
    entry = only_audit()
    assert (entry.action, entry.outcome, entry.actor) == ("list_save", "applied", client.user)
    assert entry.after["query"] == saved.query and entry.after["name"] == "STAT to read"
    assert avara.calls.call_count == 0


def test_the_queue_keeps_its_view(login, avara):
    client = login(RADIOLOGIST)

    response = _save(client, "Mine", "show=mine&page=4", page="queue")

    assert SavedWorklist.objects.get().query == "show=mine"
    assert response["Location"] == "/queue?show=mine"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "Give the list a name."),
        ("x" * 81, "at most 80 characters"),
        ("Two\u202elines", "one line of visible text"),
    ],
)
def test_a_bad_name_is_refused_keeping_what_was_typed(login, avara, name, problem):
    client = login(SUPERVISOR)

    response = _save(client, name, "severity=stat")

    assert response.status_code == 400
    page = text(response)
    assert problem in page
    assert 'name="query" value="severity=stat"' in page  # Save again keeps the filters
    assert not SavedWorklist.objects.exists()
    entry = only_audit()
    assert (entry.action, entry.outcome) == ("list_save", "refused")
    assert problem in entry.detail


def test_a_name_is_used_once_per_person_whatever_its_case(login, avara):
    client = login(SUPERVISOR)
    _save(client, "Night shift", "severity=stat")

    again = _save(client, "night SHIFT", "severity=high")
    other = _save(login(ADMIN), "Night shift", "severity=high")  # someone else may

    assert again.status_code == 400
    assert "You already have a list named \u201cnight SHIFT\u201d" in text(again)
    assert other.status_code == 302
    assert SavedWorklist.objects.count() == 2


def test_a_malformed_filter_is_dropped_when_saving_and_said_when_opening(login, avara):
    client = login(SUPERVISOR)
    _save(client, "Acme", "customer=acme&severity=stat")  # a customer id that is not one
    saved = SavedWorklist.objects.get()
    SavedWorklist.objects.filter(pk=saved.pk).update(query="severity=stat&customer=acme&limit=7")

    response = client.get(f"/lists/{saved.pk}")

    assert saved.query == "severity=stat"
    assert response["Location"] == "/?severity=stat"
    said = _said(response)
    assert "\u201cAcme\u201d: some of its filters no longer apply and were left out" in said
    assert "Customer: Not a valid customer." in said and "Per page:" in said


def test_a_published_filter_the_role_may_not_use_is_left_out_and_said(login, avara):
    admin = login(ADMIN)
    _save(admin, "Cancelled", "cancelled=cancelled&severity=stat")
    saved = SavedWorklist.objects.get()
    admin.post(f"/lists/{saved.pk}/publish", {"role": RADIOLOGIST})

    response = login(RADIOLOGIST).get(f"/lists/{saved.pk}")

    assert response["Location"] == "/?severity=stat"
    assert "Show: your role does not see cancelled studies." in _said(response)


def test_rename_delete_and_copy(login, avara):
    client = login(SUPERVISOR)
    _save(client, "First", "severity=stat")
    saved = SavedWorklist.objects.get()

    renamed = client.post(f"/lists/{saved.pk}/rename", {"name": "STAT"})
    copied = client.post(f"/lists/{saved.pk}/copy")
    client.post(f"/lists/{saved.pk}/copy")  # a second copy
    names = sorted(SavedWorklist.objects.values_list("name", flat=True))
    deleted = client.post(f"/lists/{saved.pk}/delete")

    assert renamed.status_code == copied.status_code == deleted.status_code == 302
    assert "Renamed \u201cFirst\u201d to \u201cSTAT\u201d." in _said(renamed)
    assert names == ["STAT", "STAT (copy 2)", "STAT (copy)"]
    assert not SavedWorklist.objects.filter(pk=saved.pk).exists()
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "list_save",
        "list_rename",
        "list_save",
        "list_save",
        "list_delete",
    ]
    assert audits(action="list_delete")[0].before["name"] == "STAT"


def test_a_failed_rename_keeps_the_typed_name_beside_its_list(login, avara):
    client = login(SUPERVISOR)
    _save(client, "One", "severity=stat")
    _save(client, "Two", "severity=high")
    two = SavedWorklist.objects.get(name="Two")

    response = client.post(f"/lists/{two.pk}/rename", {"name": "one"})

    assert response.status_code == 400
    page = text(response)
    assert "<details open><summary>Rename</summary>" in page
    assert 'value="one"' in page and "You already have a list named \u201cone\u201d" in page
    assert SavedWorklist.objects.get(pk=two.pk).name == "Two"


def test_only_admins_publish_and_everyone_in_the_role_sees_it_read_only(login, avara):
    admin, reader, supervisor = login(ADMIN), login(RADIOLOGIST), login(SUPERVISOR)
    _save(admin, "STAT to read", "severity=stat&status=incomplete")
    saved = SavedWorklist.objects.get()

    published = admin.post(f"/lists/{saved.pk}/publish", {"role": RADIOLOGIST})
    readers_page = text(reader.get("/lists/"))
    supervisors_page = text(supervisor.get("/lists/"))
    renamed = reader.post(f"/lists/{saved.pk}/rename", {"name": "Mine now"})
    deleted = reader.post(f"/lists/{saved.pk}/delete")
    copied = reader.post(f"/lists/{saved.pk}/copy")

    assert "is published to every Radiologist" in _said(published)
    assert "STAT to read" in readers_page and "Published to your role" in readers_page
    assert f"/lists/{saved.pk}/rename" not in readers_page  # nothing to change offered
    assert "STAT to read" not in supervisors_page  # another role's
    assert renamed.status_code == deleted.status_code == 403
    assert "Copy it to make your own" in text(renamed)
    assert copied.status_code == 302
    assert SavedWorklist.objects.get(pk=saved.pk).name == "STAT to read"
    copy = SavedWorklist.objects.get(owner=reader.user)
    assert (copy.name, copy.query, copy.role) == ("STAT to read", saved.query, "")
    refused = [e for e in audits() if e.outcome == "refused"]
    assert [(e.action, e.actor) for e in refused] == [
        ("list_rename", reader.user),
        ("list_delete", reader.user),
    ]


def test_withdrawing_a_published_list_sends_those_landing_on_it_home(login, avara):
    admin, reader = login(ADMIN), login(RADIOLOGIST)
    _save(admin, "STAT", "severity=stat")
    saved = SavedWorklist.objects.get()
    admin.post(f"/lists/{saved.pk}/publish", {"role": RADIOLOGIST})
    reader.post("/lists/landing", {"list": saved.pk})
    assert reader.get("/start")["Location"] == "/?severity=stat"

    admin.post(f"/lists/{saved.pk}/publish", {"role": ""})

    assert not WorklistLanding.objects.filter(user=reader.user).exists()
    assert reader.get(f"/lists/{saved.pk}").status_code == 404


def test_publishing_to_no_such_role_is_refused(login, avara):
    admin = login(ADMIN)
    _save(admin, "STAT", "severity=stat")
    saved = SavedWorklist.objects.get()

    response = admin.post(f"/lists/{saved.pk}/publish", {"role": "Janitor"})

    assert "No such role." in _said(response)
    assert SavedWorklist.objects.get().role == ""
    assert audits(action="list_publish")[0].outcome == "refused"


# --- Landing -------------------------------------------------------------------------


def test_a_landing_page_is_where_start_goes_until_the_default_is_chosen_again(login, avara):
    client = login(SUPERVISOR)
    _save(client, "High", "severity=high&status=incomplete")
    saved = SavedWorklist.objects.get()

    chosen = client.post("/lists/landing", {"list": saved.pk})
    landed = client.get("/start")
    page = text(client.get("/lists/"))
    cleared = client.post("/lists/landing", {"list": ""})
    back = client.get("/start")

    assert "You will land on \u201cHigh\u201d after logging in." in _said(chosen)
    assert landed["Location"] == "/?severity=high&status=incomplete"
    assert "After logging in you land on <strong>&ldquo;High&rdquo;</strong>" in page
    assert "You will land on your role's default page." in _said(cleared)
    assert back["Location"] == "/workload"
    assert [e.action for e in audits()][-2:] == ["list_landing", "list_landing"]


def test_deleting_the_landing_list_lands_on_the_default_again(login, avara):
    client = login(ADMIN)
    _save(client, "High", "severity=high")
    saved = SavedWorklist.objects.get()
    client.post("/lists/landing", {"list": saved.pk})

    client.post(f"/lists/{saved.pk}/delete")

    assert client.get("/start")["Location"] == "/?cancelled=all"


def test_role_defaults(login, avara):
    """Supervisors: the workload board; admins: the worklist with cancelled studies shown
    (restoring them is their work); readers: the queue (next test)."""
    assert login(SUPERVISOR).get("/start")["Location"] == "/workload"
    assert login(ADMIN).get("/start")["Location"] == "/?cancelled=all"


def _queue_of(avara, *studies):
    by_severity = {"stat": [], "high": [], "normal": []}
    for study in studies:
        by_severity[study["severity"]].append(study)
    return avara.get(STUDIES).mock(
        side_effect=lambda request: httpx.Response(
            200, json=page_json(*by_severity[request.url.params["severity"]])
        )
    )


def test_a_reader_with_open_studies_lands_on_them_first(login, avara):
    reader = login(RADIOLOGIST)
    me = {"userId": reader.user.account.avara_user_id, "email": "me@clinic.test"}
    _queue_of(avara, study_json(1, severity="stat"), study_json(2, severity="high", assignedTo=me))

    assert reader.get("/start")["Location"] == "/queue?show=mine"


def test_a_reader_without_open_studies_lands_on_everyones_queue(login, avara):
    reader = login(RADIOLOGIST)
    _queue_of(avara, study_json(1, severity="stat"), study_json(2, severity="high"))

    assert reader.get("/start")["Location"] == "/queue"


# --- The top bar's menu -----------------------------------------------------------------


def test_the_menu_counts_from_the_queue_picture_and_marks_the_list_on_screen(login, avara):
    reader = login(RADIOLOGIST)
    me = {"userId": reader.user.account.avara_user_id, "email": "me@clinic.test"}
    route = _queue_of(
        avara,
        study_json(1, severity="stat", assignedTo=None),
        study_json(2, severity="stat", assignedTo=me),
        study_json(3, severity="high", assignedTo=None),
    )
    _save(reader, "Mine", "show=mine", page="queue")
    _save(reader, "STAT open", "severity=stat&status=incomplete")
    _save(reader, "Everything", "")
    _save(reader, "Find 99", "q=10008.99")
    reader.get("/queue")  # the picture: one list read per severity
    calls = route.call_count

    menu = text(
        reader.get("/lists/menu", headers=hx(current_url="http://testserver/queue?show=mine"))
    )

    assert route.call_count == calls  # counted from the picture: no Avara call
    assert (
        '>Mine</a> <span class="count"' in menu and '"Open studies it shows now">1</span>' in menu
    )
    assert 'aria-current="page">Mine</a>' in menu
    assert '>STAT open</a> <span class="count" title="Open studies it shows now">2</span>' in menu
    assert ">Everything</a></li>" in menu  # reaches beyond the open work: no count
    assert '>Find 99</a> <span class="count" title="Open studies it shows now">3</span>' in menu
    assert "Manage saved lists" in menu


def test_the_menu_shows_no_one_elses_list(login, avara):
    _save(login(ADMIN), "Admins only", "severity=stat")

    menu = text(login(SUPERVISOR).get("/lists/menu", headers=hx()))

    assert "Admins only" not in menu and "No saved lists yet" in menu


def test_the_top_bar_offers_the_menu_without_reading_anything(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))
    client = login(SUPERVISOR)
    _save(client, "STAT", "severity=stat")

    page = text(client.get("/"))

    assert '<details class="lists-menu" data-lists-menu data-src="/lists/menu">' in page
    assert '<a href="/lists/">Saved lists&hellip;</a>' in page  # without JavaScript
    assert ">STAT</a>" not in page  # fetched only when the menu opens
    assert avara.calls.call_count == 1  # the page's own list
