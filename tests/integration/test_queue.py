"""The queue against the sandbox over HTTP: the order the rule says, no study twice, none
missing while studies are created, claimed and completed between reads; Read next under
contention; identical list reads shared across users."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from studies import queue, services
from studies.infra.notes import notes_all, notes_delete
from studies.models import Account
from studies.upstream import client as upstream_client

HOUR = timedelta(hours=1)


@pytest.fixture
def avara(settings, sandbox):
    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_VIEWER_HOSTS = ["127.0.0.1"]
    settings.TRIAGE_QUEUE_SECONDS = 0  # every read rebuilds: what the tests change shows
    settings.TRIAGE_LIST_SHARE_SECONDS = 0  # and no list read is shared between requests
    cache.clear()
    yield sandbox
    cache.clear()
    upstream_client.reset_client()


def reader(n: int, sandbox, role: str = "Radiologist"):
    avara_user = sandbox.user(first_name=f"Reader{n}", last_name="Q")
    user = get_user_model().objects.create_user(username=f"q-reader{n}")
    user.groups.add(Group.objects.get(name=role))
    Account.objects.create(user=user, avara_user_id=avara_user.user_id)
    return get_user_model().objects.get(pk=user.pk), avara_user


def aged(sandbox, severity: str, waited: timedelta, **fields):
    stamp = timezone.now() - waited
    return sandbox.study(severity=severity, created_at=stamp, updated_at=stamp, **fields)


def queue_ids(client: Client, show: str = "all") -> list[str]:
    body = client.get(f"/queue?show={show}").content.decode()
    return re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', body)


def test_the_queue_follows_the_rule_with_ages_straddling_each_threshold(avara, sandbox):
    # Thresholds: STAT 1 h, High 4 h, Normal 24 h.
    stat_fresh = aged(sandbox, "stat", 10 * timedelta(minutes=1))
    stat_old = aged(sandbox, "stat", 50 * timedelta(minutes=1))
    high_under = aged(sandbox, "high", 3 * HOUR + 59 * timedelta(minutes=1))
    high_over = aged(sandbox, "high", 4 * HOUR + timedelta(minutes=1))
    high_fresh = aged(sandbox, "high", 5 * timedelta(minutes=1))
    normal_under = aged(sandbox, "normal", 23 * HOUR)
    normal_over = aged(sandbox, "normal", 25 * HOUR)
    normal_fresh = aged(sandbox, "normal", timedelta(minutes=1))
    sandbox.study(severity="stat", study_viewer_status="complete")  # not open
    sandbox.study(severity="stat", is_cancelled=True)  # not open
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)

    order = queue_ids(client)

    # Every STAT first; then High with the overdue Normal; then Normal. Within each,
    # the earliest due (created + its own severity's threshold) first.
    assert order == [
        s.study_id
        for s in (
            stat_old,  # due 10 min from now
            stat_fresh,  # due in 50 min
            normal_over,  # due 1 h ago
            high_over,  # due 1 min ago
            high_under,  # due in 1 min
            high_fresh,
            normal_under,
            normal_fresh,
        )
    ]
    body = client.get("/queue").content.decode()
    assert "Every STAT study comes first" in body
    row = re.search(rf'<tr id="study-{high_over.study_id}".*?</tr>', body, re.S).group(0)
    assert "clock-overdue" in row and ">Overdue<" in row
    row = re.search(rf'<tr id="study-{high_under.study_id}".*?</tr>', body, re.S).group(0)
    assert "clock-soon" in row and ">Due soon<" in row
    assert queue_ids(client, "overdue") == [normal_over.study_id, high_over.study_id]


def test_no_study_twice_and_none_missing_while_the_work_moves(avara, sandbox):
    user, _ = reader(1, sandbox)
    other, _ = reader(2, sandbox)
    studies = [aged(sandbox, "normal", n * timedelta(minutes=7)) for n in range(150)]
    client = Client()
    client.force_login(user)

    for round_ in range(4):
        # Between two reads: a new study arrives, one is claimed, one is completed.
        studies.append(aged(sandbox, "high", timedelta(minutes=round_)))
        services.study_claim(actor=other, study_id=studies[round_].study_id)
        sandbox.update(studies[-2 - round_].study_id, study_viewer_status="complete")
        ids, page = [], 1
        while True:
            body = client.get(f"/queue?page={page}").content.decode()
            ids += re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', body)
            if 'rel="next"' not in body:
                break
            page += 1
        expected = {
            s.study_id
            for s in sandbox.studies(study_viewer_status="incomplete", is_cancelled=False)
        }
        assert len(ids) == len(set(ids)), "a study appeared twice"
        assert set(ids) == expected, "the queue lost or invented a study"


def test_read_next_takes_a_new_stat_before_high_studies_days_overdue(avara, sandbox):
    for days in (6, 5, 4):
        aged(sandbox, "high", timedelta(days=days))
    aged(sandbox, "normal", timedelta(days=3))  # overdue Normal: after STAT too
    stat = aged(sandbox, "stat", timedelta(seconds=30))
    user, avara_user = reader(1, sandbox)

    taken = services.study_read_next(actor=user)

    assert taken.ok, taken.message
    assert taken.study.study_id == stat.study_id
    assert taken.study.assigned_to.user_id == avara_user.user_id


def test_read_next_takes_a_stat_that_arrived_after_the_picture_before_a_high(
    avara, sandbox, settings
):
    """The picture may be up to TRIAGE_QUEUE_SECONDS old; a STAT that came since is still
    read first: with no STAT in the picture, Read next asks Avara for one."""
    settings.TRIAGE_QUEUE_SECONDS = 3600  # the picture is kept: the new STAT is not in it
    high = aged(sandbox, "high", timedelta(days=2))
    user, _ = reader(1, sandbox)
    assert [s.study_id for s in queue.queue_snapshot().studies] == [high.study_id]
    stat = aged(sandbox, "stat", timedelta(seconds=5))

    taken = services.study_read_next(actor=user)

    assert taken.ok, taken.message
    assert taken.study.study_id == stat.study_id
    assert sandbox.get(high.study_id).assigned_to_id is None


def test_read_next_asks_avara_nothing_more_while_the_picture_offers_a_stat(
    avara, sandbox, settings
):
    settings.TRIAGE_QUEUE_SECONDS = 3600
    stat = aged(sandbox, "stat", timedelta(minutes=5))
    user, _ = reader(1, sandbox)
    queue.queue_snapshot()
    sandbox.clear_requests()

    taken = services.study_read_next(actor=user)

    assert taken.study.study_id == stat.study_id
    listed = sandbox.requests(method="GET", path="/v1/viewer/studies")
    assert listed == []  # the claim's read and write and the viewer link only


def test_read_next_takes_the_first_unassigned_study_and_never_a_skipped_one(avara, sandbox):
    first = aged(sandbox, "stat", 30 * timedelta(minutes=1))
    second = aged(sandbox, "stat", 20 * timedelta(minutes=1))
    user, _ = reader(1, sandbox)

    skipped = services.study_skip(
        actor=user, study_id=first.study_id, reason="Conflict of interest"
    )
    taken = services.study_read_next(actor=user)

    assert skipped.ok
    assert taken.study.study_id == second.study_id
    client = Client()
    client.force_login(user)
    assert client.post("/queue/next").status_code == 200  # nothing left for this reader
    from studies.models import AuditEntry

    entry = AuditEntry.objects.get(action="skip")
    assert (entry.study_id, entry.detail) == (first.study_id, "Conflict of interest")


def test_a_write_through_the_dashboard_shows_at_once_despite_the_snapshot(avara, sandbox, settings):
    settings.TRIAGE_QUEUE_SECONDS = 600  # the picture would stay stale for ten minutes
    study = aged(sandbox, "normal", HOUR)
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert study.study_id in queue_ids(client, "unassigned")

    services.study_claim(actor=user, study_id=study.study_id)

    assert study.study_id not in queue_ids(client, "unassigned")
    assert study.study_id in queue_ids(client, "mine")
    assert queue.queue_snapshot().age_seconds < 600  # the same picture, with the claim laid over


def test_a_study_aged_through_the_control_plane_shows_as_overdue(avara, sandbox):
    """The sandbox's control plane ages a study (issue 9): the queue and the worklist show
    the turnaround clock move from on time to due soon to overdue, in words."""
    study = aged(sandbox, "high", timedelta(minutes=5))
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)

    def row_on(path: str) -> str:
        body = client.get(path).content.decode()
        return re.search(rf'<tr id="study-{study.study_id}".*?</tr>', body, re.S).group(0)

    assert "clock-ok" in row_on("/queue") and "Overdue" not in row_on("/queue")
    for waited, clock, label in (
        (3 * HOUR + 30 * timedelta(minutes=1), "clock-soon", "Due soon"),  # 75 % of 4 h
        (4 * HOUR + timedelta(minutes=1), "clock-overdue", "Overdue"),
    ):
        sandbox.set_times(study.study_id, created_at=timezone.now() - waited)
        for path in ("/queue", "/"):
            row = row_on(path)
            assert clock in row and f">{label}<" in row, (path, row)
    assert study.study_id in queue_ids(client, "overdue")


def test_an_own_claim_is_not_undone_while_an_old_picture_is_still_served(
    avara, sandbox, settings, monkeypatch
):
    """An old picture is served while Avara fails (with a banner saying so): a claim made
    through the dashboard must stay laid over it as long as that picture can be served,
    not for a few snapshot lifetimes only."""
    import time as time_module

    settings.TRIAGE_QUEUE_SECONDS = 15
    settings.TRIAGE_QUEUE_BACKGROUND = False
    study = aged(sandbox, "normal", HOUR)
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert study.study_id in queue_ids(client, "unassigned")
    services.study_claim(actor=user, study_id=study.study_id)

    later = time_module.time() + 120  # two minutes on, and Avara cannot list studies
    monkeypatch.setattr(time_module, "time", lambda: later)
    sandbox.fault(method="GET", path="/v1/viewer/studies", status=503, count=100)

    snapshot = queue.queue_snapshot()
    assert snapshot.age_seconds >= 120  # still the picture from before
    assert "This is the queue as it was 2 min ago" in snapshot.late
    assert study.study_id not in queue_ids(client, "unassigned")
    assert study.study_id in queue_ids(client, "mine")


def _claimed_on_an_old_picture(sandbox, monkeypatch, *, seconds_later: float):
    """A reader's claim noted over a picture built before it; then the clock moves on."""
    import time as time_module

    study = aged(sandbox, "normal", HOUR)
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    queue.queue_snapshot()
    services.study_claim(actor=user, study_id=study.study_id)
    assert set(notes_all(queue.CHANGES_KEY)) == {study.study_id}
    later = time_module.time() + seconds_later
    monkeypatch.setattr(time_module, "time", lambda: later)
    return study, client


