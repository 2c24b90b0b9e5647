#!/usr/bin/env python
"""`make bench`: how fast the dashboard is next to the Avara calls behind it.

    python scripts/bench.py [--quick] [--samples N]      (BENCH_QUICK=1 = --quick)

Serves, on free loopback ports, the sandbox (20,000 seeded studies in
var/bench-sandbox.sqlite3, reused while it holds the same count and seed) and the
dashboard under gunicorn (`-c dashboard/gunicorn_conf.py`: 2 processes x 4 threads,
gthread, DEBUG off, sharing a private Redis as in production; one process of 8 threads
on local memory when redis-server is missing), plus a second sandbox with 20% injected
failures and a second dashboard in front of it. Logs in as the demo supervisor and
radiologist (made by `manage.py create_demo_accounts`) and measures over HTTP only, each
figure a ratio measured interleaved (A, B, A, B, ...) with medians and p95s. Prints a
table, then the same figures as one JSON object on the last line (also written to
var/bench-results.json). Whatever happens, including Ctrl-C, every server it started is
stopped before it exits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchkit import (
    apiside,
    board,
    calls,
    export,
    faults,
    polling,
    ratios,
    report,
    sizes,
    throughput,
)
from benchkit.accesslog import AccessLog
from benchkit.context import Run, raw_client
from benchkit.servers import API_KEY, SANDBOX_SETTINGS, Stack, clean_env, worker_rss_kib
from benchkit.web import Browser

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
STAMP = VAR / "bench-sandbox.seeded.json"
# The board's room (issue 22): a sandbox of its own, filled through its control plane.
BOARD_DATABASE = f"sqlite:///{VAR / 'bench-board-sandbox.sqlite3'}"
BOARD_STAMP = VAR / "bench-board-sandbox.seeded.json"
BOARD_SEED = 11
DATABASES = {
    "DATABASE_URL": f"sqlite:///{VAR / 'bench-dashboard.sqlite3'}",
    "SANDBOX_DATABASE_URL": f"sqlite:///{VAR / 'bench-sandbox.sqlite3'}",
}
# The demo accounts' passwords, as `manage.py create_demo_accounts` sets them.
SUPERVISOR = ("supervisor", "triage-supervisor")
RADIOLOGIST = ("radiologist", "triage-radiologist")
QUICK_NOTE = " (QUICK: fewer than 50)"
# The list call behind the 25-row worklist, if it could not be read at the sandbox.
DEFAULT_RAW_25 = "isCancelled=false&limit=25"


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK") == "1",
        help="fewer samples and shorter load runs, to try it (BENCH_QUICK=1)",
    )
    parser.add_argument("--samples", type=int, default=None, help="samples per side (60; quick 20)")
    parser.add_argument("--studies", type=int, default=20000, help="studies in the sandbox (20000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the sandbox data (7)")
    args = parser.parse_args()
    args.samples = args.samples or (20 if args.quick else 60)
    args.load_seconds = 1.0 if args.quick else 4.0
    args.fault_edits = 50 if args.quick else 200
    return args


def manage(env: dict[str, str], *args: str, program: str = "manage.py") -> str:
    """A command of the dashboard (manage.py) or, with program="-m sandbox", of the
    sandbox (its own settings)."""
    done = subprocess.run(  # noqa: S603 (this project's commands, fixed arguments)
        [sys.executable, *program.split(), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"{program} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def sandbox_command(env: dict[str, str], *args: str) -> str:
    return manage(env | SANDBOX_SETTINGS, *args, program="-m sandbox")


def prepare(env: dict[str, str], *, studies: int, seed: int) -> str:
    """Databases, seeded sandbox (reused when it matches), demo accounts, static files."""
    VAR.mkdir(exist_ok=True)
    wanted = {"studies": studies, "seed": seed}
    sandbox_db = VAR / "bench-sandbox.sqlite3"
    try:
        reuse = sandbox_db.exists() and json.loads(STAMP.read_text()) == wanted
    except (OSError, ValueError):
        reuse = False
    manage(env, "migrate", "--noinput", "-v", "0")
    sandbox_command(env, "migrate", "--noinput", "-v", "0")
    sandbox_command(
        env | {"SANDBOX_DATABASE_URL": BOARD_DATABASE}, "migrate", "--noinput", "-v", "0"
    )
    if reuse:
        seeded = f"reused var/{sandbox_db.name} ({studies} studies, seed {seed})"
    else:
        STAMP.unlink(missing_ok=True)
        seeded = sandbox_command(
            env, "seed_sandbox", "--studies", str(studies), "--seed", str(seed)
        )
        seeded = seeded.strip()
        STAMP.write_text(json.dumps(wanted))
    manage(env, "collectstatic", "--noinput", "-v", "0")
    subprocess.run(  # noqa: S603 (whitenoise's compressor over our own static root)
        [sys.executable, "-m", "whitenoise.compress", "-q", str(ROOT / "staticfiles")],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return seeded


def start(stack: Stack, results: dict) -> dict:
    # The dashboards' shared store, as in production: a private Redis (one database each,
    # so the dashboards in front of the two sandboxes share nothing), 2 processes each.
    # Without redis-server: one process of 8 threads each, on local memory.
    redis = stack.redis()
    store = (lambda n: f"{redis}/{n}") if redis else (lambda n: None)
    results["meta"]["summary"] += (
        "; dashboards: 2 processes x 4 threads (gthread) sharing a private Redis"
        if redis
        else "; dashboards: 1 process x 8 threads (gthread), local-memory cache (no redis-server)"
    )
    results["meta"]["shared_store"] = "redis" if redis else "local memory"
    servers = {
        "sandbox": stack.sandbox("sandbox"),
        "faulty_sandbox": stack.sandbox("faulty-sandbox", fault_rate=0.2),
        "board_sandbox": stack.sandbox("board-sandbox", database=BOARD_DATABASE),
    }
    # The ratios measure what a page costs on top of its Avara call, so this dashboard
    # shares no list reads between requests (TRIAGE_LIST_SHARE_SECONDS=0: every page view
    # calls Avara, as the raw side does) and builds its queue picture once, at warm-up,
    # not during the measurements (a rebuild is a background job, figured separately).
    servers["dashboard"] = stack.dashboard(
        "dashboard",
        upstream=servers["sandbox"],
        cache_url=store(0),
        settings={"TRIAGE_LIST_SHARE_SECONDS": "0", "TRIAGE_QUEUE_SECONDS": "3600"},
    )
    # Live refresh as shipped (default settings): what 50 watchers cost Avara.
    servers["watched_dashboard"] = stack.dashboard(
        "watched-dashboard", upstream=servers["sandbox"], cache_url=store(1)
    )
    servers["faulty_dashboard"] = stack.dashboard(
        "faulty-dashboard", upstream=servers["faulty_sandbox"], cache_url=store(2)
    )
    # The board from a built picture: kept for the whole run, so a page view reads it.
    servers["board_dashboard"] = stack.dashboard(
        "board-dashboard",
        upstream=servers["board_sandbox"],
        cache_url=store(3),
        settings={"TRIAGE_QUEUE_SECONDS": "3600"},
    )
    auth = {"Authorization": f"Bearer {API_KEY}"}
    stack.wait_ready(servers["sandbox"], "/v1/viewer/users?limit=1", headers=auth)
    stack.wait_ready(servers["faulty_sandbox"], "/viewer/sandbox.css")
    stack.wait_ready(servers["dashboard"], "/accounts/login/")
    stack.wait_ready(servers["faulty_dashboard"], "/accounts/login/")
    stack.wait_ready(servers["watched_dashboard"], "/accounts/login/")
    stack.wait_ready(servers["board_sandbox"], "/v1/viewer/users?limit=1", headers=auth)
    stack.wait_ready(servers["board_dashboard"], "/accounts/login/")
    return servers


def board_room(server) -> str:
    """The board's sandbox holds its room (made again unless it holds this one)."""
    wanted = {"studies": board.BOARD_STUDIES, "readers": board.BOARD_READERS, "seed": BOARD_SEED}
    try:
        if json.loads(BOARD_STAMP.read_text()) == wanted:
            return "reused"
    except (OSError, ValueError):
        pass
    BOARD_STAMP.unlink(missing_ok=True)
    made = board.board_room(server.url, seed=BOARD_SEED)
    BOARD_STAMP.write_text(json.dumps(made))
    return "made"


