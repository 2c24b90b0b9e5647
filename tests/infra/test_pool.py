"""Work done a few at a time (studies/infra/pool.py): never more than the bound at once,
every item answered once (a failure too), in the order they finish, each thread in the
caller's context and closing its database connections when done."""

import threading
import time
from contextvars import ContextVar

import pytest

from studies.infra import pool
from studies.infra.pool import Failed, bounded_map

where: ContextVar[str] = ContextVar("where", default="nowhere")


def test_never_more_than_the_bound_at_once_and_every_item_once():
    running, most, lock = 0, 0, threading.Lock()

    def work(n):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return n * 2

    answers = list(bounded_map(work, range(20), workers=3))

    assert most == 3
    assert sorted(answers) == [(n, n * 2) for n in range(20)]


def test_answers_come_as_each_finishes():
    slow = threading.Event()

    def work(n):
        if n == 0:
            slow.wait(2)
        return n

    results = bounded_map(work, [0, 1], workers=2)
    first = next(results)
    slow.set()

    assert first == (1, 1)
    assert next(results) == (0, 0)


def test_a_failure_is_an_answer_and_the_others_go_on():
    def work(n):
        if n == 2:
            raise RuntimeError("boom")
        return n

    answers = dict(bounded_map(work, range(4), workers=2))

    assert isinstance(answers.pop(2), Failed)
    assert answers == {0: 0, 1: 1, 3: 3}


def test_each_thread_works_in_the_callers_context_and_closes_its_connections(monkeypatch):
    closed = []
    monkeypatch.setattr(pool.connections, "close_all", lambda: closed.append(threading.get_ident()))
    where.set("the request")

    seen = dict(bounded_map(lambda n: (where.get(), threading.get_ident()), range(6), workers=2))

    assert {context for context, _ in seen.values()} == {"the request"}
    threads = {ident for _, ident in seen.values()}
    assert threading.get_ident() not in threads
    assert threads <= set(closed) and len(closed) == 2  # every thread started, once


@pytest.mark.parametrize("items", [[], ()])
def test_nothing_to_do(items):
    assert list(bounded_map(lambda n: n, items, workers=4)) == []
