"""Undo of a cancel, on the server: only the account that cancelled, only within
TRIAGE_UNDO_SECONDS, only once (role x time x token reuse), through the restore's own
lock, read and call, and audited as its own action ("undo_cancel"). Also the page a
cancel without JavaScript leads to, and the row an Undo puts back."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth.models import Group
from view_helpers import (
    STUDIES,
    audits,
    called,
    hx,
    only_audit,
    study_id,
    study_json,
    text,
    toast_of,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR
from studies.services import undo

pytestmark = pytest.mark.stores  # the single use is kept in the shared store

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"
READ = ("GET", STUDY_PATH)
UNCANCEL = ("POST", f"{STUDIES}/uncancel")
WORKLIST = "http://testserver/"
CANCELLED_AT = "2024-03-16T08:00:00Z"
EXPIRED = (
    "Undo is no longer available: it lasts 30 seconds after the cancel. "
    "An admin can restore the study."
)


def active(**overrides) -> dict:
    return study_json(1, isCancelled=False, cancelledAt=None, **overrides)


def cancelled(at: str = CANCELLED_AT) -> dict:
    return study_json(1, isCancelled=True, cancelledAt=at)


@pytest.fixture
def avara_study(avara):
    """Avara's study, as the test says it is now (`state["study"]`), read any number of
    times; the cancel and uncancel calls change it as Avara would."""
    state = {"study": active()}
    avara.get(STUDY_PATH).mock(side_effect=lambda request: httpx.Response(200, json=state["study"]))

    def flip(to: dict):
        def answer(request):
            state["study"] = to
            return httpx.Response(200, json={"success": True, "message": None})

        return answer

    state["cancel"] = avara.post(f"{STUDIES}/cancel").mock(side_effect=flip(cancelled()))
    state["uncancel"] = avara.post(f"{STUDIES}/uncancel").mock(side_effect=flip(active()))
    return state


def cancel_inline(client, shown_list: str = "") -> str:
    """Cancel the study from a worklist row; the Undo token its notice carries."""
    response = client.post(f"/studies/{SID}/cancel", headers=hx(current_url=WORKLIST + shown_list))
    assert response.status_code == 200
    return re.search(r'name="u" value="([^"]+)"', text(response)).group(1)


def undo_inline(client, token: str, shown_list: str = ""):
    return client.post(
        f"/studies/{SID}/undo", {"u": token}, headers=hx(current_url=WORKLIST + shown_list)
    )


def later(monkeypatch, seconds: float) -> None:
    """The undo window's clock moved on."""
    now = undo.now()
    monkeypatch.setattr(undo, "now", lambda: now + seconds)


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
def test_whoever_cancelled_undoes_it_once_through_the_restore(login, avara_study, role):
    client = login(role)
    token = cancel_inline(client)

    with upstream.record_calls() as calls:
        response = undo_inline(client, token)

    assert response.status_code == 200
    assert called(calls) == [READ, UNCANCEL, READ]  # the restore's lock, read, call, read
    assert avara_study["uncancel"].call_count == 1
    html = text(response)
    assert response["HX-Retarget"] == f"#study-{SID}" and response["HX-Reswap"] == "outerHTML"
    assert html.startswith(f'<tr id="study-{SID}" class="sev-high"')  # the row, back
    assert toast_of(response) == {
        "message": "Cancel undone: the study is active again.",
        "level": "success",
    }
    entry = only_audit(action="undo_cancel")
    assert (entry.actor, entry.study_id, entry.outcome) == (client.user, SID, "applied")
    assert (entry.before, entry.after) == ({"is_cancelled": True}, {"is_cancelled": False})
    assert entry.get_action_display() == "Undid own cancel"
    assert "within the undo window" in entry.detail
    assert [e.action for e in audits()] == ["cancel", "undo_cancel"]


def test_a_supervisor_may_not_restore_but_may_undo_their_own_cancel(login, avara_study):
    client = login(SUPERVISOR)
    token = cancel_inline(client)

    refused = client.post(f"/studies/{SID}/uncancel", headers=hx(current_url=WORKLIST))
    undone = undo_inline(client, token)

    assert refused.status_code == 403
    assert undone.status_code == 200
    assert avara_study["uncancel"].call_count == 1
    assert avara_study["study"]["isCancelled"] is False


