"""Races over real HTTP against real server processes (tests/integration/race_stack.py).

- Twenty radiologists press Claim on the same study at the same moment, twenty times
  over: each time exactly one wins, Avara holds the winner, and every other radiologist
  is told who has it.
- Ten radiologists press Read next at once: ten different studies, none claimed twice.
- One radiologist skips ten studies at once, from tabs on every process: all ten kept.
- After a quiet spell, twenty radiologists open the queue at once: every one sees the
  study that arrived meanwhile, from one picture read once (single flight).

On the `stores` pass the readers are spread over two dashboard processes sharing
PostgreSQL and Redis, so the claim lock must hold across processes.
"""

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from race_stack import assignee_of, new_study, one_reader_everywhere, readers, served

pytestmark = [pytest.mark.stores, pytest.mark.django_db]

CLAIMERS, ROUNDS = 20, 20


@pytest.fixture
def stack(tmp_path):
    with served(tmp_path) as running:
        yield running


def _at_once(people, action):
    start = threading.Barrier(len(people))

    def go(person):
        start.wait()
        return action(person)

    with ThreadPoolExecutor(len(people)) as pool:
        return list(pool.map(go, people))


def test_twenty_simultaneous_claims_have_exactly_one_winner(stack):
    crowd = readers(stack, CLAIMERS)
    with stack.api() as api:
        for _ in range(ROUNDS):
            study_id = new_study(api)
            answers = _at_once(
                crowd,
                lambda r, s=study_id: r.browser.post(
                    f"/studies/{s}/claim", headers={"HX-Request": "true"}
                ),
            )

            won = [n for n, a in enumerate(answers) if a.status_code == 200]
            assert len(won) == 1, [a.status_code for a in answers]
            winner = crowd[won[0]]
            assert assignee_of(api, study_id) == winner.user_id
            for n, answer in enumerate(answers):
                if n == won[0]:
                    continue
                assert answer.status_code == 409, answer.text[:300]
                told = json.loads(answer.headers["HX-Trigger"])["toast"]["message"]
                assert told.startswith(f"{winner.name} has this study"), told
                assert winner.name in answer.text  # the row is redrawn showing the winner
    for reader in crowd:
        reader.browser.close()


def test_ten_readers_pressing_read_next_at_once_get_ten_different_studies(stack):
    crowd = readers(stack, 10)
    with stack.api() as api:
        made = {new_study(api, severity="stat") for _ in range(12)}
        answers = _at_once(crowd, lambda r: r.browser.post("/queue/next"))

        assert [a.status_code for a in answers] == [302] * 10, [a.text[:200] for a in answers]
        opened = [a.headers["Location"].split("/viewer/studies/")[1].split("?")[0] for a in answers]
        assert len(set(opened)) == 10 and set(opened) <= made
        for reader, study_id in zip(crowd, opened, strict=True):
            assert assignee_of(api, study_id) == reader.user_id
        taken = [s for s in made if assignee_of(api, s)]
        assert sorted(taken) == sorted(opened)  # nobody got two, none was claimed twice
    for reader in crowd:
        reader.browser.close()


def test_readers_pressing_read_next_at_once_take_every_stat_before_overdue_high(stack):
    """Ten High studies six days overdue, then three new STAT studies: six readers at
    once. The STAT studies are read first, always: all three are taken."""
    crowd = readers(stack, 6)
    control = stack.control()
    long_ago = datetime.now(UTC) - timedelta(days=6)
    with stack.api() as api:
        for _ in range(10):
            control.set_times(new_study(api, severity="high"), created_at=long_ago)
        stats = {new_study(api, severity="stat") for _ in range(3)}

        answers = _at_once(crowd, lambda r: r.browser.post("/queue/next"))

        assert [a.status_code for a in answers] == [302] * 6, [a.text[:200] for a in answers]
        opened = [a.headers["Location"].split("/viewer/studies/")[1].split("?")[0] for a in answers]
        assert len(set(opened)) == 6
        assert stats <= set(opened), "a reader was given an overdue High before a waiting STAT"
    control.close()
    for reader in crowd:
        reader.browser.close()


def _opened(answer) -> str:
    """The study a Read next's redirect to the viewer opens."""
    return answer.headers["Location"].split("/viewer/studies/")[1].split("?")[0]


