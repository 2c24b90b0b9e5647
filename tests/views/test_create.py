"""New study: DICOM UID checked before any call, Avara's refusals shown next to their
fields, success redirects to the new study's page with one audit row."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from view_helpers import (
    COLLEAGUE_ID,
    CUSTOMER_ID,
    NEW_UID,
    STUDIES,
    block_with,
    create_form,
    error_json,
    only_audit,
    sent_json,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import ADMIN, SUPERVISOR
from studies.models import ExpressCustomer

UID = NEW_UID
NEW_ID = study_id(42)


def field_block(response, name: str) -> str:
    """The form's label for this field and the errors printed right after it."""
    return block_with(response, f'name="{name}"')


def test_form_offers_directory_users_without_a_call(login, avara):
    response = login(SUPERVISOR).get("/studies/new")

    assert response.status_code == 200
    assert f'<option value="{COLLEAGUE_ID}">First4 Last4</option>' in text(response)
    assert avara.calls.call_count == 0


@pytest.mark.parametrize("role", [SUPERVISOR, ADMIN])
def test_success_sends_one_create_and_opens_the_new_study(login, avara, role):
    route = avara.post(STUDIES).respond(201, json=study_json(42, studyInstanceUid=UID))
    client = login(role)
    posted = create_form(
        severity="stat",
        assigned_to=COLLEAGUE_ID,
        express_customer_id=CUSTOMER_ID,
        metadata=[("room", "3")],
    )

    response = client.post("/studies/new", posted)

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{NEW_ID}"
    assert avara.calls.call_count == 1
    assert sent_json(route) == {
        "severity": "stat",
        "studyDescription": "Chest CT",
        "studyInstanceUid": UID,
        "assignedTo": COLLEAGUE_ID,
        "expressCustomerId": CUSTOMER_ID,
        "metadata": {"room": "3"},
    }
    entry = only_audit()
    assert (entry.actor, entry.action, entry.study_id, entry.outcome, entry.accepted) == (
        client.user,
        "create",
        NEW_ID,
        "applied",
        True,
    )
    assert entry.before == {}
    assert entry.after == {
        "severity": "stat",
        "study_description": "Chest CT",
        "study_instance_uid": UID,
        "assigned_to": COLLEAGUE_ID,
        "express_customer_id": CUSTOMER_ID,
        "metadata": {"room": "3"},
    }


def test_optional_fields_left_empty_are_not_sent(login, avara):
    route = avara.post(STUDIES).respond(201, json=study_json(42))

    login(SUPERVISOR).post("/studies/new", create_form())

    assert sent_json(route) == {
        "severity": "normal",
        "studyDescription": "Chest CT",
        "studyInstanceUid": UID,
    }


@pytest.mark.parametrize(
    ("uid", "error"),
    [
        ("1.2.03.4", "with no leading zeros"),
        ("1..2", "with no leading zeros"),
        ("12345", "with no leading zeros"),
        ("1.2.abc", "A DICOM UID has only digits and dots."),
        ("1." + "1" * 63, "Ensure this value has at most 64 characters (it has 65)."),
        ("", "This field is required."),
    ],
)
def test_invalid_dicom_uid_is_refused_without_a_call(login, avara, uid, error):
    response = login(SUPERVISOR).post("/studies/new", create_form(uid))

    assert response.status_code == 400
    assert error in field_block(response, "study_instance_uid")
    assert avara.calls.call_count == 0
    entry = only_audit()  # the refused attempt is recorded, nothing was sent
    assert (entry.action, entry.accepted) == ("create", False)
    assert "Study Instance UID" in entry.detail


def test_taken_uid_is_reported_next_to_the_uid_with_a_link(login, avara):
    avara.post(STUDIES).respond(409, json=error_json("Duplicate.", kind="conflict_error"))
    by_uid = avara.get(f"{STUDIES}/by-uid/{UID}").respond(json=study_json(7))

    response = login(SUPERVISOR).post("/studies/new", create_form())

    assert response.status_code == 400
    block = field_block(response, "study_instance_uid")
    assert "A study with this Study Instance UID already exists." in block
    assert f'<a href="/studies/{study_id(7)}">Open it</a>' in block
    assert "Not created: the Study Instance UID is taken." in text(response)
    assert by_uid.call_count == 1
    entry = only_audit()
    assert (entry.action, entry.accepted) == ("create", False)