@pytest.mark.parametrize("other", [SUPERVISOR, ADMIN, RADIOLOGIST])
def test_someone_elses_undo_is_refused_whatever_their_role(login, make_account, avara_study, other):
    author = login(SUPERVISOR) if other != SUPERVISOR else login(ADMIN)
    token = cancel_inline(author)
    someone = login(other)

    with upstream.record_calls() as calls:
        response = undo_inline(someone, token)

    assert response.status_code == 403
    assert calls == [] and avara_study["uncancel"].call_count == 0
    message = "This Undo is not yours, or it is damaged: nothing was changed."
    assert toast_of(response) == {"message": message, "level": "error"}
    entry = only_audit(action="undo_cancel")
    assert (entry.actor, entry.outcome, entry.detail) == (someone.user, "refused", message)


def test_an_author_whose_role_no_longer_cancels_may_not_undo(login, avara_study):
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    client.user.groups.set([Group.objects.get(name=RADIOLOGIST)])

    response = undo_inline(client, token)

    assert response.status_code == 403
    assert avara_study["uncancel"].call_count == 0
    entry = only_audit(action="undo_cancel")
    assert entry.detail == "Your role (Radiologist) may not cancel studies."


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: "",
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.replace(":", ";", 1),
        lambda token: "x" * 600,
    ],
    ids=["none", "forged-signature", "damaged", "too-long"],
)
def test_a_missing_or_damaged_token_is_refused(login, avara_study, tamper):
    client = login(SUPERVISOR)
    token = cancel_inline(client)

    response = undo_inline(client, tamper(token))

    assert response.status_code == 403
    assert avara_study["uncancel"].call_count == 0
    assert only_audit(action="undo_cancel").outcome == "refused"


def test_another_studys_token_is_refused(login, avara_study, avara):
    client = login(SUPERVISOR)
    token = cancel_inline(client)

    response = client.post(f"/studies/{study_id(2)}/undo", {"u": token}, headers=hx())

    assert response.status_code == 403
    assert avara.calls.call_count == 2 + 1  # the cancel's read, call, read; nothing since
    assert only_audit(action="undo_cancel").study_id == study_id(2)


@pytest.mark.parametrize(("seconds", "undone"), [(29, True), (30, False), (3600, False)])
def test_undo_lasts_the_window_and_no_longer(login, avara_study, monkeypatch, seconds, undone):
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    later(monkeypatch, seconds)

    response = undo_inline(client, token)

    assert (response.status_code == 200) is undone
    assert avara_study["uncancel"].call_count == (1 if undone else 0)
    if not undone:
        assert toast_of(response) == {"message": EXPIRED, "level": "error"}
        entry = only_audit(action="undo_cancel")
        assert (entry.outcome, entry.detail) == ("refused", EXPIRED)


def test_the_window_is_a_setting(login, avara_study, monkeypatch, settings):
    settings.TRIAGE_UNDO_SECONDS = 120
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    later(monkeypatch, 100)

    assert undo_inline(client, token).status_code == 200


def test_a_token_is_used_once(login, avara_study):
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    assert undo_inline(client, token).status_code == 200
    cancel_inline(client)  # cancelled again: the first token must not undo this one

    with upstream.record_calls() as calls:
        again = undo_inline(client, token)

    assert again.status_code == 409
    assert calls == [] and avara_study["uncancel"].call_count == 1
    assert avara_study["study"]["isCancelled"] is True
    message = "This cancel was already undone with this Undo; nothing more was changed."
    assert toast_of(again) == {"message": message, "level": "error"}
    assert [e.outcome for e in audits(action="undo_cancel")] == ["applied", "refused"]


def test_an_undo_avara_could_not_take_may_be_tried_again(login, avara_study):
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    avara_study["uncancel"].mock(side_effect=[httpx.ConnectError("down")])

    failed = undo_inline(client, token)

    assert failed.status_code == 503
    assert avara_study["study"]["isCancelled"] is True
    avara_study["uncancel"].mock(
        side_effect=lambda request: (
            avara_study.update(study=active())
            or httpx.Response(200, json={"success": True, "message": None})
        )
    )
    assert undo_inline(client, token).status_code == 200
    assert [e.outcome for e in audits(action="undo_cancel")] == ["not_applied", "applied"]