def test_notes_are_dropped_once_no_picture_served_needs_them(avara, sandbox, settings, monkeypatch):
    """Notes are kept only until no picture that lacks them can still be served (the
    store does not grow with every save of the day); the change stays on screen, now
    from Avara's own read."""
    settings.TRIAGE_QUEUE_SECONDS = 600
    settings.TRIAGE_QUEUE_BACKGROUND = False
    study, client = _claimed_on_an_old_picture(sandbox, monkeypatch, seconds_later=30)

    queue._build()  # holds the claim; a request may still hold the picture before it
    assert set(notes_all(queue.CHANGES_KEY)) == {study.study_id}
    queue._build()  # now nobody can be serving a picture without the claim
    assert notes_all(queue.CHANGES_KEY) == {}

    assert study.study_id in queue_ids(client, "mine")
    assert study.study_id not in queue_ids(client, "unassigned")


def test_a_rebuild_landing_during_a_request_does_not_undo_its_own_claim(
    avara, sandbox, settings, monkeypatch
):
    """A request reads the stored picture, then the notes: another process's rebuild may
    land in between, and the notes the older picture needs must still be there."""
    settings.TRIAGE_QUEUE_SECONDS = 600
    settings.TRIAGE_QUEUE_BACKGROUND = False
    study, client = _claimed_on_an_old_picture(sandbox, monkeypatch, seconds_later=30)
    overlay = queue._overlay
    landed = []

    def rebuilt_meanwhile(studies, built):
        if not landed:
            landed.append(queue._build())  # in another process, right now
        return overlay(studies, built)

    monkeypatch.setattr(queue, "_overlay", rebuilt_meanwhile)

    assert study.study_id not in queue_ids(client, "unassigned")
    assert landed


