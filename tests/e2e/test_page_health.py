"""Every page, as every role that may see it: no JavaScript errors, no console errors, a
strict Content-Security-Policy header, and no inline script for it to block.

The `page` fixture fails any test whose pages logged an error or a CSP violation; the
canary below proves that watch works by provoking a violation on purpose.
"""

import pytest
from playwright.sync_api import Page, expect

from .pages import first_page_study

pytestmark = pytest.mark.e2e

PAGES = {
    "radiologist": ["/", "/?assignee=me&status=incomplete", "/studies/{study}"],
    "supervisor": ["/", "/studies/{study}", "/studies/new"],
    "admin": ["/", "/?cancelled=all", "/studies/{study}", "/studies/new", "/audit/", "/accounts/"],
}


def _check(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url} answered {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self' 'nonce-" in policy, f"{url}: {policy!r}"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    expect(page.locator("script:not([src])")).to_have_count(0)
    expect(page.locator("[onclick], [onload], [onchange], [onsubmit]")).to_have_count(0)
    scripts = page.locator("script[src]")
    expect(scripts).not_to_have_count(0)
    # htmx loaded and configured: it is what every inline control relies on.
    assert page.evaluate("() => typeof htmx === 'object' && htmx.config.allowEval === false")


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_load_cleanly_under_the_content_security_policy(page, triage, role):
    study = first_page_study(triage.sandbox)
    triage.login(page, role)

    for path in PAGES[role]:
        _check(page, triage.url + path.format(study=study.study_id))


def test_the_login_page_is_clean_too(page, triage):
    response = page.goto(triage.url + "/accounts/login/")
    assert response is not None
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("script:not([src])")).to_have_count(0)


def test_an_inline_script_is_blocked_and_reported(page, triage, browser_log):
    """The canary: if the policy or the watch on the console broke, this would fail."""
    triage.login(page, "supervisor")
    browser_log.allow("Content Security Policy")

    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as seen:
        ran = page.evaluate(
            """() => {
                const s = document.createElement("script");
                s.textContent = "window.__inlineRan = true";
                document.head.appendChild(s);
                return window.__inlineRan === true;
            }"""
        )

    assert ran is False
    assert "script-src" in seen.value.text
    assert any("Content Security Policy" in p for p in browser_log.problems)