def test_ten_simultaneous_skips_by_one_reader_are_all_kept(stack):
    """One reader skips ten STAT studies at the same moment, from tabs served by every
    dashboard process: all ten are kept (each skip is one atomic note of its own, never a
    read-change-write of the reader's whole list), so Read next then offers none of them,
    only the two Normal studies behind them, and then says only skipped ones are left."""
    tabs = one_reader_everywhere(stack)
    with stack.api() as api:
        skipped = [new_study(api, severity="stat") for _ in range(10)]
        others = {new_study(api, severity="normal") for _ in range(2)}

        answers = _at_once(
            list(enumerate(skipped)),
            lambda pair: tabs[pair[0] % len(tabs)].browser.post(
                f"/studies/{pair[1]}/skip", data={"reason": "Conflict of interest"}
            ),
        )
        taken = [tabs[n % len(tabs)].browser.post("/queue/next") for n in range(2)]
        nothing = tabs[-1].browser.post("/queue/next")

        assert [a.status_code for a in answers] == [302] * 10, [a.text[:200] for a in answers]
        assert [a.status_code for a in taken] == [302, 302], [a.text[:300] for a in taken]
        assert {_opened(a) for a in taken} == others, "Read next offered a skipped study"
        assert nothing.status_code == 200
        assert "Nothing to read but the 10 unassigned studies you skipped" in nothing.text
        assert all(assignee_of(api, s) is None for s in skipped)
    counted = stack.django(
        "from studies.models import AuditEntry\n"
        "print(AuditEntry.objects.filter(action='skip', outcome='applied').count())\n"
    )
    assert counted.strip() == "10"
    for tab in tabs:
        tab.browser.close()


def test_fifty_identical_polls_at_once_cost_avara_at_most_two_list_calls(stack):
    """Single flight: fifty people's live refresh hitting the same list at the same moment
    share one Avara call (two at most: one per dashboard process before the shared store
    has the answer, on the stores pass)."""
    crowd = readers(stack, 50)
    with stack.api() as api:
        for _ in range(5):
            new_study(api)
    control = stack.control()
    control.clear_requests()
    answers = _at_once(
        crowd,
        lambda r: r.browser.get(
            "/?limit=25",
            headers={"HX-Request": "true", "HX-Target": "results", "X-Triage-Refresh": "1"},
        ),
    )
    logged = control.requests(method="GET", path="/v1/viewer/studies")
    control.close()

    assert [a.status_code for a in answers] == [200] * 50
    assert {a.text.count('<tr id="study-') for a in answers} == {5}  # the same list for all
    assert 1 <= len(logged) <= 2, logged
    for reader in crowd:
        reader.browser.close()


QUIET_TTL = 8  # TRIAGE_QUEUE_SECONDS for the quiet spell (rebuilt ahead past 2/3 of it)


def test_after_a_quiet_spell_twenty_readers_at_once_see_the_new_study_from_one_read(tmp_path):
    """Nobody looked for longer than TRIAGE_QUEUE_SECONDS, and a STAT arrived meanwhile.
    Twenty readers open the queue at the same moment, on both processes: none is shown the
    old picture; one process reads the new one from Avara (a call per severity) while every
    other request, in either process, waits for what it stores."""
    with served(tmp_path, extra={"TRIAGE_QUEUE_SECONDS": str(QUIET_TTL)}) as stack:
        crowd = readers(stack, 20)
        control = stack.control()
        with stack.api() as api:
            new_study(api, severity="high")
            assert all(r.browser.get("/queue").status_code == 200 for r in crowd[:2])
            time.sleep(QUIET_TTL + 0.5)  # the quiet spell
            stat = new_study(api, severity="stat")
            control.clear_requests()

            answers = _at_once(crowd, lambda r: r.browser.get("/queue"))
            logged = control.requests(method="GET", path="/v1/viewer/studies")
        control.close()
        for reader in crowd:
            reader.browser.close()

    assert [a.status_code for a in answers] == [200] * 20
    assert all(stat in a.text for a in answers), "someone was shown the old picture"
    assert not any("This is the queue as it was" in a.text for a in answers)
    pictures = {re.search(r'Queue as of <time datetime="([^"]+)"', a.text)[1] for a in answers}
    assert len(pictures) == 1, pictures  # one picture for all twenty, built once
    assert len(logged) == 3, logged  # its read: one list call per severity
