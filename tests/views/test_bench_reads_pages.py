"""`make bench` reads the worklist as a browser does: these prove it still can.

scripts/benchkit/web.py finds each row, its signed snapshot and its controls in the
HTML, never in the views' code. When the markup changes, these fail here, instead of
the bench failing later or timing a refusal instead of a save.
"""

import sys
from pathlib import Path

from view_helpers import RADIOLOGIST_ID, STUDIES, hx, page_json, study_id, study_json, text

from studies.accounts.roles import RADIOLOGIST, SUPERVISOR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchkit import ratios, web  # scripts/ is not a package: found through the path above

ASSIGNED, UNASSIGNED = study_id(1), study_id(2)


def _list(avara, *, cursor=None):
    studies = [
        study_json(1, severity="normal"),
        study_json(2, severity="normal", assignedTo=None),
    ]
    return avara.get(STUDIES, name="list").respond(json=page_json(*studies, cursor=cursor))


def test_rows_carry_a_snapshot_and_a_severity_control_the_save_accepts(login, avara):
    _list(avara)
    read = avara.get(f"{STUDIES}/{ASSIGNED}").respond(json=study_json(1, severity="normal"))
    patch = avara.patch(f"{STUDIES}/{ASSIGNED}").respond(json=study_json(1, severity="stat"))
    client = login(SUPERVISOR)
    page = text(client.get("/"))

    rows = web.rows(page)
    assert [r.study_id for r in rows] == [ASSIGNED, UNASSIGNED]
    assert all(r.token() for r in rows)
    url = rows[0].url_containing("/edit/severity")
    assert url == f"/studies/{ASSIGNED}/edit/severity"
    assert web.csrf_from(page)

    saved = client.post(
        url, {"t": rows[0].token(), "next": "", "value": "stat"}, headers=hx(current_url="/")
    )

    assert saved.status_code == 200
    assert (read.call_count, patch.call_count) == (1, 1)
    redrawn = [r for r in web.rows(text(saved)) if r.study_id == ASSIGNED]
    assert len(redrawn) == 1 and redrawn[0].token()


def test_the_claim_button_is_a_link_the_bench_can_post(login, avara):
    _list(avara)
    avara.get(f"{STUDIES}/{UNASSIGNED}").respond(json=study_json(2, assignedTo=None))
    patch = avara.patch(f"{STUDIES}/{UNASSIGNED}").respond(
        json=study_json(
            2,
            assignedTo={
                "userId": RADIOLOGIST_ID,
                "email": "r@clinic.test",
                "firstName": "Ada",
                "lastName": "Reader",
            },
        )
    )
    client = login(RADIOLOGIST)
    rows = {r.study_id: r for r in web.rows(text(client.get("/?assignee=none")))}

    link = rows[UNASSIGNED].post_link("/claim")
    assert link is not None and rows[ASSIGNED].post_link("/claim") is None
    token = rows[UNASSIGNED].token()
    claimed = client.post(link, {"t": token}, headers=hx(current_url="/"))

    assert claimed.status_code == 200
    assert patch.call_count == 1


def test_the_pager_next_link_is_found(login, avara):
    _list(avara, cursor="opaque-cursor")
    client = login(SUPERVISOR)

    found = web.next_page_url(text(client.get("/")))

    assert found is not None and "c=opaque-cursor" in found


def test_the_bench_reads_the_time_split_from_server_timing(login, avara):
    _list(avara)
    client = login(SUPERVISOR)

    timed = ratios.ServerTimed(lambda: client.get("/"))
    for _ in range(3):
        assert timed().status_code == 200

    parts = timed.seen[-1]
    assert set(parts) == {"app", "avara"} and parts["app"] > 0 and parts["avara"] > 0
    figure = {"dashboard": {"median_ms": 100.0}, "raw": {"median_ms": 40.0}}
    split = timed.split(figure, samples=3)
    assert split["answers"] == 3 and split["raw_ms"] == 40.0
    assert split["trip_ms"] == round(100.0 - split["own_ms"] - split["avara_ms"], 2)
