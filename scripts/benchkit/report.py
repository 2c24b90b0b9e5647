"""The figures as a table for people, then as one JSON object for tools."""

from __future__ import annotations

import json
import math

from benchkit.sizes import KB

LABELS = {
    "worklist_page_100": "worklist page, 100 rows",
    "worklist_fragment_100": "HTMX results, 100 rows",
    "worklist_page_25": "worklist page, 25 rows",
    "worklist_fragment_25": "HTMX results, 25 rows",
    "inline_save": "inline save (vs GET+PATCH)",
}
ACTIONS = {
    "page_view": "page view (25 rows)",
    "results_fragment": "HTMX results (25 rows)",
    "edit": "inline severity save",
    "claim": "claim",
    "cancel": "cancel",
    "viewer_link": "open in viewer",
}


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "FAIL")


def _ms(side: dict) -> str:
    return f"{side['median_ms']:8.2f} / {side['p95_ms']:<8.2f}"


def _kb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / KB:.1f} kB"


def _x(value: float) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.2f}x"
    )


def _speed(out: list[str], r: dict) -> None:
    out.append(
        f"\n== Dashboard vs the raw Avara call: ms, median / p95 of {r['meta']['samples']}, "
        "interleaved =="
    )
    out.append(f"{'':30} {'dashboard':^19} {'raw':^19}   {'ratio (p95)':<16} target")
    for key, label in LABELS.items():
        f = _speed_figure(r, key)
        if "error" in f:
            out.append(f"{label:30} not measured: {f['error']}")
            continue
        errors = f["dashboard"]["errors"] + f["raw"]["errors"]
        note = f"  {errors} errors" if errors else ""
        if key.startswith("worklist") and not f.get("upstream_query_observed", True):
            note += "  (raw query assumed: no list call seen)"
        out.append(
            f"{label:30} {_ms(f['dashboard'])} {_ms(f['raw'])}   "
            f"{_x(f['ratio_median']):>6} ({_x(f['ratio_p95'])})   <= {f['target_max_ratio']}x"
            f"   {_verdict(f.get('pass'))}{note}"
        )


def _split(out: list[str], r: dict) -> None:
    """Where the dashboard's time goes, by its own Server-Timing (medians)."""
    figures = [(label, _speed_figure(r, key).get("split")) for key, label in LABELS.items()]
    figures = [(label, s) for label, s in figures if s and "error" not in s]
    if not figures:
        return
    out.append("\n== Where the dashboard's time goes: ms, medians (its own Server-Timing) ==")
    out.append(f"{'':30} {'own work':>9} {'on Avara':>9} {'the trip':>9}   {'raw call':>8}")
    for label, s in figures:
        out.append(
            f"{label:30} {s['own_ms']:9.2f} {s['avara_ms']:9.2f} {s['trip_ms']:9.2f}   "
            f"{s['raw_ms']:8.2f}"
        )
    out.append(
        "own work: the dashboard's code, session to response; on Avara: its calls as it "
        "waited for them (the second hop included);\nthe trip: the rest of the median, the "
        "request's way to the dashboard and back (client, loopback, gunicorn), which the raw "
        "call also pays once."
    )


def _bytes(out: list[str], b: dict) -> None:
    out.append(
        "\n== Bytes (kB = 1000 bytes; 'sent' = with Accept-Encoding: gzip, deflate, br, zstd) =="
    )
    for key, label in (("page_100", "100-row page"), ("fragment_100", "100-row HTMX results")):
        f = b[key]
        line = (
            f"{label:30} {_kb(f['html_bytes']):>10} HTML  {_kb(f['wire_bytes']):>10} sent "
            f"({f['content_encoding']})  gzip-6 would be {_kb(f['gzip6_would_be'])}"
        )
        if "brotli_would_be" in f:
            line += f", brotli {_kb(f['brotli_would_be'])}"
        if key == "page_100":
            line += (
                f"   targets <= {_kb(f['target_html_bytes'])} / <= {_kb(f['target_wire_bytes'])}:"
                f" {_verdict(f['pass_html'])} / {_verdict(f['pass_wire'])}"
            )
        out.append(line)
    row = b["row"]
    out.append(
        f"{'one row':30} {_kb(row['mean_bytes']):>10} mean, {_kb(row['max_bytes'])} max "
        f"({row['rows_in_page']} rows; the page outside them: "
        f"{_kb(row['page_outside_rows_bytes'])})"
    )
    ctl = b["edit_control"]
    out.append(
        f"{'edit control (severity)':30} "
        + (
            f"{_kb(ctl['html_bytes']):>10} HTML  {_kb(ctl['wire_bytes']):>10} sent"
            if ctl
            else "n/a (no control found)"
        )
    )
    st = b["static_first_visit"]
    out.append(
        f"{'static files, first visit':30} {_kb(st['bytes']):>10} raw   "
        f"{_kb(st['wire_bytes']):>10} sent"
        f" ({len(st['files'])} files: {', '.join(f'{k} {v[2]}' for k, v in st['files'].items())})"
    )


