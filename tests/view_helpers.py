"""Builders and small readers shared by the tests that go through pages (views, accounts,
web, infra).

Avara bodies start from the samples the upstream tests use (tests/samples.py), so
both suites speak about the same documented example study.
"""

import copy
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

from samples import API_KEY, BASE_URL, CUSTOMER_ID, EXAMPLE_STUDY, USER_ID, user_json

from studies.models import AuditEntry
from studies.web.seen import seen_token_for

__all__ = [
    "API_KEY",
    "BASE_URL",
    "CUSTOMER_ID",
    "USER_ID",
    "user_json",
]

STUDIES = "/v1/viewer/studies"
USERS = "/v1/viewer/users"
VIEWER_HOST = "viewer.avara.test"

# The Avara users the three role accounts act as ("Me"), and a colleague.
RADIOLOGIST_ID = user_json(1)["userId"]
SUPERVISOR_ID = user_json(2)["userId"]
ADMIN_ID = user_json(3)["userId"]
COLLEAGUE_ID = user_json(4)["userId"]
ME_BY_ROLE = {"Radiologist": RADIOLOGIST_ID, "Supervisor": SUPERVISOR_ID, "Admin": ADMIN_ID}
# The example study's assignee, as the documented example names him.
SMITH = "John R. Smith, MD, FACR"

HX = {"HX-Request": "true"}


def hx(*, target: str | None = None, current_url: str | None = None) -> dict[str, str]:
    """Headers htmx sends: HX-Request, and HX-Target / HX-Current-URL when given."""
    headers = dict(HX)
    if target:
        headers["HX-Target"] = target
    if current_url:
        headers["HX-Current-URL"] = current_url
    return headers


def study_id(n: int) -> str:
    return f"stu_{n:032x}"


def study_json(n: int = 1, **overrides) -> dict:
    """The documented example study with its own id and UID; camelCase overrides."""
    body = copy.deepcopy(EXAMPLE_STUDY)
    body["studyId"] = study_id(n)
    body["studyInstanceUid"] = f"1.2.840.10008.99.{n}"
    body["studyDescription"] = f"Example study {n}"
    body.update(overrides)
    return body


def person_json(user_id: str, first: str = "Ada", last: str = "Reader") -> dict:
    """A user reference as it appears on a study (assignedTo, createdByUser)."""
    return {
        "userId": user_id,
        "email": f"{first.lower()}@clinic.test",
        "firstName": first,
        "lastName": last,
    }


def page_json(*studies: dict, cursor: str | None = None, has_more: bool | None = None) -> dict:
    return {"studies": list(studies), "cursor": cursor, "hasMore": bool(cursor) and has_more}


def error_json(message: str, *, kind: str = "invalid_request_error", fields=None) -> dict:
    """The sandbox's error body (docs/CONTRACTS.md)."""
    return {"error": {"type": kind, "message": message, "fields": fields or {}}}


def directory_users() -> list[dict]:
    """The users directory: the three role users, a colleague and the example's Dr Smith."""
    smith = user_json(
        9,
        userId=USER_ID,
        email="dr.smith@radiology.com",
        firstName="John",
        lastName="Smith",
        middleName="Robert",
        suffix1="MD",
        suffix2="FACR",
    )
    return [user_json(1), user_json(2), user_json(3), user_json(4), smith]


# --- Forms as a browser posts them -------------------------------------------------------

STORED_METADATA = dict(EXAMPLE_STUDY["metadata"])
NEW_UID = "1.2.826.0.1.3680043.8.498.4242"
NEW_PASSWORD = "Lantern-Quartz-Meadow-73"


