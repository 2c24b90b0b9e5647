"""Locks and counters in the shared store: releasing a lock frees only the caller's own (a
lock that expired and was taken again stays its new holder's), and a counter moves only
if it exists. On Redis each is one atomic step (studies/infra/redis_cache.py).

The one way anything waits on the store (`locks.poll`) and what is built on it: a
taker that waits, a lock held for a block, single flight's builder and its waiters."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from studies.infra import locks, shared

pytestmark = pytest.mark.stores  # the stores pass runs these on Redis


@pytest.fixture(autouse=True)
def _clean():
    cache.delete_many(["test:unlock", "test:flight", "test:flight:building"])
    yield
    cache.delete_many(["test:unlock", "test:flight", "test:flight:building"])


def test_the_holder_releases_its_lock():
    token = locks.lock_take("test:unlock", seconds=30)
    assert token

    locks.lock_release("test:unlock", token)

    assert locks.lock_take("test:unlock", seconds=30)  # free again


def test_a_lock_taken_again_by_another_is_not_released():
    mine = locks.lock_take("test:unlock", seconds=30)
    cache.delete("test:unlock")  # it expired...
    theirs = locks.lock_take("test:unlock", seconds=30)  # ...and another took it
    assert theirs and theirs != mine

    locks.lock_release("test:unlock", mine)

    assert cache.get("test:unlock") == theirs


def test_a_study_lock_is_released_after_its_block():
    with locks.study_lock(study_id="stu_" + "1" * 32) as held:
        assert held
        with locks.study_lock(study_id="stu_" + "1" * 32, wait=0) as again:
            assert not again  # held by the block above
    with locks.study_lock(study_id="stu_" + "1" * 32, wait=0) as after:
        assert after


def test_on_redis_the_release_is_one_step(settings):
    if not hasattr(cache, "delete_if"):
        pytest.skip("local memory: get then delete (one process, nothing to race)")
    token = locks.lock_take("test:unlock", seconds=30)
    assert cache.delete_if("test:unlock", "someone else's") is False
    assert cache.get("test:unlock") == token
    assert cache.delete_if("test:unlock", token) is True
    assert cache.get("test:unlock") is None


def test_a_counter_moves_by_one_and_a_missing_one_is_refused():
    """Django's incr contract, kept by studies/infra/redis_cache.py's one-step version."""
    cache.set("test:unlock", 41, timeout=30)
    assert cache.incr("test:unlock") == 42
    assert cache.incr("test:unlock", 3) == 45
    cache.delete("test:unlock")
    with pytest.raises(ValueError):
        cache.incr("test:unlock")
    assert cache.get("test:unlock") is None  # not created by the refusal


# --- Waiting: one loop for every lock --------------------------------------------------


def test_a_poll_tries_at_once_and_stops_at_the_first_answer(monkeypatch):
    pauses = []
    monkeypatch.setattr(locks.time, "sleep", pauses.append)
    answers = iter([locks.NOT_YET, locks.NOT_YET, None])  # None is an answer too

    assert locks.poll(lambda: next(answers), seconds=10) is None
    assert pauses == [0.005, 0.01]


def test_a_poll_pauses_longer_each_time_up_to_50_ms_and_gives_up_at_its_deadline(monkeypatch):
    clock, pauses = [0.0], []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(locks.time, "sleep", sleep)
    monkeypatch.setattr(locks.time, "monotonic", lambda: clock[0])

    assert locks.poll(lambda: locks.NOT_YET, seconds=0.3) is locks.NOT_YET
    assert pauses[:5] == [0.005, 0.01, 0.02, 0.04, 0.05]
    assert set(pauses[4:]) == {0.05}
    assert sum(pauses[:-1]) < 0.3 <= sum(pauses)


def test_a_taker_that_waits_gets_the_lock_once_its_holder_lets_go():
    holder = locks.lock_take("test:unlock", seconds=30)
    threading.Timer(0.05, locks.lock_release, args=("test:unlock", holder)).start()

    waiter = locks.lock_take("test:unlock", seconds=30, wait=5)

    assert waiter and waiter != holder
    assert cache.get("test:unlock") == waiter


def test_a_lock_held_for_a_block_is_released_when_the_block_fails():
    with pytest.raises(RuntimeError), locks.lock_held("test:unlock", seconds=30) as token:
        assert token and cache.get("test:unlock") == token
        raise RuntimeError

    assert cache.get("test:unlock") is None


def test_single_flight_builds_once_while_the_others_wait_for_its_value():
    builds = []

    def build():
        builds.append(1)
        # Long enough for every other caller to find the builder at work (not
        # time.sleep: a suite may make sleeps return at once).
        threading.Event().wait(0.2)
        return "page"

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: shared.single_flight("test:flight", 5, build), range(6)))

    assert builds == [1]
    assert sorted(answers) == [("page", False)] + [("page", True)] * 5
    assert cache.get("test:flight:building") is None  # the builder let go


def test_a_waiter_whose_builder_never_stores_builds_itself():
    locks.lock_take("test:flight:building", seconds=30)  # a builder that got stuck

    assert shared.single_flight("test:flight", 5, lambda: "mine", wait=0.05) == ("mine", False)