def test_a_claim_made_while_a_picture_is_built_outlives_that_build(
    avara, sandbox, settings, monkeypatch
):
    """The picture may or may not hold a write made while it was read from Avara: that
    write's note stays over it."""
    settings.TRIAGE_QUEUE_SECONDS = 600
    settings.TRIAGE_QUEUE_BACKGROUND = False
    study = aged(sandbox, "normal", HOUR)
    user, _ = reader(1, sandbox)
    queue.queue_snapshot()
    read_all = queue._read_all

    def claimed_after_the_read(**kwargs):  # Avara answered before the claim reached it
        found = read_all(**kwargs)
        services.study_claim(actor=user, study_id=study.study_id)
        return found

    monkeypatch.setattr(queue, "_read_all", claimed_after_the_read)
    queue._build()  # its picture: the study unassigned, as Avara answered before the claim

    assert set(notes_all(queue.CHANGES_KEY)) == {study.study_id}
    client = Client()
    client.force_login(user)
    assert study.study_id in queue_ids(client, "mine")


def test_read_next_never_gives_the_same_study_twice_even_if_the_picture_lags(
    avara, sandbox, settings
):
    """The picture may lag (a lost note, an assignment made outside the dashboard): a
    study the reader already has is not "the next one" again; Read next moves on."""
    settings.TRIAGE_QUEUE_SECONDS = 600
    first = aged(sandbox, "stat", 30 * timedelta(minutes=1))
    second = aged(sandbox, "stat", 20 * timedelta(minutes=1))
    user, _ = reader(1, sandbox)
    queue.queue_snapshot()  # the picture: both unassigned

    taken = services.study_read_next(actor=user)
    notes_delete(queue.CHANGES_KEY)  # its note is lost (best effort, see queue_note)
    again = services.study_read_next(actor=user)

    assert taken.study.study_id == first.study_id
    assert again.outcome is services.Outcome.APPLIED
    assert again.study.study_id == second.study_id