def _formset(prefix: str, rows, *, initial: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, (key, value) in enumerate(rows):
        data[f"{prefix}-{i}-key"], data[f"{prefix}-{i}-value"] = key, value
    return data


def details_form(
    description: str = "Example study 1",
    pairs=STORED_METADATA,
    *,
    extra_rows: int = 1,
    seen_description: str = "Example study 1",
    seen_metadata: dict | None = None,
) -> dict:
    """The study page's details form: description, then metadata rows (dict or pairs),
    and the hidden copies of what the page showed (`seen_*`, by default the stored study)."""
    items = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    rows = [*items, *[("", "")] * extra_rows]
    seen = STORED_METADATA if seen_metadata is None else seen_metadata
    return {
        "study_description": description,
        "seen_description": seen_description,
        "seen_metadata": json.dumps(seen),
        **_formset("meta", rows, initial=len(seen)),
    }


def create_form(uid: str = NEW_UID, *, metadata=(), **fields) -> dict:
    """The new-study form; fields override the defaults by name."""
    data = {
        "severity": "normal",
        "study_description": "Chest CT",
        "study_instance_uid": uid,
        "assigned_to": "",
        "express_customer_id": "",
        **fields,
    }
    return data | _formset("meta", [*metadata, ("", "")], initial=0)


def account_form(**overrides) -> dict:
    """The account form for a new radiologist linked to the colleague."""
    return {
        "username": "newreader",
        "first_name": "Nora",
        "last_name": "Reader",
        "email": "nora@clinic.test",
        "role": "Radiologist",
        "avara_user_id": COLLEAGUE_ID,
        "is_active": "on",
        "password": NEW_PASSWORD,
    } | overrides


def sent_json(route) -> dict:
    return json.loads(route.calls.last.request.content)


def sent_query(route) -> dict[str, str]:
    return dict(route.calls.last.request.url.params)


def text(response) -> str:
    return response.content.decode()


def link_query(response, rel: str) -> dict[str, list[str]] | None:
    """The parsed query of the pager link with this rel, or None when there is none."""
    found = re.search(rf'rel="{rel}" href="([^"]*)"', text(response))
    if not found:
        return None
    return parse_qs(urlsplit(html.unescape(found.group(1))).query)


def toast_of(response) -> dict:
    """The toast an HTMX response asks the page to show (HX-Trigger header)."""
    return json.loads(response["HX-Trigger"])["toast"]


def selected_values(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', text(response))


def audits(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def only_audit(**filters) -> AuditEntry:
    """The single audit entry matching filters (fails when there are none or several)."""
    entries = audits(**filters)
    assert len(entries) == 1, [(e.action, e.accepted, e.detail) for e in entries]
    return entries[0]


def block_with(response, needle: str, *, split: str = "<label") -> str:
    """The chunk of the page (between two `split` markers) that contains needle."""
    chunks = [c for c in text(response).split(split) if needle in c]
    assert len(chunks) == 1, f"{needle!r} found in {len(chunks)} chunks"
    return chunks[0]


def row_token(
    sid: str,
    *,
    severity: str = "high",
    status: str = "incomplete",
    assignee: str = "",
) -> str:
    """The signed token a worklist row sends (what the user saw): see studies/web/seen.py."""
    return seen_token_for(study_id=sid, severity=severity, status=status, assignee=assignee)


def token_of(body: dict) -> str:
    """The row token for a study as Avara sends it (what a row drawn from it carries)."""
    return row_token(
        body["studyId"],
        severity=body["severity"],
        status=body["studyViewerStatus"],
        assignee=(body.get("assignedTo") or {}).get("userId", ""),
    )


def token_query(sid: str, field: str, value: str) -> str:
    """`t=...` for a control opened on a row showing `value` in `field`."""
    from urllib.parse import urlencode

    return urlencode({"t": row_token(sid, **{field: value})})


# --- What a redrawn row or an open control carries ----------------------------------------


def row_seen(response) -> str:
    """The row's token (`data-t`): what the redrawn row tells the next save it showed."""
    found = re.findall(r'<tr id="study-[^"]+"[^>]* data-t="([^"]*)"', text(response))
    assert len(found) == 1, found
    return html.unescape(found[0])


def control_token(response) -> str:
    """The token an open control will send with its Save (`<input name="t">`)."""
    found = re.findall(r'<input type="hidden" name="t" value="([^"]*)">', text(response))
    assert len(found) == 1, found
    return html.unescape(found[0])


def field_errors(response) -> list[str]:
    """The messages shown in open controls (`.field-error`), unescaped."""
    found = re.findall(r'<p class="field-error" role="alert">(.*?)</p>', text(response), re.S)
    return [html.unescape(m) for m in found]


def called(calls) -> list[tuple[str, str]]:
    """(method, path) of each upstream call recorded by upstream.record_calls()."""
    return [(c.method, c.path) for c in calls]


class StoreReads:
    """What requests ask of the shared store (Django's cache), recorded while patched:
    `single` keys read one by one, `many` the key lists read together. On local memory
    `get_many` reads key by key: those reads count as one `many`, not as `single`."""

    def __init__(self, monkeypatch, cache) -> None:
        self.single: list[str] = []
        self.many: list[list[str]] = []
        inside = [False]
        real_get, real_many = cache.get, cache.get_many

        def get(key, *args, **kwargs):
            if not inside[0]:
                self.single.append(key)
            return real_get(key, *args, **kwargs)

        def get_many(keys, *args, **kwargs):
            self.many.append(list(keys))
            inside[0] = True
            try:
                return real_many(keys, *args, **kwargs)
            finally:
                inside[0] = False

        monkeypatch.setattr(cache, "get", get)
        monkeypatch.setattr(cache, "get_many", get_many)