def _calls(out: list[str], calls: dict) -> None:
    out.append("\n== Upstream calls per action (counted in the sandbox's access log) ==")
    for key, label in ACTIONS.items():
        f = calls.get(key, {"error": "missing"})
        if "error" in f:
            out.append(f"{label:30} not measured: {f['error']}")
            continue
        detail = ", ".join(f"{k}: {v}" for k, v in (f["first_breakdown"] or {}).items())
        status = "" if f["all_succeeded"] else f"  (answers {f['statuses']})"
        out.append(f"{label:30} {f['median']!s:>4}   each: {f['calls']}   first: {detail}{status}")


def _floor(out: list[str], f: dict) -> None:
    out.append("\n== The floor: a request with no page work (ms, median / p95, interleaved) ==")
    out.append(
        f"{'/healthz (gunicorn + Django)':34} {_ms(f['healthz'])}   "
        f"{'GET /queue/next (logged in, 302)':36} {_ms(f['logged_in'])}"
        f"  ({f['logged_in_upstream_calls']} Avara calls)"
    )
    out.append(
        f"{'raw list call, 25 rows':34} {_ms(f['raw_25'])}   "
        f"{'raw list call, 100 rows':36} {_ms(f['raw_100'])}"
    )
    for rows_ in (25, 100):
        b = f[f"budget_{rows_}"]
        out.append(
            f"{rows_:>3} rows: a {b['target_max_ratio']}x target leaves "
            f"{b['own_time_budget_ms']:.2f} ms of the dashboard's own time; a logged-in "
            f"request that only redirects spends {b['spent_by_a_logged_in_request_ms']:.2f} ms "
            f"({b['share_spent']:.0%} of it)"
        )


def _throughput(out: list[str], t: dict) -> None:
    out.append(
        f"\n== Throughput, 25-row worklist vs its raw list call ({t['generator']}, "
        f"{t['rounds']} rounds x {t['seconds_per_round']:g} s each side) =="
    )
    out.append(
        f"{'clients':>7}  {'dashboard req/s  p50 / p95 ms  errors':>40}   "
        f"{'raw req/s  p50 / p95 ms  errors':>34}   ratio   target"
    )
    for key in ("clients_1", "clients_8", "clients_32"):
        f = t[key]
        d, r = f["dashboard"], f["raw"]
        target = f">= {f['target_min_ratio']}  {_verdict(f['pass'])}" if "pass" in f else ""
        out.append(
            f"{key.split('_')[1]:>7}  {d['rps']:>15.1f} {d['p50_ms']:>7.1f} / {d['p95_ms']:<7.1f} "
            f"{d['errors']:>6}   {r['rps']:>9.1f} {r['p50_ms']:>7.1f} / {r['p95_ms']:<7.1f} "
            f"{r['errors']:>6}   {f['dashboard_over_raw']:>5.2f}   {target}"
        )
    levels = [t[key] for key in ("clients_1", "clients_8", "clients_32")]
    if "lopsided_over_even" in t:
        counts = {
            side: tuple(sum(f[side][k] for f in levels) for k in ("repeated", "lopsided"))
            for side in ("dashboard", "raw")
        }
        out.append(
            f"rounds repeated because one gunicorn process did over {t['lopsided_over_even']:g}x "
            "an even share of its server's work (the kernel hands keep-alive connections to "
            f"processes unevenly): dashboard side {counts['dashboard'][0]}, raw side "
            f"{counts['raw'][0]}; still lopsided after {t['max_repeats']} repeats: "
            f"{counts['dashboard'][1]} and {counts['raw'][1]}"
        )


