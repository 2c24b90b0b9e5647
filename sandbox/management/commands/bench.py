"""`python manage.py bench`: print speed figures (never asserted in tests).

Measures, against a sandbox served over real HTTP on loopback:
- the sandbox list: first page vs a page deep in a large list (keyset cursor cost),
  with and without a filter;
- decoding one page of 100 studies: the dashboard's msgspec models vs the official
  SDK's pydantic models (when `avara` is installed);
- the dashboard's worklist page vs the raw list call it makes (overhead ratio).

Run it through `make bench`, which points the sandbox at its own database file so the
demo data of `make run` is left alone.
"""

import json
import statistics
import threading
import time
from collections.abc import Callable

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import override_settings

from sandbox.seeding import seed_sandbox
from sandbox.server import SandboxHTTPServer, SandboxWSGIHandler


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _ThreadedServer(SandboxHTTPServer):
    daemon_threads = True

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        thread.start()

    def process_request_thread(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up: connection, caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = "Print speed figures for the sandbox, the service module and the worklist."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--studies", type=int, default=20000)
        parser.add_argument("--repeat", type=int, default=30)

    def handle(self, *args, studies: int, repeat: int, **options) -> None:
        result = seed_sandbox(studies=studies, seed=7)
        self.stdout.write(f"sandbox: {result.summary()}")
        server = _ThreadedServer(("127.0.0.1", 0), _QuietHandler)
        server.set_app(SandboxWSGIHandler())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        headers = {"Authorization": f"Bearer {settings.SANDBOX_DEV_API_KEY}"}
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                self._bench_paging(http, repeat)
                self._bench_decode(http, repeat)
                self._bench_worklist(http, base, repeat)
        finally:
            server.shutdown()
            server.server_close()

    def _bench_paging(self, http: httpx.Client, repeat: int) -> None:
        for label, params in (("all", {}), ("severity=normal", {"severity": "normal"})):
            query = {"limit": 100, **params}
            first = _median_ms(lambda q=query: http.get("/v1/viewer/studies", params=q), repeat)
            cursor, pages = None, 0
            while pages < 100:
                page = http.get(
                    "/v1/viewer/studies", params={**query, "cursor": cursor} if cursor else query
                ).json()
                if not page["hasMore"]:
                    break
                cursor, pages = page["cursor"], pages + 1
            deep_query = {**query, "cursor": cursor}
            deep = _median_ms(lambda q=deep_query: http.get("/v1/viewer/studies", params=q), repeat)
            self.stdout.write(
                f"list {label:<16} first page {first:6.2f} ms   page {pages + 1:>3} "
                f"{deep:6.2f} ms   deep/first {deep / first:4.2f}x"
            )

    def _bench_decode(self, http: httpx.Client, repeat: int) -> None:
        from studies.upstream import wire

        body = http.get("/v1/viewer/studies", params={"limit": 100}).content
        ours = _median_ms(lambda: wire.STUDY_PAGE.decode(body), repeat * 10)
        line = f"decode 100 studies: msgspec {ours:6.3f} ms"
        try:
            from avara.types.viewer.study_list_response import StudyListResponse
        except ImportError:
            self.stdout.write(line + "   (official SDK not installed)")
            return

        def sdk() -> None:
            data = json.loads(body)
            [StudyListResponse.model_validate(s) for s in data["studies"]]

        theirs = _median_ms(sdk, repeat * 10)
        self.stdout.write(
            f"{line}   SDK pydantic {theirs:6.3f} ms   SDK/ours {theirs / ours:5.1f}x"
        )

    def _bench_worklist(self, http: httpx.Client, base: str, repeat: int) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from studies import upstream

        user, _ = get_user_model().objects.get_or_create(username="bench-supervisor")
        browser = Client()
        browser.force_login(user)
        with override_settings(AVARA_BASE_URL=base, ALLOWED_HOSTS=["testserver", "127.0.0.1"]):
            raw = _median_ms(
                lambda: http.get(
                    "/v1/viewer/studies", params={"limit": 25, "isCancelled": "false"}
                ),
                repeat,
            )
            service = _median_ms(lambda: upstream.study_list(is_cancelled=False, limit=25), repeat)
            page = _median_ms(lambda: browser.get("/"), repeat)
            fragment = _median_ms(
                lambda: browser.get("/", headers={"HX-Request": "true", "HX-Target": "results"}),
                repeat,
            )
        self.stdout.write(
            f"worklist (25 rows): raw API call {raw:6.2f} ms   service call {service:6.2f} ms   "
            f"full page {page:6.2f} ms ({page / raw:4.2f}x raw)   HTMX results {fragment:6.2f} ms "
            f"({fragment / raw:4.2f}x raw)"
        )