def test_taken_uid_without_a_readable_twin_still_explains(login, avara):
    avara.post(STUDIES).respond(409, json=error_json("Duplicate.", kind="conflict_error"))
    avara.get(f"{STUDIES}/by-uid/{UID}").respond(503)

    response = login(SUPERVISOR).post("/studies/new", create_form())

    block = field_block(response, "study_instance_uid")
    assert response.status_code == 400
    assert "already exists." in block and "Open it" not in block


def test_avara_field_errors_are_shown_next_to_their_fields(login, avara):
    fields = {
        "studyDescription": "Avara says the description is too long.",
        "expressCustomerId": "Avara knows no such customer.",
        "metadata": "Avara refused the metadata.",
    }
    avara.post(STUDIES).respond(400, json=error_json("Invalid fields.", fields=fields))

    response = login(SUPERVISOR).post("/studies/new", create_form(express_customer_id=CUSTOMER_ID))

    assert response.status_code == 400
    assert fields["studyDescription"] in field_block(response, "study_description")
    assert fields["expressCustomerId"] in field_block(response, "express_customer_id")
    assert f'<p class="field-error">{fields["metadata"]}</p>' in text(response)
    assert "Not created: Avara did not accept some fields." in text(response)
    entry = only_audit()
    assert (entry.accepted, entry.study_id) == (False, "")


BY_UID = f"{STUDIES}/by-uid/{UID}"
NOT_FOUND = error_json("No such study.", kind="not_found_error")


@pytest.mark.parametrize(
    ("failure", "by_uid", "message", "calls"),
    [
        (
            httpx.Response(503),  # may have landed: the UID is looked up
            httpx.Response(404, json=NOT_FOUND),
            "Not created: Avara did not answer properly, and no study has this UID.",
            [("POST", STUDIES), ("GET", BY_UID)],
        ),
        (
            httpx.ConnectError("down"),  # never sent: nothing to look up
            None,
            "Not created: Avara is not answering right now (The dashboard could not reach "
            "Avara; try again in a moment.). Try again in a moment.",
            [("POST", STUDIES)],
        ),
    ],
    ids=["503", "unreachable"],
)
def test_avara_down_keeps_the_form_and_says_so(login, avara, failure, by_uid, message, calls):
    route = avara.post(STUDIES)
    if isinstance(failure, httpx.Response):
        route.return_value = failure
    else:
        route.side_effect = failure
    if by_uid is not None:
        avara.get(BY_UID).mock(return_value=by_uid)

    with upstream.record_calls() as recorded:
        response = login(SUPERVISOR).post("/studies/new", create_form())

    assert response.status_code == 503  # Avara unavailable, not a bad form
    assert [(c.method, c.path) for c in recorded] == calls
    assert message in text(response)
    assert f'value="{UID}"' in text(response)
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("not_applied", False, message)


def test_a_lost_answer_whose_study_exists_is_a_created_study(login, avara):
    avara.post(STUDIES).respond(503)
    created = study_json(42, studyInstanceUid=UID, studyDescription="Chest CT", severity="normal")
    avara.get(BY_UID).respond(json=created)

    response = login(SUPERVISOR).post("/studies/new", create_form())

    assert response.status_code == 302 and response["Location"] == f"/studies/{NEW_ID}"
    entry = only_audit()
    assert (entry.outcome, entry.study_id) == ("applied", NEW_ID)
    assert entry.detail == "Answer lost; the study exists (read back by its UID)."


def test_a_lost_answer_that_cannot_be_looked_up_is_an_unknown_outcome(login, avara):
    avara.post(STUDIES).mock(side_effect=httpx.ReadTimeout("slow"))
    avara.get(BY_UID).respond(503)

    response = login(SUPERVISOR).post("/studies/new", create_form())

    message = (
        "Avara did not confirm the new study and cannot be asked right now, so it is not "
        "known whether it was created. Search for its Study Instance UID before retrying."
    )
    assert response.status_code == 502
    assert message in text(response) and f'value="{UID}"' in text(response)
    entry = only_audit()
    assert (entry.outcome, entry.accepted, entry.detail) == ("unknown", False, message)


