"""Browser tests: Debian's Chromium driven by Playwright's sync API against two servers,
as `make run` serves them: two processes, one host (127.0.0.1), two ports.

- `live_server` (pytest-django, threads of this process, on 127.0.0.1: see addopts)
  serves the dashboard; the sandbox is a process of its own with its own settings
  (`sandbox`, tests/conftest.py), so the browser sends it the dashboard's cookies, as
  it does under `make run`.
- `triage` points the dashboard at the sandbox, resets it to 80 seeded studies (seed 1)
  through its control plane, creates the three demo accounts, and returns a `Triage`
  handle (the two URLs, the sandbox's control, logging in).
- `browser` is one Chromium for the whole e2e package (hence tests/e2e/__init__.py: the
  package scope ends it before other test folders run); `page` is a fresh context per
  test whose JavaScript errors, console errors and CSP reports (`browser_log`) fail the
  test when it ends.
"""

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from sandbox_control import SandboxControl

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

PASSWORDS = {
    "radiologist": "triage-radiologist",
    "supervisor": "triage-supervisor",
    "admin": "triage-admin",
}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Run `make chromium` (or `make test`, which installs it).",
            pytrace=False,
        )
    # While Playwright's sync API is alive, this thread has an asyncio loop marked as
    # running, so Django refuses ORM calls here (seeding, the flush between tests)
    # with SynchronousOnlyOperation. Nothing here is async: allow them, only for as
    # long as Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class BrowserLog:
    """JavaScript errors, console errors and CSP reports seen on any page of a context."""

    problems: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, fragment: str) -> None:
        """Expect console errors containing `fragment` (e.g. a refused request's status)."""
        self.allowed.append(fragment)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or message.type == "error":
            self.problems.append(f"console {message.type}: {text} ({message.location})")

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a in p for a in self.allowed)]

    def assert_clean(self) -> None:
        problems = self.unexpected()
        assert not problems, "errors in the browser:\n" + "\n".join(problems)


@dataclass
class Triage:
    """The two servers, as the tests see them, and the sandbox's control plane."""

    url: str
    sandbox_url: str
    sandbox: SandboxControl

    def login(self, page: Page, username: str, *, worklist: bool = True) -> None:
        """Log in; then open the worklist, unfiltered (most tests work on it), unless
        `worklist` is False: the page stays where the role lands (radiologists: the
        queue; supervisors: the workload board; admins: the worklist with cancelled
        studies shown)."""
        page.goto(f"{self.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORDS[username])
        page.get_by_role("button", name="Log in").click()
        # Readers land on the queue, supervisors and admins on the board (table.workload).
        expect(page.locator("table.studies, table.workload").first).to_be_visible()
        expect(page.locator(".whoami")).to_contain_text(username.capitalize())  # the role
        if worklist and page.url != f"{self.url}/":  # admins land on it with cancelled shown
            self.worklist(page)

    def worklist(self, page: Page, query: str = "") -> None:
        page.goto(f"{self.url}/{query}")
        expect(page.locator("table.studies")).to_be_visible()


@pytest.fixture
def triage(live_server, sandbox, settings) -> Triage:
    from studies import upstream

    settings.AVARA_BASE_URL = sandbox.url
    settings.AVARA_API_KEY = sandbox.api_key
    settings.AVARA_RETRY_BACKOFF = 0
    settings.AVARA_VIEWER_HOSTS = ["127.0.0.1"]
    # The demo accounts' passwords are hashed on every run: a cheap hasher keeps it fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    upstream.user_directory_clear()
    sandbox.reset(seed=1, studies=80)
    call_command("create_demo_accounts", stdout=io.StringIO())
    return Triage(url=live_server.url, sandbox_url=sandbox.url, sandbox=sandbox)


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@contextmanager
def person(
    browser: Browser, browser_log: BrowserLog, *, javascript: bool = True, width: int = 1400, **more
) -> Iterator[Page]:
    """One person's browser: a context of its own (cookies, session), watched for errors;
    `width` of screen, and any other option of a Playwright context (`timezone_id`...)."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript, **more
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", browser_log.watch)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, browser_log: BrowserLog, request) -> Iterator[Page]:
    with person(browser, browser_log) as tab:
        yield tab
    # Tests marked xfail (known app bugs) check the log themselves, in their body.
    if request.node.get_closest_marker("xfail") is None:
        browser_log.assert_clean()


@pytest.fixture
def page_without_js(browser: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    """A person's browser with JavaScript off; its log is checked when the test ends."""
    with person(browser, browser_log, javascript=False) as tab:
        yield tab
    browser_log.assert_clean()


@pytest.fixture
def second_page(browser: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    """A second person at the same time (the log is checked with the first's)."""
    with person(browser, browser_log) as tab:
        yield tab