def step(results: dict, key: str, label: str, fn: Callable[[], object]) -> None:
    """One group of figures; if it breaks, the others are still measured and printed."""
    say(label)
    started = time.perf_counter()
    try:
        results[key] = fn()
    except Exception as exc:  # a figure that could not be measured says why, in its place
        traceback.print_exc(file=sys.stderr)
        results[key] = {"error": f"{type(exc).__name__}: {exc}"}
        say(f"{label}: not measured ({results[key]['error']})")
    results["meta"]["seconds"][key] = round(time.perf_counter() - started, 1)


def measure(run: Run, servers: dict, args: argparse.Namespace, results: dict) -> None:
    step(
        results, "speed", "worklist and fragment vs the raw list call", lambda: ratios.worklist(run)
    )
    step(results, "inline_save", "inline save vs raw GET + PATCH", lambda: ratios.inline_save(run))
    step(results, "floor", "the floor: requests with no page work", lambda: ratios.floor(run))
    step(results, "bytes", "bytes of pages, rows, controls, static files", lambda: sizes.sizes(run))
    step(results, "upstream_calls", "upstream calls per action", lambda: calls.upstream_calls(run))
    step(results, "sandbox_list", "sandbox first page vs deep page", lambda: apiside.paging(run))
    step(results, "decode", "decode cost: msgspec vs the SDK", lambda: apiside.decode_cost(run))
    raw25 = results["speed"].get("worklist_page_25", {}).get("upstream_query", DEFAULT_RAW_25)
    step(
        results, "live_refresh", "live refresh (issue 10)", lambda: polling.live_refresh(run, raw25)
    )
    step(
        results,
        "throughput",
        "throughput at 1, 8, 32 clients",
        lambda: throughput.throughput(run, raw25, seconds=args.load_seconds),
    )
    faulty_log = AccessLog(servers["faulty_sandbox"].access_log, servers["faulty_sandbox"].url)
    try:
        step(
            results,
            "edits_under_faults",
            f"{args.fault_edits} inline edits at 20% upstream failures",
            lambda: faults.edits_under_faults(
                run, servers["faulty_dashboard"], faulty_log, count=args.fault_edits
            ),
        )
    finally:
        faulty_log.close()
    step(
        results,
        "bulk",
        f"bulk reassign of {board.BULK_STUDIES} studies",
        lambda: board.bulk_reassign(run, repeats=1 if args.quick else 3),
    )
    step(results, "memory", "memory of the dashboard's workers", lambda: memory(servers))
    step(
        results, "export", "CSV export of the whole worklist (issue 23)", lambda: export.export(run)
    )


