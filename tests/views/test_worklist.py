"""The worklist: filters to query parameters, the cursor trail, HTMX partials, the search
box, and what the user sees when Avara fails."""

import httpx
import pytest
from view_helpers import (
    API_KEY,
    COLLEAGUE_ID,
    CUSTOMER_ID,
    RADIOLOGIST_ID,
    STUDIES,
    error_json,
    hx,
    link_query,
    page_json,
    sent_query,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

# Run again on PostgreSQL + Redis by `make test`: users directory, customers, sessions.
pytestmark = pytest.mark.stores


@pytest.fixture
def studies_route(avara):
    return avara.get(STUDIES, name="list").respond(
        json=page_json(study_json(1), study_json(2, studyDescription="Knee MRI left"))
    )


def test_page_view_costs_one_list_call_when_the_directory_is_cached(login, avara, studies_route):
    client = login(RADIOLOGIST)

    with upstream.record_calls() as calls:
        response = client.get("/")

    assert response.status_code == 200
    assert [(c.method, c.path) for c in calls] == [("GET", STUDIES)]
    assert studies_route.call_count == 1
    assert avara.routes["users"].call_count == 0
    body = text(response)
    assert "Example study 1" in body and "Knee MRI left" in body
    assert f'id="study-{study_id(2)}"' in body


def test_a_cold_directory_adds_exactly_one_users_call(login, avara, studies_route):
    client = login(SUPERVISOR)
    upstream.user_directory_clear()

    client.get("/")
    client.get("/")

    assert studies_route.call_count == 2
    assert avara.routes["users"].call_count == 1


@pytest.mark.parametrize(
    ("query", "wire"),
    [
        ("", {}),
        ("?severity=stat", {"severity": "stat"}),
        ("?status=complete", {"studyViewerStatus": "complete"}),
        ("?q=chest", {"studyDescription": "chest"}),
        ("?assignee=me", {"assignedTo": RADIOLOGIST_ID}),
        ("?assignee=none", {"assignedTo": "null"}),
        (f"?assignee={COLLEAGUE_ID}", {"assignedTo": COLLEAGUE_ID}),
        ("?customer=none", {"expressCustomerId": "null"}),
        (f"?customer={CUSTOMER_ID}", {"expressCustomerId": CUSTOMER_ID}),
        ("?limit=50", {"limit": "50"}),
        ("?limit=100", {"limit": "100"}),
        ("?limit=30", {}),
        ("?limit=abc", {}),
        ("?severity=urgent", {}),
        ("?assignee=somebody", {}),
        (
            "?severity=high&status=incomplete&assignee=none&customer=none&q=knee&limit=100",
            {
                "severity": "high",
                "studyViewerStatus": "incomplete",
                "assignedTo": "null",
                "expressCustomerId": "null",
                "studyDescription": "knee",
                "limit": "100",
            },
        ),
    ],
)
def test_each_filter_maps_to_its_query_parameter(login, studies_route, query, wire):
    response = login(RADIOLOGIST).get("/" + query)

    assert response.status_code == 200
    assert sent_query(studies_route) == {"isCancelled": "false", "limit": "25"} | wire


@pytest.mark.parametrize(
    ("role", "cancelled", "is_cancelled"),
    [
        (ADMIN, "cancelled", "true"),
        (ADMIN, "active", "false"),
        (ADMIN, "all", None),
        (SUPERVISOR, "cancelled", "false"),
        (SUPERVISOR, "all", "false"),
        (RADIOLOGIST, "cancelled", "false"),
        (RADIOLOGIST, "all", "false"),
    ],
)
def test_only_admins_can_list_cancelled_studies(
    login, studies_route, role, cancelled, is_cancelled
):
    response = login(role).get(f"/?cancelled={cancelled}")

    assert response.status_code == 200
    assert sent_query(studies_route).get("isCancelled") == is_cancelled
    assert ('name="cancelled"' in text(response)) is (role == ADMIN)


def test_cursor_trail_sends_the_last_cursor_and_builds_previous_and_next(login, avara):
    route = avara.get(STUDIES).respond(json=page_json(study_json(1), cursor="C", has_more=True))

    response = login(RADIOLOGIST).get("/?severity=high&c=A&c=B")

    assert sent_query(route) == {
        "severity": "high",
        "isCancelled": "false",
        "cursor": "B",
        "limit": "25",
    }
    assert link_query(response, "prev") == {"severity": ["high"], "c": ["A"], "p": ["2"]}
    assert link_query(response, "next") == {"severity": ["high"], "c": ["A", "B", "C"], "p": ["4"]}
    assert "Page 3" in text(response)


def test_second_page_previous_link_goes_back_to_the_first(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1)))

    response = login(RADIOLOGIST).get("/?c=A")

    assert link_query(response, "prev") == {}
    assert link_query(response, "next") is None


def test_first_page_has_next_but_no_previous(login, avara):
    route = avara.get(STUDIES).respond(json=page_json(study_json(1), cursor="A", has_more=True))

    response = login(RADIOLOGIST).get("/")

    assert "cursor" not in sent_query(route)
    assert link_query(response, "prev") is None
    assert link_query(response, "next") == {"c": ["A"], "p": ["2"]}


def test_an_expired_cursor_falls_back_to_the_first_page_with_a_note(login, avara):
    stale = error_json("Bad cursor.", fields={"cursor": "This cursor is not valid."})
    route = avara.get(STUDIES)
    route.side_effect = [
        httpx.Response(400, json=stale),
        httpx.Response(200, json=page_json(study_json(1))),
    ]

    response = login(RADIOLOGIST).get("/?c=stale")

    assert response.status_code == 200
    assert route.call_count == 2
    assert route.calls[0].request.url.params["cursor"] == "stale"
    assert "cursor" not in route.calls[1].request.url.params
    assert "That page link no longer works; showing the first page." in text(response)
    assert "Example study 1" in text(response)