def _on(url: str) -> dict:
    """Headers of an htmx request made from the page at `url`."""
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver{url}"}


def test_a_queue_row_redrawn_after_an_action_keeps_its_skip_link(avara, sandbox):
    study = aged(sandbox, "normal", HOUR)
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    skip = f'href="/studies/{study.study_id}/skip"'
    assert skip in client.get("/queue").content.decode()

    kept = client.get(f"/studies/{study.study_id}/row", headers=_on("/queue"))  # Skip… > Keep
    claimed = client.post(
        f"/studies/{study.study_id}/claim",
        {"t": queue_token(study.study_id)},
        headers=_on("/queue"),
    )

    assert skip in kept.content.decode()
    assert claimed.status_code == 200 and ">Me<" in claimed.content.decode()
    assert skip in claimed.content.decode()  # still to read, now the reader's: skippable
    # On the worklist, Skip is not offered (it belongs to the queue).
    elsewhere = client.get(f"/studies/{study.study_id}/row", headers=_on("/"))
    assert skip not in elsewhere.content.decode()


def queue_token(study_id: str) -> str:
    """The row token (data-t) of the study as Avara has it now."""
    from studies import upstream
    from studies.web.seen import seen_token

    return seen_token(upstream.study_get(study_id=study_id))


def test_a_study_that_leaves_the_queue_view_leaves_the_page(avara, sandbox):
    done = aged(sandbox, "normal", HOUR)
    taken = aged(sandbox, "normal", HOUR)
    user, avara_user = reader(1, sandbox)
    sandbox.update(done.study_id, assigned_to=avara_user)
    client = Client()
    client.force_login(user)

    completed = client.post(f"/studies/{done.study_id}/complete", headers=_on("/queue?show=mine"))
    claimed = client.post(
        f"/studies/{taken.study_id}/claim",
        {"t": queue_token(taken.study_id)},
        headers=_on("/queue?show=unassigned"),
    )

    # Read: no longer open work, so not in any queue view. Claimed: not unassigned now.
    for response, study in ((completed, done), (claimed, taken)):
        assert response.status_code == 200
        assert response["HX-Reswap"] == "delete"
        assert response["HX-Retarget"] == f"#study-{study.study_id}"
        assert "It left this list." in response["HX-Trigger"]
    # In everyone's queue, the claimed study stays, redrawn as the reader's.
    again = client.get(f"/studies/{taken.study_id}/row", headers=_on("/queue"))
    assert ">Me<" in again.content.decode()