def memory(servers: dict) -> dict:
    rss = worker_rss_kib(servers["dashboard"])
    if not rss:
        raise RuntimeError("no dashboard worker process found")
    return {
        "workers_mib": [round(v / 1024, 1) for v in rss.values()],
        "max_worker_rss_mib": round(max(rss.values()) / 1024, 1),
    }


def meta(args: argparse.Namespace, seeded: str) -> dict:
    return {
        "summary": (
            f"{seeded}; sandbox and dashboards under gunicorn, DEBUG off, SQLite; "
            f"{os.cpu_count()} cores; "
            f"{args.samples} samples per side{QUICK_NOTE if args.samples < 50 else ''}"
        ),
        "studies": args.studies,
        "seed": args.seed,
        "samples": args.samples,
        "quick": args.quick,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "seconds": {},
    }


def run_bench(args: argparse.Namespace) -> dict:
    env = clean_env(ROOT, DATABASES)
    say("preparing databases, seed data, static files")
    seeded = prepare(env, studies=args.studies, seed=args.seed)
    results = {"meta": meta(args, seeded)}
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="avara-bench-") as tmp,
        Stack(root=ROOT, tmp=Path(tmp), env=env) as stack,
    ):
        say("starting three sandboxes and four dashboards under gunicorn")
        servers = start(stack, results)
        # The demo accounts are linked to their Avara users through the API, so once the
        # sandbox serves (the output, with the demo passwords, is kept off the report).
        manage(env | {"AVARA_BASE_URL": servers["sandbox"].url}, "create_demo_accounts")
        log = AccessLog(servers["sandbox"].access_log, servers["sandbox"].url)
        board_log = AccessLog(servers["board_sandbox"].access_log, servers["board_sandbox"].url)
        supervisor, radiologist, board_supervisor = (
            Browser(servers["dashboard"].url),
            Browser(servers["dashboard"].url),
            Browser(servers["board_dashboard"].url),
        )
        api = raw_client(servers["sandbox"])
        try:
            say(f"the board's room: {board_room(servers['board_sandbox'])}")
            supervisor.login(*SUPERVISOR)
            radiologist.login(*RADIOLOGIST)
            board_supervisor.login(*SUPERVISOR)
            board_run = board.BoardRun(board_supervisor, board_log, args.samples)
            step(
                results,
                "board",
                f"the board: {board.BOARD_STUDIES} open studies, {board.BOARD_READERS} readers",
                lambda: board.board_page(board_run),
            )
            run = Run(
                servers["dashboard"],
                servers["watched_dashboard"],
                servers["sandbox"],
                log,
                api,
                supervisor,
                radiologist,
                args.samples,
                args.quick,
            )
            measure(run, servers, args, results)
        finally:
            for closable in (log, board_log, supervisor, radiologist, board_supervisor, api):
                closable.close()
        say("stopping the servers")
    results["meta"]["seconds"]["total"] = round(time.perf_counter() - started, 1)
    results["meta"]["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return results


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    busy = os.getloadavg()[0]
    if busy > (os.cpu_count() or 1) / 2:
        say(f"the machine is busy (load average {busy:.1f}): absolute times will be inflated")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        results = run_bench(args)
    except KeyboardInterrupt:
        say("interrupted; every server it started has been stopped")
        return 130
    except RuntimeError as exc:
        say(f"failed: {exc}")
        return 1
    print(report.table(results))
    line = report.as_json(results)
    (VAR / "bench-results.json").write_text(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