def test_an_undo_after_someone_restored_and_cancelled_again_is_refused(login, avara_study):
    """That later cancel is someone else's decision: only an admin's restore takes it back."""
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    avara_study["study"] = cancelled(at="2024-03-16T09:30:00Z")  # restored, cancelled again

    with upstream.record_calls() as calls:
        response = undo_inline(client, token)

    assert response.status_code == 403
    assert called(calls) == [READ]
    assert avara_study["uncancel"].call_count == 0
    entry = only_audit(action="undo_cancel")
    assert entry.outcome == "refused" and "cancelled again since" in entry.detail


def test_an_undo_of_a_study_already_restored_changes_nothing_and_says_so(login, avara_study):
    client = login(SUPERVISOR)
    token = cancel_inline(client)
    avara_study["study"] = active()  # an admin restored it meanwhile

    response = undo_inline(client, token)

    assert response.status_code == 200
    assert avara_study["uncancel"].call_count == 0
    assert toast_of(response)["message"].startswith("Already restored: someone restored it")
    assert only_audit(action="undo_cancel").outcome == "not_applied"


def test_an_undo_on_a_list_counts_the_row_back(login, avara_study):
    """The notice is no row of the count; the study back in the list is."""
    client = login(SUPERVISOR)
    token = cancel_inline(client)

    response = client.post(
        f"/studies/{SID}/undo",
        {"u": token},
        headers={**hx(current_url=WORKLIST), "X-Triage-Rows": "24"},
    )

    assert (
        '<span id="pager-count" hx-swap-oob="true">Page 1 &middot; 25 studies shown</span>'
        in text(response)
    )


# --- Without JavaScript: the page after a cancel --------------------------------------------


def cancel_page(client, next_url: str = "/?severity=high"):
    response = client.post(f"/studies/{SID}/cancel", {"next": next_url})
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    assert parts.path == f"/studies/{SID}/cancelled"
    return response["Location"], parse_qs(parts.query)["undo"][0]


def test_without_js_the_page_after_a_cancel_offers_undo_and_the_way_back(login, avara_study):
    client = login(SUPERVISOR)
    location, token = cancel_page(client)

    page = text(client.get(location))

    assert "<h1>Study cancelled</h1>" in page and "Example study 1" in page
    assert f'<form method="post" action="/studies/{SID}/undo"' in page
    assert f'name="u" value="{token}"' in page and "Undo the cancel" in page
    assert "your role cannot open cancelled studies" in page
    assert f'href="/studies/{SID}"' not in page  # a supervisor cannot open it
    assert 'href="/?severity=high">Back to the list' in page

    undone = client.post(f"/studies/{SID}/undo", {"u": token, "next": "/?severity=high"})

    assert undone.status_code == 302 and undone["Location"] == "/?severity=high"
    assert avara_study["study"]["isCancelled"] is False
    assert only_audit(action="undo_cancel").outcome == "applied"


def test_without_js_an_expired_undo_is_said_on_the_page(login, avara_study, monkeypatch):
    client = login(SUPERVISOR)
    location, token = cancel_page(client)
    later(monkeypatch, 31)

    page = text(client.get(location))
    refused = client.post(f"/studies/{SID}/undo", {"u": token})

    assert "Undo the cancel" not in page
    assert "Undo is no longer available: it lasts 30 seconds after the cancel." in page
    assert refused.status_code == 302
    assert urlsplit(refused["Location"]).path == f"/studies/{SID}/cancelled"
    assert avara_study["uncancel"].call_count == 0


def test_without_js_a_used_undo_is_not_offered_again(login, avara_study):
    client = login(SUPERVISOR)
    location, token = cancel_page(client)
    client.post(f"/studies/{SID}/undo", {"u": token})
    avara_study["study"] = cancelled()  # cancelled again by someone

    page = text(client.get(location))

    assert "Undo the cancel" not in page


def test_the_page_after_a_cancel_is_only_its_authors_or_an_admins(login, avara_study):
    author = login(SUPERVISOR)
    location, _ = cancel_page(author)
    radiologist = login(RADIOLOGIST)
    admin = login(ADMIN)

    theirs = radiologist.get(location)
    no_token = admin.get(f"/studies/{SID}/cancelled")

    assert theirs.status_code == 302 and theirs["Location"] == f"/studies/{SID}"
    assert no_token.status_code == 200
    assert "Undo the cancel" not in text(no_token)  # not the admin's cancel: Restore is
    assert f'href="/studies/{SID}">Open the study page' in text(no_token)