def test_a_study_whose_severity_changes_during_a_rebuild_is_listed_once(
    avara, sandbox, monkeypatch
):
    """The picture is read one severity after another: a study moved from STAT to High
    by another Avara client between those reads is in both answers."""
    from studies import upstream

    moving = aged(sandbox, "stat", HOUR / 2)
    aged(sandbox, "high", HOUR)
    user, _ = reader(1, sandbox)
    read = upstream.study_list

    def list_then_move(**query):
        page = read(**query)
        if query.get("severity") == "stat":
            sandbox.update(moving.study_id, severity="high")  # another Avara client
        return page

    monkeypatch.setattr(upstream, "study_list", list_then_move)
    client = Client()
    client.force_login(user)

    ids = queue_ids(client)

    assert ids.count(moving.study_id) == 1
    assert len(ids) == 2


def test_read_next_with_only_skipped_studies_left_says_so(avara, sandbox):
    skipped = aged(sandbox, "stat", HOUR / 2)
    user, _ = reader(1, sandbox)
    assert services.study_skip(actor=user, study_id=skipped.study_id, reason="Other").ok

    result = services.study_read_next(actor=user)

    assert result.outcome is services.Outcome.UNCHANGED
    assert result.message == (
        "Nothing to read but the 1 unassigned study you skipped: "
        "Read next offers it again in 60 min."
    )


# --- Never older than TRIAGE_QUEUE_SECONDS (issue 24) -----------------------------------


@pytest.fixture
def quiet_spell(settings, monkeypatch):
    """The picture is 15 s long-lived and rebuilt in the background (the defaults);
    `quiet_spell(seconds)` moves the clock on as if nobody had looked for that long."""
    import time as time_module

    settings.TRIAGE_QUEUE_SECONDS = 15
    settings.TRIAGE_QUEUE_BACKGROUND = True
    real = time_module.time
    moved = [0.0]
    monkeypatch.setattr(time_module, "time", lambda: real() + moved[0])

    def spell(seconds: float) -> None:
        moved[0] += seconds

    return spell


def picture_stored_after(built: float, seconds: float = 30.0) -> dict:
    """The description of the first picture stored after `built` (a background rebuild
    landing), waited for at most `seconds`."""
    from studies.infra.locks import NOT_YET, poll

    def attempt():
        found = cache.get(queue.SNAPSHOT_KEY)
        return found if found and found["built"] > built else NOT_YET

    found = poll(attempt, seconds=seconds)
    assert found is not NOT_YET, "no picture landed"
    return found


def test_the_first_queue_after_a_quiet_spell_shows_a_study_created_during_it(
    avara, sandbox, quiet_spell
):
    aged(sandbox, "high", HOUR)
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert len(queue_ids(client)) == 1
    old = cache.get(queue.SNAPSHOT_KEY)["built"]

    quiet_spell(5 * 60)  # five minutes with nobody looking; meanwhile a STAT arrives
    stat = aged(sandbox, "stat", timedelta(minutes=2))
    body = client.get("/queue").content.decode()

    assert re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', body)[0] == stat.study_id
    assert 'data-stat="1"' in body and "<strong>1 STAT waiting</strong>" in body
    assert "This is the queue as it was" not in body  # no banner: the picture is new
    assert cache.get(queue.SNAPSHOT_KEY)["built"] > old
    taken = services.study_read_next(actor=user)
    assert taken.study.study_id == stat.study_id


