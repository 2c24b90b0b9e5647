"""A failed inline save keeps the user's choice selected even when Avara cannot list its
users (so the assignee picker has no names): otherwise the redrawn control showed
"Unassigned" selected, and Save again would have unassigned the study."""

import httpx
import pytest
from view_helpers import (
    COLLEAGUE_ID,
    STUDIES,
    hx,
    only_audit,
    row_token,
    selected_values,
    study_id,
    study_json,
    text,
)

from studies import upstream
from studies.accounts.roles import SUPERVISOR

SID = study_id(1)
STUDY_PATH = f"{STUDIES}/{SID}"


@pytest.mark.parametrize("failing", ["read", "write"])
def test_the_chosen_assignee_stays_selected_without_the_users_list(login, avara, failing):
    avara.routes["users"].respond(503)
    upstream.user_directory_clear()
    if failing == "read":
        avara.get(STUDY_PATH).respond(503)
    else:
        avara.get(STUDY_PATH).respond(json=study_json(1, assignedTo=None))
        avara.patch(STUDY_PATH).mock(side_effect=httpx.ConnectError("refused"))

    response = login(SUPERVISOR).post(
        f"/studies/{SID}/edit/assignee",
        {"value": COLLEAGUE_ID, "t": row_token(SID)},
        headers=hx(),
    )

    assert response.status_code == 503
    assert selected_values(response) == [COLLEAGUE_ID]
    assert "Your choice (names could not be loaded)" in text(response)
    assert only_audit().outcome == "not_applied"
