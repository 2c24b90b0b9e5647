"""Forms that only POST, reached by GET: the login page sends a user whose session ended
back to the form's action with a GET. That must land somewhere the user can act on (and
change nothing), never a bare 405 error page."""

from view_helpers import study_id

from studies.accounts.roles import RADIOLOGIST, SUPERVISOR

SID = study_id(1)


def test_read_next_after_logging_in_again_goes_to_the_queue_and_claims_nothing(
    client, make_account, avara
):
    make_account(RADIOLOGIST, username="reader")
    posted = {"username": "reader", "password": "unused-Passw0rd-for-tests"}
    logged_in = client.post("/accounts/login/?next=/queue/next", posted, follow=False)
    assert logged_in["Location"] == "/queue/next"  # where the login page sends the user

    response = client.get("/queue/next", follow=False)

    assert response.status_code == 302
    assert response["Location"] == "/queue"
    assert avara.calls.call_count == 0  # no queue read, no claim


def test_saving_details_by_get_goes_to_the_study_and_says_nothing_was_saved(login, avara):
    response = login(SUPERVISOR).get(f"/studies/{SID}/details", follow=False)

    assert response.status_code == 302
    assert response["Location"] == f"/studies/{SID}"
    assert avara.calls.call_count == 0
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Nothing was saved: the form was not sent. Make your changes again."]