def test_a_picture_past_two_thirds_of_its_age_is_rebuilt_ahead_without_a_wait(
    avara, sandbox, quiet_spell
):
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert queue_ids(client) == []
    old = cache.get(queue.SNAPSHOT_KEY)["built"]

    quiet_spell(11)  # past 2/3 of 15 s, not past 15 s
    study = aged(sandbox, "normal", HOUR)
    served = queue_ids(client)  # the picture it had: served at once
    picture_stored_after(old)  # rebuilt meanwhile, in the background

    assert served == []
    assert queue_ids(client) == [study.study_id]


def test_without_waiting_an_aged_picture_is_none_and_is_rebuilt_meanwhile(
    avara, sandbox, quiet_spell
):
    """What is sent beside an answer (counts) must not wait for Avara: an aged picture is
    not used, and the next request finds a new one."""
    assert queue.queue_snapshot(wait=False) is None  # none yet: one is started
    first = picture_stored_after(0.0)
    assert queue.queue_snapshot(wait=False).age_seconds <= 15

    quiet_spell(60)
    study = aged(sandbox, "stat", timedelta(minutes=1))

    assert queue.queue_snapshot(wait=False) is None
    picture_stored_after(first["built"])
    assert [s.study_id for s in queue.queue_snapshot(wait=False).studies] == [study.study_id]


def test_when_avara_is_slow_the_old_picture_is_served_with_its_age_and_why(
    avara, sandbox, quiet_spell, settings, monkeypatch
):
    """The first requests wait TRIAGE_QUEUE_WAIT for the rebuild, then are served the old
    picture with a banner; those that come later while it still runs do not wait."""
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert queue_ids(client) == []
    old = cache.get(queue.SNAPSHOT_KEY)["built"]
    settings.TRIAGE_QUEUE_WAIT = 0.2
    quiet_spell(4 * 60)
    study = aged(sandbox, "stat", timedelta(minutes=1))
    sandbox.fault(method="GET", path="/v1/viewer/studies", latency_ms=1500, count=1)

    body = client.get("/queue").content.decode()

    assert 'class="banner note" role="status"' in body
    assert (
        "Avara is slow to answer. This is the queue as it was 4 min ago; "
        "it updates as soon as Avara answers."
    ) in body
    assert study.study_id not in body
    from studies.infra import locks

    paused, sleep = [], locks.time.sleep
    monkeypatch.setattr(locks.time, "sleep", paused.append)
    again = client.get("/queue").content.decode()  # the build is past TRIAGE_QUEUE_WAIT
    monkeypatch.setattr(locks.time, "sleep", sleep)
    assert "Avara is slow to answer." in again and paused == []  # served without a wait
    picture_stored_after(old)  # the rebuild went on, and landed
    body = client.get("/queue").content.decode()
    assert study.study_id in body and "This is the queue as it was" not in body


def test_when_avara_fails_the_old_picture_says_so_and_without_one_the_page_does(
    avara, sandbox, quiet_spell
):
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    sandbox.fault(method="GET", path="/v1/viewer/studies", status=503, count=100)

    first = client.get("/queue")  # no picture at all yet

    assert first.status_code == 503
    assert "Avara is not answering. The queue could not be read just now." in first.content.decode()
    sandbox.clear_faults()
    assert client.get("/queue").status_code == 200
    quiet_spell(120)
    sandbox.fault(method="GET", path="/v1/viewer/studies", status=503, count=100)
    body = client.get("/queue").content.decode()
    banner = re.search(r'<div class="banner note" role="status"><p>(.*?)</p>', body).group(1)
    assert banner == (
        "Avara is not answering. This is the queue as it was 2 min ago; "
        "it updates as soon as Avara answers."
    )


# --- A note yields to a newer state from Avara -------------------------------------------