def test_customer_id_format_is_checked_before_a_call(login, avara):
    response = login(SUPERVISOR).post("/studies/new", create_form(express_customer_id="acme"))

    assert response.status_code == 400
    assert "Not a valid customer." in field_block(response, "express_customer_id")
    assert avara.calls.call_count == 0


# --- The customer, by name ----------------------------------------------------------------

CITY = "cus_" + "c" * 32
RIVER = "cus_" + "d" * 32
TWIN = "cus_" + "e" * 32


@pytest.fixture
def customers(db):
    """Customers the dashboard has seen on studies: River today, City a year ago."""
    now = timezone.now()
    ExpressCustomer.objects.create(customer_id=RIVER, name="Riverside Imaging", last_seen=now)
    ExpressCustomer.objects.create(
        customer_id=CITY, name="City Medical Center", last_seen=now - timedelta(days=365)
    )


def test_the_form_offers_every_customer_seen_most_recent_first(login, avara, customers):
    page = text(login(SUPERVISOR).get("/studies/new"))

    river = page.index(f'<option value="Riverside Imaging" data-id="{RIVER}">{RIVER}</option>')
    city = page.index(f'<option value="City Medical Center" data-id="{CITY}">{CITY}</option>')
    assert river < city
    assert 'name="express_customer" value=""' in page and 'list="customer-options"' in page
    assert "The 2 customers the dashboard has seen on studies" in page


@pytest.mark.parametrize("typed", ["City Medical Center", "  city   medical CENTER "])
def test_a_name_naming_one_customer_picks_it(login, avara, customers, typed):
    route = avara.post(STUDIES).respond(201, json=study_json(42))

    response = login(SUPERVISOR).post("/studies/new", create_form(express_customer=typed))

    assert response.status_code == 302
    assert sent_json(route)["expressCustomerId"] == CITY


def test_a_raw_id_still_works_known_or_not(login, avara, customers):
    route = avara.post(STUDIES).respond(201, json=study_json(42))
    client = login(SUPERVISOR)

    client.post("/studies/new", create_form(express_customer=CUSTOMER_ID))

    assert sent_json(route)["expressCustomerId"] == CUSTOMER_ID


def test_an_unknown_name_says_so_and_keeps_it(login, avara, customers):
    response = login(SUPERVISOR).post("/studies/new", create_form(express_customer="Acme Labs"))

    assert response.status_code == 400
    block = field_block(response, "express_customer")
    assert "No customer named \u201cAcme Labs\u201d is known here" in block
    assert "enter a new customer&#x27;s cus_ id" in block
    assert 'value="Acme Labs"' in block
    assert avara.calls.call_count == 0


def test_a_name_two_customers_share_asks_which(login, avara, customers):
    from django.utils import timezone

    from studies.models import ExpressCustomer

    ExpressCustomer.objects.create(
        customer_id=TWIN, name="City Medical Center", last_seen=timezone.now()
    )
    route = avara.post(STUDIES).respond(201, json=study_json(42))
    client = login(SUPERVISOR)

    ambiguous = client.post("/studies/new", create_form(express_customer="City Medical Center"))
    picked = client.post(
        "/studies/new",
        create_form(express_customer="City Medical Center", express_customer_id=TWIN),
    )

    assert ambiguous.status_code == 400
    assert "2 customers are named \u201cCity Medical Center\u201d" in text(ambiguous)
    assert picked.status_code == 302
    assert sent_json(route)["expressCustomerId"] == TWIN


def test_a_pick_then_other_text_goes_by_the_text(login, avara, customers):
    """The list's pick stands while the box still names it; typing over it is a new name."""
    response = login(SUPERVISOR).post(
        "/studies/new", create_form(express_customer="Someone Else", express_customer_id=CITY)
    )

    assert response.status_code == 400
    assert "No customer named \u201cSomeone Else\u201d" in text(response)
