"""`make bench` repeats a throughput round in which one gunicorn process did most of a
server's work: such a round measured half the server, and flipped the verdict."""

import sys
from itertools import count
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchkit import throughput  # scripts/ is not a package: found through the path above


def test_the_busiest_share_is_of_the_work_done_between_the_readings():
    assert throughput.busiest_share({1: 100, 2: 100}, {1: 400, 2: 200}) == pytest.approx(0.75)
    assert throughput.busiest_share({1: 0, 2: 0}, {1: 50, 2: 50}) == pytest.approx(0.5)


def test_one_worker_or_no_work_has_nothing_to_balance():
    assert throughput.busiest_share({1: 10}, {1: 90}) is None
    assert throughput.busiest_share({1: 10, 2: 10}, {1: 10, 2: 10}) is None
    # A worker that started in between (a restart) has no earlier reading: not counted.
    assert throughput.busiest_share({1: 10}, {1: 90, 3: 5}) is None


def test_lopsided_is_over_one_and_a_half_even_shares():
    assert throughput.lopsided(0.94, 2)
    assert not throughput.lopsided(0.56, 2)
    assert not throughput.lopsided(0.75, 2)  # exactly 1.5x an even share of two
    assert throughput.lopsided(0.6, 4)
    assert not throughput.lopsided(None, 2)


def _rounds(monkeypatch, splits):
    """Rounds whose two workers did the given (a, b) ticks of work, in turn; the nth
    round reports n x 100 requests."""
    splits, rounds = iter(splits), count(1)
    ticks = {1: 0, 2: 0}

    def fake_run(url, headers, *, clients, seconds):
        a, b = next(splits)
        ticks[1] += a
        ticks[2] += b
        return {"requests": 100 * next(rounds), "seconds": seconds}

    monkeypatch.setattr(throughput.load, "run", fake_run)
    monkeypatch.setattr(throughput, "worker_cpu_ticks", lambda server: dict(ticks))
    monkeypatch.setattr(throughput, "_settle", lambda servers: None)


def test_a_lopsided_round_is_run_again_and_the_even_one_kept(monkeypatch):
    _rounds(monkeypatch, [(300, 20), (150, 140)])
    result = throughput._round("u", {}, clients=32, seconds=4, on=[object()])
    assert result["requests"] == 200  # the second round's figures
    assert result["repeated"] == 1
    assert not result["lopsided"]
    assert result["busiest_shares"] == [0.52]


def test_a_round_that_stays_lopsided_is_kept_and_said(monkeypatch):
    _rounds(monkeypatch, [(300, 20)] * 10)
    result = throughput._round("u", {}, clients=32, seconds=4, on=[object()])
    assert result["repeated"] == throughput.MAX_REPEATS
    assert result["lopsided"]
    assert result["requests"] == 100 * (throughput.MAX_REPEATS + 1)


def test_one_client_is_never_repeated(monkeypatch):
    """One connection lands on one process by design: that is not a lopsided round."""
    _rounds(monkeypatch, [(300, 0)])
    result = throughput._round("u", {}, clients=1, seconds=4, on=[object()])
    assert result["repeated"] == 0
    assert not result["lopsided"]


def test_a_round_waits_until_the_servers_are_idle(monkeypatch):
    """The last round's requests still running is what made rounds lopsided."""
    readings = iter([{1: 0}, {1: 5}, {1: 9}, {1: 9}])  # busy, busy, then quiet
    monkeypatch.setattr(throughput, "worker_cpu_ticks", lambda server: next(readings))
    throughput._settle([object()], quiet=0.001, limit=5)
    assert next(readings, "all read") == "all read"


def test_waiting_for_idle_servers_has_a_limit(monkeypatch):
    busy = count()
    monkeypatch.setattr(throughput, "worker_cpu_ticks", lambda server: {1: next(busy)})
    throughput._settle([object()], quiet=0.001, limit=0.05)  # returns: never quiet
    assert next(busy) > 3