def test_an_outside_change_after_a_dashboard_write_shows_with_the_next_picture(
    avara, sandbox, settings, monkeypatch
):
    """A claim through the dashboard, then another Avara client unassigns the study half a
    second later: the next picture (built within the note's margin of the claim) shows it
    unassigned, as Avara's newer updatedAt says, not the claim."""
    import time as time_module

    settings.TRIAGE_QUEUE_SECONDS = 2
    settings.TRIAGE_QUEUE_BACKGROUND = False
    study = aged(sandbox, "stat", timedelta(minutes=5))
    user, _ = reader(1, sandbox)
    client = Client()
    client.force_login(user)
    assert queue_ids(client, "unassigned") == [study.study_id]

    services.study_claim(actor=user, study_id=study.study_id)
    assert queue_ids(client, "unassigned") == []  # the claim shows at once
    sandbox.update(study.study_id, assigned_to=None)  # another Avara client gives it back
    later = time_module.time() + 3  # the picture's 2 s are up; the claim's note is 3 s old
    monkeypatch.setattr(time_module, "time", lambda: later)

    assert queue_ids(client, "unassigned") == [study.study_id]
    assert client.get("/counts").json() == {"stat_waiting": "1"}


# --- STAT waiting: one count, one source --------------------------------------------------


def test_a_claim_moves_the_stat_count_at_once_at_no_cost_to_avara(avara, sandbox, settings):
    settings.TRIAGE_QUEUE_SECONDS = 600
    settings.TRIAGE_TITLE_COUNTS = True
    first = aged(sandbox, "stat", timedelta(minutes=5))
    aged(sandbox, "stat", timedelta(minutes=3))
    aged(sandbox, "stat", timedelta(minutes=4), study_viewer_status="complete")  # read
    user, avara_user = reader(1, sandbox)
    other, _ = reader(2, sandbox)
    aged(sandbox, "stat", timedelta(minutes=2), assigned_to=avara_user)  # being read
    client = Client()
    client.force_login(user)
    assert client.get("/counts").json() == {"stat_waiting": "2"}
    sandbox.clear_requests()

    services.study_claim(actor=other, study_id=first.study_id)
    counted = client.get("/counts").json()
    body = client.get("/queue").content.decode()

    assert counted == {"stat_waiting": "1"}
    assert 'data-stat="1"' in body and "<strong>1 STAT waiting</strong>" in body
    assert sandbox.requests(method="GET", path="/v1/viewer/studies") == []


def _tagged_overdue(body: str) -> set[str]:
    rows = re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"(.*?)</tr>', body, re.S)
    return {sid for sid, row in rows if ">Overdue<" in row}


def test_stat_waiting_and_overdue_each_mean_one_thing_on_every_page(avara, sandbox, settings):
    """The title's count, the queue's banner and the worklist's "STAT waiting" quick filter
    are about the same studies; so are the worklist's "Overdue" link, the queue's Overdue
    view and the rows' Overdue tags, on the queue and on the worklist."""
    settings.TRIAGE_TITLE_COUNTS = True
    user, avara_user = reader(1, sandbox, role="Supervisor")
    stat_late = aged(sandbox, "stat", 2 * HOUR).study_id
    waiting = {aged(sandbox, "stat", timedelta(minutes=10)).study_id, stat_late}
    aged(sandbox, "stat", timedelta(minutes=5), assigned_to=avara_user)  # being read
    aged(sandbox, "stat", 3 * HOUR, study_viewer_status="complete")  # read
    aged(sandbox, "stat", 3 * HOUR, is_cancelled=True)
    overdue = {
        stat_late,
        aged(sandbox, "high", 5 * HOUR).study_id,
        aged(sandbox, "normal", 25 * HOUR, assigned_to=avara_user).study_id,
    }
    aged(sandbox, "normal", 23 * HOUR)  # not yet
    aged(sandbox, "high", 5 * HOUR, study_viewer_status="complete")  # read: overdue no more
    client = Client()
    client.force_login(user)

    worklist = client.get("/?limit=100").content.decode()
    quick = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]+)</a>', worklist)
        if label in ("STAT waiting", "Overdue")
    }
    listed = client.get("/" + quick["STAT waiting"]).content.decode()
    linked = client.get(quick["Overdue"]).content.decode()

    assert set(re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', listed)) == waiting
    assert client.get("/counts").json() == {"stat_waiting": "2"}
    assert "<strong>2 STAT waiting</strong>" in client.get("/queue").content.decode()
    assert set(re.findall(r'<tr id="study-(stu_[0-9a-f]{32})"', linked)) == overdue
    assert _tagged_overdue(client.get("/queue").content.decode()) == overdue
    assert _tagged_overdue(worklist) == overdue