def _paging(out: list[str], p: dict) -> None:
    out.append("\n== Sandbox list, 100 per page: ms, median / p95 (interleaved) ==")
    for label, f in p.items():
        out.append(
            f"{label:24} first {_ms(f['first_page'])}  page {f['deep_page_number']:>3} "
            f"{_ms(f['deep_page'])}  deep/first {_x(f['deep_over_first'])}  "
            f"first vs unfiltered first {_x(f['first_over_unfiltered_first'])}"
        )


def _decode(out: list[str], d: dict) -> None:
    if "skipped" in d:
        out.append(f"decode 100 studies: {d['skipped']}")
        return
    sdk = d["sdk_pydantic"]
    sdk_text = sdk if isinstance(sdk, str) else f"{sdk['median_ms']:.3f} ms"
    ratio = f" ({d['sdk_over_msgspec']}x)" if "sdk_over_msgspec" in d else ""
    out.append(
        f"decode 100 studies ({d['body_bytes']} B): msgspec {d['msgspec']['median_ms']:.3f} ms, "
        f"official SDK pydantic {sdk_text}{ratio}"
    )


def _memory(out: list[str], mem: dict) -> None:
    out.append(
        f"\n== Memory == dashboard worker VmRSS after the run: {mem['max_worker_rss_mib']} MiB "
        f"(workers: {', '.join(f'{v} MiB' for v in mem['workers_mib'])})"
    )


def _export(out: list[str], x: dict) -> None:
    stopped = f" (stopped at the limit of {x['cap']:,})" if x["capped"] else ""
    out.append(
        f"\n== CSV export (issue 23) == {x['studies']:,} studies{stopped}, "
        f"{x['bytes'] / KB / KB:.1f} MB in {x['seconds']:.2f} s (first bytes after "
        f"{x['first_byte_ms']:.0f} ms); the same pages read raw from Avara "
        f"{x['raw_paging_seconds']:.2f} s ({_x(x['ratio'])}); the serving worker's VmRSS "
        f"peaked {x['worker_rss_peak_growth_mib']} MiB above its "
        f"{x['worker_rss_before_mib']} MiB before"
    )


def _faults(out: list[str], e: dict) -> None:
    out.append(
        f"\n== {e['edits']} inline edits at {e['fault_rate']:.0%} injected upstream failures "
        f"({e['clients']} clients) =="
    )
    out.append(
        f"succeeded {e['succeeded']}, failed {e['failed']}, lost {e['lost']}, misreported "
        f"{e['misreported']}, applied twice {e['applied_twice']}: success rate "
        f"{e['success_rate']:.1%} (target >= {e['target_min_rate']:.1%}) {_verdict(e['pass'])}"
    )
    out.append(
        f"user waited: median {e['wait_ms']['median']:.0f} ms, p95 {e['wait_ms']['p95']:.0f} ms, "
        f"max {e['wait_ms']['max']:.0f} ms; dashboard answers {e['dashboard_statuses']}; "
        f"upstream answers {e['upstream_answers']}"
    )


def _live(out: list[str], live: dict) -> None:
    out.append("\n== Live refresh (issue 10) ==")
    poll = live["unchanged_poll"]
    if isinstance(poll, str):
        out.append(f"unchanged poll vs raw list call: {poll}")
    else:
        out.append(
            f"unchanged poll vs raw list call: {_ms(poll['dashboard'])} vs {_ms(poll['raw'])} "
            f"= {_x(poll['ratio_median'])} (answers {poll['poll_statuses']})"
        )
    w = live["watchers_50"]
    if isinstance(w, str):
        out.append(f"upstream calls per minute, 50 clients watching one list: {w}")
    else:
        out.append(
            f"upstream calls per minute, 50 clients watching one list: "
            f"{w['upstream_list_calls_per_minute']} list calls "
            f"({w['upstream_calls_per_minute']} in all;"
            f" {w['polls']} polls every {w['poll_seconds']:g} s, {w['polls_304']} answered 304,"
            f" {w['poll_errors']} errors)"
        )