def test_htmx_request_for_the_results_gets_only_the_results_partial(login, studies_route):
    response = login(RADIOLOGIST).get("/?severity=stat", headers=hx(target="results"))

    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    # The filter form rides along out of band so its selects always match the URL.
    assert body.count('id="filters"') == 1 and 'hx-swap-oob="true"' in body
    assert '<option value="stat" selected>' in body
    assert f'id="study-{study_id(1)}"' in body
    assert sent_query(studies_route)["severity"] == "stat"


@pytest.mark.parametrize(
    "headers",
    [{}, hx(target="filters"), {**hx(target="results"), "HX-History-Restore-Request": "true"}],
    ids=["no-js", "other-target", "history-restore"],
)
def test_same_url_without_the_results_target_renders_the_whole_page(login, studies_route, headers):
    response = login(RADIOLOGIST).get("/?severity=stat", headers=headers)

    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith("<!doctype html>") and 'id="filters"' in body
    assert f'id="study-{study_id(1)}"' in body


def test_search_box_with_a_study_id_redirects_to_its_page_without_a_call(login, avara):
    target = study_id(7)

    response = login(RADIOLOGIST).get(f"/?q=%20{target}%20")

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{target}"
    assert avara.calls.call_count == 0


def test_search_box_with_a_study_id_over_htmx_uses_hx_redirect(login, avara):
    target = study_id(7)

    response = login(RADIOLOGIST).get(f"/?q={target}", headers=hx(target="results"))

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/studies/{target}"
    assert avara.calls.call_count == 0


def test_search_box_with_a_dicom_uid_looks_it_up_and_redirects(login, avara):
    uid = "1.2.840.113619.2.55.3.604688119.868"
    by_uid = avara.get(f"{STUDIES}/by-uid/{uid}").respond(json=study_json(5))

    response = login(RADIOLOGIST).get(f"/?q={uid}")

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{study_id(5)}"
    assert by_uid.call_count == 1
    assert avara.calls.call_count == 1


def test_search_box_with_an_unknown_dicom_uid_says_so_instead_of_listing(login, avara):
    """Avara knows no study by that UID; nor does the open work hold one whose UID holds
    it (the queue's picture: one list read per severity, never a description search)."""
    uid = "1.2.3.4.5"
    by_uid = avara.get(f"{STUDIES}/by-uid/{uid}").respond(
        404, json=error_json("No such study.", kind="not_found_error")
    )
    listing = avara.get(STUDIES).respond(json=page_json(study_json(1)))

    response = login(RADIOLOGIST).get(f"/?q={uid}")

    assert response.status_code == 200
    assert f"No study has the Study Instance UID {uid}." in text(response)
    assert "paste the whole" in text(response)
    assert by_uid.call_count == 1
    assert listing.call_count == 3
    assert all("studyDescription" not in str(c.request.url) for c in listing.calls)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json=error_json("Down for maintenance.", kind="api_error")),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectError("connection refused"),
    ],
    ids=["503", "timeout", "refused"],
)
@pytest.mark.parametrize("headers", [{}, hx(target="results")], ids=["page", "htmx"])
def test_avara_down_shows_a_banner_with_retry_and_status_503(login, avara, failure, headers):
    route = avara.get(STUDIES)
    if isinstance(failure, httpx.Response):
        route.return_value = failure
    else:
        route.side_effect = failure

    response = login(RADIOLOGIST).get("/?severity=stat&c=A", headers=headers)

    body = text(response)
    assert response.status_code == 503
    assert 'class="banner banner-error"' in body
    # Nothing was written, but nothing promises more than it knows either.
    assert "Try again in a moment." in body and "Your data is safe" not in body
    assert 'href="/?severity=stat&amp;c=A"' in body and ">Retry</a>" in body
    assert "Traceback" not in body and "httpx" not in body
    assert route.call_count == 1


def test_users_directory_down_still_renders_the_worklist(login, avara, studies_route):
    upstream.user_directory_clear()
    avara.routes["users"].return_value = httpx.Response(503)

    response = login(SUPERVISOR).get("/")

    assert response.status_code == 200
    assert "Assignee names could not be loaded" in text(response)
    assert "Example study 1" in text(response)


def test_rejected_api_key_message_never_contains_the_key(login, avara):
    echo = error_json(f"Invalid API key {API_KEY}", kind="authentication_error")
    avara.get(STUDIES).respond(401, json=echo)
    avara.routes["users"].respond(401, json=echo)
    upstream.user_directory_clear()

    response = login(ADMIN).get("/")

    body = text(response)
    assert response.status_code != 500
    assert "API key was refused" in body
    assert API_KEY not in body
    assert "TOPSECRET" not in body


def test_empty_result_says_so(login, avara):
    avara.get(STUDIES).respond(json=page_json())

    response = login(RADIOLOGIST).get("/?severity=stat")

    assert "No studies match these filters." in text(response)


def test_assignee_me_without_a_linked_avara_user_explains_and_lists_everyone(
    make_account, avara, studies_route
):
    from django.test import Client

    client = Client()
    client.force_login(make_account(RADIOLOGIST, username="unlinked", avara_user_id=""))

    response = client.get("/?assignee=me")

    assert "assignedTo" not in sent_query(studies_route)
    assert "not linked to an Avara user" in text(response)


def test_htmx_results_make_one_list_call_when_users_are_cached(login, avara, studies_route):
    client = login(SUPERVISOR)
    client.get("/")  # warms the users directory cache
    avara.reset()

    client.get("/", headers=hx(target="results"))

    assert avara.calls.call_count == 1
    assert [c.request.url.path for c in avara.calls] == [STUDIES]
