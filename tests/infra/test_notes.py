"""Timed notes (studies/infra/notes.py), the queue's record of the dashboard's own writes: many
writers at once lose none of each other's notes, old notes are dropped, and on Redis a
write waits for no one."""

import math
import threading
import time

import pytest
from django.core.cache import cache

from studies.infra import notes

pytestmark = pytest.mark.stores  # the stores pass runs these on Redis

KEY = "test:notes"


@pytest.fixture(autouse=True)
def _clean():
    notes.notes_delete(KEY)
    cache.delete(f"{KEY}:lock")
    yield
    notes.notes_delete(KEY)
    cache.delete(f"{KEY}:lock")


def put(note_id: str, value: bytes, *, horizon: float = 0.0) -> bool:
    return notes.notes_put(KEY, note_id, value, horizon=horizon, keep=60)


def test_a_note_is_read_back_with_its_time_and_replaced_by_a_later_one():
    before = time.time()
    assert put("stu_a", b'{"v": 1}')
    assert put("stu_b", b"with a space and \x00 bytes")
    assert put("stu_a", b'{"v": 2}')

    found = notes.notes_all(KEY)

    assert {k: v for k, (_, v) in found.items()} == {
        "stu_a": b'{"v": 2}',
        "stu_b": b"with a space and \x00 bytes",
    }
    assert all(before <= when <= time.time() for when, _ in found.values())


def test_writers_at_once_lose_none_of_each_others_notes():
    """Eight threads, 60 notes each, all at once: every note is there afterwards (a
    read-change-write without a lock loses some of them)."""
    start = threading.Barrier(8)
    failed = []

    def writer(n: int) -> None:
        start.wait()
        for i in range(60):
            if not put(f"stu_{n}_{i}", f"{n}:{i}".encode()):
                failed.append((n, i))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    found = notes.notes_all(KEY)
    assert failed == []
    assert len(found) == 480
    assert found["stu_7_59"][1] == b"7:59"


def later_than(when: float) -> float:
    """Now, once the clock has passed `when` (time.sleep does nothing in these tests)."""
    while (now := time.time()) <= when:
        pass
    return now


def test_notes_older_than_the_horizon_are_dropped():
    put("stu_old", b"old")
    old = notes.notes_all(KEY)["stu_old"][0]
    middle = later_than(old)
    put("stu_new", b"new", horizon=0.0)
    new = notes.notes_all(KEY)["stu_new"][0]
    assert old < middle <= new

    notes.notes_drop_before(KEY, middle, keep=60)
    assert set(notes.notes_all(KEY)) == {"stu_new"}

    put("stu_newest", b"newest", horizon=later_than(new))  # a write drops the old too
    assert set(notes.notes_all(KEY)) == {"stu_newest"}


def test_on_redis_a_write_takes_no_lock():
    """On Redis a note is its own field, written in one step: a writer never waits for
    another (on local memory, one process, a held lock makes it wait, then give up)."""
    cache.add(f"{KEY}:lock", "someone", timeout=30)
    if not hasattr(cache, "notes_put"):
        started = time.monotonic()
        assert put("stu_a", b"a") is False
        assert time.monotonic() - started >= 1.0  # waited for the lock, then gave up
        assert notes.notes_all(KEY) == {}
        return
    assert put("stu_a", b"a") is True
    assert notes.notes_all(KEY)["stu_a"][1] == b"a"


def test_a_note_written_exactly_at_the_bound_is_kept():
    """Notes written before the bound are dropped, one written at it is kept, on both
    stores (Redis compares the score it was given, local memory the float)."""
    put("stu_a", b"a")
    when = notes.notes_all(KEY)["stu_a"][0]

    notes.notes_drop_before(KEY, when, keep=60)
    assert set(notes.notes_all(KEY)) == {"stu_a"}

    notes.notes_drop_before(KEY, math.nextafter(when, math.inf), keep=60)
    assert notes.notes_all(KEY) == {}


def times_kept() -> int | None:
    """How many times Redis still holds beside the values (None off Redis)."""
    if not hasattr(cache, "notes_put"):
        return None
    times = cache.make_and_validate_key(f"{KEY}:times")
    return cache._cache.get_client(times).zcard(times)


def test_a_drop_removes_every_old_note_however_many_there_are():
    """Redis drops old notes 500 to a script, so that no single step blocks the store for
    long; a drop keeps going until every old note is gone, values and times alike."""
    for i in range(1200):
        put(f"stu_{i}", b"x")
    assert len(notes.notes_all(KEY)) == 1200
    assert times_kept() in (None, 1200)

    notes.notes_drop_before(KEY, later_than(time.time()), keep=60)

    assert notes.notes_all(KEY) == {}
    assert times_kept() in (None, 0)


def test_on_redis_values_whose_times_were_evicted_are_not_kept_forever():
    """If Redis evicts the times but keeps the values, nothing could ever drop those
    values: the next write starts the map afresh."""
    if not hasattr(cache, "notes_put"):
        pytest.skip("one value on local memory: there are no separate times to lose")
    put("stu_old", b"old")
    cache.delete(f"{KEY}:times")
    assert set(notes.notes_all(KEY)) == {"stu_old"}

    put("stu_new", b"new")

    assert set(notes.notes_all(KEY)) == {"stu_new"}
    assert times_kept() == 1