def _board(out: list[str], b: dict) -> None:
    out.append(
        f"\n== The board (issue 22): {b['studies']} open studies, {b['readers']} radiologists, "
        "from a built picture =="
    )
    for key, label in (("page", "board page"), ("line", "board and a line's studies")):
        f = b[key]
        out.append(
            f"{label:30} own work {f['own_ms']['median']:6.2f} / {f['own_ms']['p95']:<6.2f} ms"
            f"   whole answer {_ms(f['whole_answer'])} ms   Avara calls {f['avara_calls']}"
            f"   {_kb(f['bytes'])} HTML"
        )
    page = b["page"]
    out.append(
        f"target: own work (p95) < {page['target_own_ms']:g} ms with 0 Avara calls: "
        f"{_verdict(page['pass'])}"
    )


def _bulk(out: list[str], k: dict) -> None:
    out.append(
        f"\n== Bulk reassign of {k['studies']} studies (issue 22): request to the results "
        "page's last byte =="
    )
    done = [run["done"] for run in k["runs"]]
    out.append(
        f"seconds {k['seconds']} (median {k['median_s']}, max {k['max_s']}); studies done "
        f"{done}; upstream calls {k['upstream_calls']}; target < {k['target_s']:g} s: "
        f"{_verdict(k['pass'])}"
    )


def _speed_figure(r: dict, key: str) -> dict:
    group = r.get("inline_save", {}) if key == "inline_save" else r.get("speed", {})
    if "error" in group:
        return group
    return group if key == "inline_save" else group.get(key, {"error": "missing"})


def _get(data: dict, *path: str) -> bool | None:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def targets(r: dict) -> list[tuple[str, bool | None]]:
    found = [(LABELS[k], _speed_figure(r, k).get("pass")) for k in LABELS]
    found.append(("100-row page <= 60 kB HTML", _get(r, "bytes", "page_100", "pass_html")))
    found.append(
        ("100-row page <= 10 kB sent compressed", _get(r, "bytes", "page_100", "pass_wire"))
    )
    found.append(
        (
            "throughput at 32 clients >= 0.5x raw, 0 errors",
            _get(r, "throughput", "clients_32", "pass"),
        )
    )
    found.append(("edits at 20% failures >= 99.5%", _get(r, "edits_under_faults", "pass")))
    found.append(
        (
            "board from a built picture < 50 ms own work, 0 Avara calls",
            _get(r, "board", "page", "pass"),
        )
    )
    found.append(("bulk reassign of 100 studies < 10 s", _get(r, "bulk", "pass")))
    return found


def _section(out: list[str], title: str, data, show, *args) -> None:
    """Print one group of figures, or why it was not measured."""
    if isinstance(data, dict) and "error" in data:
        out.append(f"\n== {title} ==\nnot measured: {data['error']}")
    elif data is None:
        out.append(f"\n== {title} ==\nnot measured")
    else:
        show(out, data, *args)


def table(r: dict) -> str:
    meta = r["meta"]
    out = [f"Avara Triage bench: {meta['summary']}"]
    out.append(
        f"load average (1, 5, 15 min) at start {meta['load_average_at_start']}, at end "
        f"{meta['load_average_at_end']}; {meta['seconds']['total']} s measuring"
    )
    _speed(out, r)
    _split(out, r)
    _section(out, "The floor", r.get("floor"), _floor)
    _section(out, "Bytes", r.get("bytes"), _bytes)
    _section(out, "Upstream calls per action", r.get("upstream_calls"), _calls)
    _section(out, "Throughput", r.get("throughput"), _throughput)
    _section(out, "Sandbox list", r.get("sandbox_list"), _paging)
    _section(out, "Decoding", r.get("decode"), _decode)
    _section(out, "Memory", r.get("memory"), _memory)
    _section(out, "CSV export (issue 23)", r.get("export"), _export)
    _section(out, "Inline edits at injected failures", r.get("edits_under_faults"), _faults)
    _section(out, "Live refresh (issue 10)", r.get("live_refresh"), _live)
    _section(out, "The board (issue 22)", r.get("board"), _board)
    _section(out, "Bulk reassign (issue 22)", r.get("bulk"), _bulk)
    found = targets(r)
    met = sum(ok is True for _, ok in found)
    out.append(f"\n== Targets (issues 7, 8 and 22): {met} of {len(found)} met ==")
    out += [f"  {_verdict(ok) or 'n/a '}  {name}" for name, ok in found]
    return "\n".join(out)


def as_json(r: dict) -> str:
    def clean(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return json.dumps(clean(r), separators=(",", ":"))
