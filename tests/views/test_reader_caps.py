"""Reader caps on the Accounts page (studies/views/admin_pages.py, services/caps.py): an
admin sets each radiologist's cap; every change is audited, a bad value saves nothing,
a blank one gives the reader back the default."""

import pytest
from view_helpers import COLLEAGUE_ID, RADIOLOGIST_ID, text

from studies.accounts.roles import ADMIN, SUPERVISOR
from studies.models import AuditEntry, ReaderCap

pytestmark = pytest.mark.stores


def test_the_accounts_page_offers_every_radiologist_a_cap(login, avara):
    page = text(login(ADMIN).get("/accounts/"))

    assert 'id="reader-caps"' in page
    assert f'name="cap-{COLLEAGUE_ID}"' in page and 'placeholder="20"' in page


def test_caps_saved_and_each_change_audited(login, avara):
    ReaderCap.objects.create(avara_user_id=RADIOLOGIST_ID, cap=9)
    client = login(ADMIN)

    response = client.post(
        "/accounts/caps", {f"cap-{COLLEAGUE_ID}": "5", f"cap-{RADIOLOGIST_ID}": ""}
    )

    assert response.status_code == 302 and response["Location"].endswith("#reader-caps")
    assert dict(ReaderCap.objects.values_list("avara_user_id", "cap")) == {COLLEAGUE_ID: 5}
    entries = {e.after["reader"]: e for e in AuditEntry.objects.filter(action="reader_cap")}
    assert (entries[COLLEAGUE_ID].before["cap"], entries[COLLEAGUE_ID].after["cap"]) == (None, 5)
    assert (entries[RADIOLOGIST_ID].before["cap"], entries[RADIOLOGIST_ID].after["cap"]) == (
        9,
        None,
    )
    assert {e.outcome for e in entries.values()} == {"applied"}
    assert "First4 Last4: the default -> 5" in entries[COLLEAGUE_ID].detail
    client.post("/accounts/caps", {f"cap-{COLLEAGUE_ID}": "5"})  # the same again
    assert AuditEntry.objects.filter(action="reader_cap").count() == 2


@pytest.mark.parametrize("value", ["-1", "1000", "2.5", "ten", "<b>"])
def test_a_bad_cap_saves_nothing_and_says_why(login, avara, value):
    response = login(ADMIN).post(
        "/accounts/caps", {f"cap-{COLLEAGUE_ID}": value, f"cap-{RADIOLOGIST_ID}": "3"}
    )

    assert response.status_code == 400
    assert "A whole number from 0 to 999" in text(response)
    assert not ReaderCap.objects.exists()
    assert not AuditEntry.objects.filter(action="reader_cap").exists()


def test_a_supervisor_may_not_set_caps(login, avara):
    response = login(SUPERVISOR).post("/accounts/caps", {f"cap-{COLLEAGUE_ID}": "5"})

    assert response.status_code == 403
    assert not ReaderCap.objects.exists()
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == ("reader_cap", "refused")
