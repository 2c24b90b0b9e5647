"""Locks and counters in the shared store: releasing a lock frees only the caller's own (a
lock that expired and was taken again stays its new holder's), and a counter moves only
if it exists. On Redis each is one atomic step (studies/infra/redis_cache.py)."""

import pytest
from django.core.cache import cache

from studies.infra import locks, shared

pytestmark = pytest.mark.stores  # the stores pass runs these on Redis


@pytest.fixture(autouse=True)
def _clean():
    cache.delete("test:unlock")
    yield
    cache.delete("test:unlock")


def test_the_holder_releases_its_lock():
    token = shared.try_lock("test:unlock", seconds=30)
    assert token

    shared.unlock("test:unlock", token)

    assert shared.try_lock("test:unlock", seconds=30)  # free again


def test_a_lock_taken_again_by_another_is_not_released():
    mine = shared.try_lock("test:unlock", seconds=30)
    cache.delete("test:unlock")  # it expired...
    theirs = shared.try_lock("test:unlock", seconds=30)  # ...and another took it
    assert theirs and theirs != mine

    shared.unlock("test:unlock", mine)

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
    token = shared.try_lock("test:unlock", seconds=30)
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
