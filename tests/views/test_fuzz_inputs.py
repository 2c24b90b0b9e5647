"""Hypothesis-generated values for every query parameter and form field of the dashboard:
never a 5xx, a redirect only ever to this site (or the allowed viewer host), and the API
key in no answer.

Values mix a corpus of known troublemakers (URL names for `next`, template syntax, NUL,
markup, path tricks, header injection, ids of the right and wrong shape, very long text)
with arbitrary Unicode text. Avara is a stub that answers every call sensibly, so what is
exercised is the dashboard's own parsing. Bounded and reproducible: a fixed number of
examples per target, derandomized (the same examples every run), no example database.
TRIAGE_FUZZ_EXAMPLES=500 runs a deeper search by hand.
"""

import json
import os
import re
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from view_helpers import (
    API_KEY,
    STUDIES,
    VIEWER_HOST,
    hx,
    page_json,
    row_token,
    study_id,
    study_json,
)

from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR

SID = study_id(1)
STUDY = f"/studies/{SID}"
FORM = "application/x-www-form-urlencoded"

# TRIAGE_FUZZ_EXAMPLES=500 explores further (slower); the suite runs the bounded default.
FUZZ = settings(
    max_examples=int(os.environ.get("TRIAGE_FUZZ_EXAMPLES", "20")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CORPUS = [
    "",
    " ",
    "0",
    "-1",
    "1e9",
    "99999999999999999999",
    "NaN",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1",
    "\r\nSet-Cookie: x=1",
    "\x00",
    "a\x00b",
    "%00",
    "%",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'\"><img src=x onerror=alert(1)>",
    "\u202eevil",
    "\U0001f600",
    "me",
    "none",
    "all",
    "stat",
    "complete",
    "stu_" + "0" * 32,
    "STU_" + "0" * 32,
    "usr_" + "0" * 32,
    "cus_" + "0" * 32,
    "1.2.840.10008.1",
    "01.2",
    "x" * 5000,
    '{"a": "\\ud800"}',
    '{"a": "\\u0000"}',
    "[" * 200,
]


def text_values(max_size: int = 80) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(CORPUS), st.text(max_size=max_size))


def params(names) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A query or form: some of `names` (repeats allowed), each with a fuzzed value."""
    return st.lists(st.tuples(st.sampled_from(names), text_values()), max_size=8)


def header_values() -> st.SearchStrategy[str]:
    """What a browser (or an attacker) can put in a header: Latin-1, no line breaks."""
    latin = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=60)
    return st.one_of(st.sampled_from([c for c in CORPUS if c.isascii() and "\n" not in c]), latin)


@pytest.fixture
def stub(avara):
    """Avara answering every call the dashboard can make, for any study id it is asked."""

    def study_for(request: httpx.Request) -> httpx.Response:
        sid = request.url.path.rsplit("/", 1)[-1]
        if not re.fullmatch(r"stu_[0-9a-f]{32}", sid):
            return httpx.Response(400, json={"error": {"message": "Bad id.", "fields": {}}})
        return httpx.Response(200, json=study_json(1, studyId=sid, assignedTo=None))

    avara.get(STUDIES).respond(json=page_json(study_json(1, assignedTo=None), study_json(2)))
    avara.get(url__regex=r"/v1/viewer/studies/by-uid/.*").respond(404)
    avara.get(url__regex=r"/v1/viewer/studies/[^/]+$").mock(side_effect=study_for)
    avara.patch(url__regex=r"/v1/viewer/studies/[^/]+$").mock(side_effect=study_for)
    avara.post(STUDIES).respond(201, json=study_json(42))
    for verb in ("cancel", "uncancel"):
        avara.post(f"{STUDIES}/{verb}").respond(json={"success": True, "message": None})
    viewer = f"https://{VIEWER_HOST}/viewer/studies/{SID}?token=t"
    avara.post(f"{STUDIES}/reroute-url").respond(json={"url": viewer})
    return avara


def assert_sound(response, case) -> None:
    """No server error; a redirect stays on this site (or goes to the viewer host); the
    API key is nowhere in the answer."""
    assert response.status_code < 500, case
    if 300 <= response.status_code < 400:
        parts = urlsplit(response["Location"])
        assert parts.netloc in ("", VIEWER_HOST), (case, response["Location"])
        assert response["Location"].startswith(("/", f"https://{VIEWER_HOST}/")), case
        assert not response["Location"].startswith(("//", "/\\")), case
    assert API_KEY not in response.content.decode(errors="replace"), case
    assert all(API_KEY not in value for value in response.headers.values()), case


def get(client, path, query, *, headers=None):
    response = client.get(f"{path}?{urlencode(query)}", headers=headers or {})
    assert_sound(response, (path, query, headers))
    return response


def post(client, path, form, *, headers=None):
    response = client.post(path, urlencode(form), content_type=FORM, headers=headers or {})
    assert_sound(response, (path, form, headers))
    return response


# --- Lists: the worklist, the queue, the audit trail --------------------------------------

WORKLIST = ["q", "severity", "status", "assignee", "customer", "cancelled", "limit", "c", "p"]


@pytest.mark.parametrize("role", [RADIOLOGIST, ADMIN])
def test_worklist_filters_pages_and_search(login, stub, role):
    client = login(role)

    @FUZZ
    @given(
        query=params(WORKLIST),
        htmx=st.booleans(),
        current=header_values(),
        etag=header_values(),
    )
    def run(query, htmx, current, etag):
        headers = {"If-None-Match": etag}
        if htmx:
            headers |= hx(target="results", current_url=current) | {"X-Triage-Refresh": "1"}
        get(client, "/", query, headers=headers)

    run()


def test_queue_filters_and_pages(login, stub):
    client = login(RADIOLOGIST)

    @FUZZ
    @given(query=params(["show", "page"]), htmx=st.booleans())
    def run(query, htmx):
        get(client, "/queue", query, headers=hx(target="results") if htmx else None)

    run()


def test_audit_trail_filters_and_pages(login, stub):
    client = login(ADMIN)

    @FUZZ
    @given(query=params(["study", "actor", "action", "outcome", "page"]))
    def run(query):
        get(client, "/audit/", query)

    run()


# --- A row's controls: inline edits, buttons, confirmations, skip --------------------------

FIELDS = st.one_of(st.sampled_from(["severity", "status", "assignee"]), text_values(20))
TOKENS = st.one_of(st.just(row_token(SID)), st.just(row_token(SID, severity="stat")), text_values())


@pytest.mark.parametrize("role", [RADIOLOGIST, SUPERVISOR])
def test_inline_edit_controls_and_saves(login, stub, role):
    client = login(role)

    @FUZZ
    @given(
        field=FIELDS,
        token=TOKENS,
        value=text_values(),
        next_url=text_values(),
        htmx=st.booleans(),
        extra=params(["value", "t", "next", "was", "seen"]),
    )
    def run(field, token, value, next_url, htmx, extra):
        path = f"{STUDY}/edit/{quote(field, safe='')}"
        headers = hx(current_url="http://testserver/?assignee=none") if htmx else None
        get(client, path, [("t", token), ("next", next_url)], headers=headers)
        form = [("value", value), ("t", token), ("next", next_url), *extra]
        post(client, path, form, headers=headers)

    run()


BUTTONS = ["claim", "complete", "cancel", "uncancel", "skip", "viewer", "row"]


@pytest.mark.parametrize("role", [RADIOLOGIST, ADMIN])
def test_buttons_confirmations_and_skip(login, stub, role):
    client = login(role)

    @FUZZ
    @given(
        button=st.sampled_from(BUTTONS),
        form=params(["t", "next", "reason"]),
        query=params(["next", "t"]),
        htmx=st.booleans(),
    )
    def run(button, form, query, htmx):
        path = f"{STUDY}/{button}"
        headers = hx(current_url="http://testserver/queue") if htmx else None
        get(client, path, query, headers=headers)
        if button != "row":
            post(client, path, form, headers=headers)

    run()


def test_read_next_and_the_start_page(login, stub):
    client = login(RADIOLOGIST)

    @FUZZ
    @given(form=params(["next", "t", "show"]), query=params(["next"]))
    def run(form, query):
        post(client, "/queue/next", form)
        get(client, "/start", query)

    run()


# --- Forms: the study page, a new study, accounts, login ------------------------------------


def formset(prefix: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    """The metadata formset, with management values and rows of any shape."""
    management = st.lists(
        st.tuples(
            st.sampled_from(
                [f"{prefix}-{n}" for n in ("TOTAL_FORMS", "INITIAL_FORMS", "MAX_NUM_FORMS")]
            ),
            st.one_of(st.sampled_from(["0", "1", "3", "60", "1001", "-1", "x", ""]), text_values()),
        ),
        max_size=4,
    )
    rows = st.lists(
        st.tuples(
            st.builds(
                lambda n, part: f"{prefix}-{n}-{part}",
                st.integers(min_value=-1, max_value=60),
                st.sampled_from(["key", "value", "DELETE"]),
            ),
            text_values(120),
        ),
        max_size=10,
    )
    return st.builds(lambda a, b: [*a, *b], management, rows)


SEEN_METADATA = st.one_of(
    text_values(),
    st.dictionaries(text_values(20), text_values(40), max_size=5).map(json.dumps),
    st.recursive(st.none() | st.booleans() | st.text(max_size=5), st.lists, max_leaves=5).map(
        json.dumps
    ),
)


def test_study_page_details_form(login, stub):
    client = login(SUPERVISOR)

    @FUZZ
    @given(
        description=text_values(1200),
        seen_description=text_values(),
        seen_metadata=SEEN_METADATA,
        rows=formset("meta"),
        next_url=text_values(),
    )
    def run(description, seen_description, seen_metadata, rows, next_url):
        form = [
            ("study_description", description),
            ("seen_description", seen_description),
            ("seen_metadata", seen_metadata),
            ("next", next_url),
            *rows,
        ]
        post(client, f"{STUDY}/details", form)

    run()


CREATE = ["severity", "study_description", "study_instance_uid", "assigned_to"]


def test_new_study_form(login, stub):
    client = login(SUPERVISOR)

    @FUZZ
    @given(
        fields=params([*CREATE, "express_customer_id"]),
        uid=st.one_of(st.from_regex(r"\A[1-9][0-9]{0,3}(\.[0-9]{1,5}){1,6}\Z"), text_values()),
        rows=formset("meta"),
    )
    def run(fields, uid, rows):
        post(client, "/studies/new", [("study_instance_uid", uid), *fields, *rows])

    run()


ACCOUNT = ["username", "first_name", "last_name", "email", "role", "avara_user_id", "is_active"]


def test_account_forms(login, stub):
    admin = login(ADMIN)

    @FUZZ
    @given(
        form=params([*ACCOUNT, "password"]),
        pk=st.one_of(st.just(str(admin.user.pk)), st.integers(0, 10**20).map(str)),
    )
    def run(form, pk):
        post(admin, "/accounts/new", form)
        get(admin, f"/accounts/{pk}/edit", [])
        post(admin, f"/accounts/{pk}/edit", form)

    run()


def test_unlock_form(login, stub):
    admin = login(ADMIN)

    @FUZZ
    @given(form=params(["username", "ip_address"]))
    def run(form):
        post(admin, "/accounts/locks/unlock", form)

    run()


def test_login_form(db, stub):
    from django.test import Client

    @FUZZ
    @given(form=params(["username", "password", "next"]), query=params(["next"]))
    def run(form, query):
        client = Client()
        get(client, "/accounts/login/", query)
        post(client, "/accounts/login/?" + urlencode(query), form)

    run()


# --- Numbers: digits that are not ASCII ("²", "①") -----------------------------------------
# str.isdigit() takes them and int() refuses them: each numeric field reads them as no
# number at all (studies/validators.py: small_number), never as a server error.

ODD_DIGITS = ["²", "①", "٣", "\uff11\uff12"]  # the last: fullwidth "12"


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_a_claim_with_odd_digits_in_the_rows_header_is_saved_and_answered(login, stub, value):
    client = login(RADIOLOGIST)
    headers = {**hx(current_url="http://testserver/"), "X-Triage-Rows": value}

    response = post(client, f"{STUDY}/claim", {"t": row_token(SID, assignee="")}, headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_a_landing_list_with_odd_digits_is_not_found(login, stub, value):
    response = post(login(SUPERVISOR), "/lists/landing", {"list": value})

    assert response.status_code == 404


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_a_reader_cap_with_odd_digits_is_refused_with_a_reason(login, stub, value):
    from studies import directory

    users, _ = directory.users_or_empty()
    readers = [u for u in users if u.clinic_role == "Radiologist"]
    assert readers, "the stub's directory has radiologists"

    response = post(login(ADMIN), "/accounts/caps", {f"cap-{readers[0].user_id}": value})

    assert response.status_code == 400
    assert "A whole number from 0 to" in response.content.decode()


def test_balance_takes_no_odd_digit_for_a_move():
    from studies.views.workload import _moves_ticked

    moves = [[study_id(1), None, "usr_" + "1" * 32], [study_id(2), None, "usr_" + "2" * 32]]

    jobs = _moves_ticked(moves, ["²", "1", "①", "0"])

    assert [job.study_id for job in jobs] == [study_id(1), study_id(2)]
