"""A logged-in browser, as far as the server can tell, and reading what it is sent.

`Browser` keeps the session and CSRF cookies, sends the headers htmx sends
(`HX-Request`, `HX-Target`, `HX-Current-URL`, the `X-CSRFToken` from `<body
hx-headers>`), and posts forms with the fields the page's forms carry. Rows are read
from the HTML, not from the dashboard's code: each `<tr id="study-...">`, its signed
snapshot `t` (wherever the markup puts it: a hidden input, `hx-vals`, or a `?t=` link)
and its forms and links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

# What Chromium sends: the bench asks for compressed answers as a browser would.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
ROW = re.compile(r'<tr\b[^>]*\bid="study-(stu_[0-9a-f]{32})"[^>]*>.*?</tr>', re.S)
URL_ATTRS = ("href", "hx-get", "hx-post", "action", "src")


@dataclass
class Form:
    action: str
    hx_post: str
    inputs: dict[str, str]


@dataclass
class Markup:
    """The tags of a piece of HTML that matter here."""

    forms: list[Form] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    attrs: list[dict[str, str]] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = Markup()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.markup.attrs.append({**values, "<tag>": tag})
        self.markup.urls += [values[a] for a in URL_ATTRS if values.get(a)]
        if tag == "form":
            action, hx_post = values.get("action", ""), values.get("hx-post", "")
            self.markup.forms.append(Form(action, hx_post, {}))
        elif tag == "input" and self.markup.forms and values.get("name"):
            self.markup.forms[-1].inputs[values["name"]] = values.get("value", "")


def read_markup(html: str) -> Markup:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.markup


@dataclass
class Row:
    study_id: str
    html: str

    def token(self) -> str | None:
        """The row's signed snapshot, wherever the markup carries it."""
        markup = read_markup(self.html)
        if markup.attrs and markup.attrs[0].get("data-t"):  # on the <tr>, sent by triage.js
            return markup.attrs[0]["data-t"]
        for form in markup.forms:
            if form.inputs.get("t"):
                return form.inputs["t"]
        for attrs in markup.attrs:
            if attrs.get("hx-vals"):
                try:
                    values = json.loads(attrs["hx-vals"])
                except ValueError:
                    continue
                if isinstance(values, dict) and isinstance(values.get("t"), str):
                    return values["t"]
        for url in markup.urls:
            found = parse_qs(urlsplit(url).query).get("t")
            if found:
                return found[0]
        return None

    def url_containing(self, fragment: str) -> str | None:
        for url in read_markup(self.html).urls:
            if fragment in url:
                return urlsplit(url).path
        return None

    def post_link(self, fragment: str) -> str | None:
        """A link the page's script turns into a POST (data-post: Claim, Complete)."""
        for attrs in read_markup(self.html).attrs:
            if "data-post" in attrs and fragment in attrs.get("href", ""):
                return urlsplit(attrs["href"]).path
        return None

    def form_with(self, name: str, value: str) -> Form | None:
        for form in read_markup(self.html).forms:
            if form.inputs.get(name) == value:
                return form
        return None


def rows(html: str) -> list[Row]:
    return [Row(m.group(1), m.group(0)) for m in ROW.finditer(html)]


def next_page_url(html: str) -> str | None:
    """The pager's Next link."""
    for attrs in read_markup(html).attrs:
        if attrs.get("rel") == "next" and attrs.get("href"):
            return attrs["href"]
    return None


# The dashboard's CSRF cookie in development (dashboard/settings.py: names of its own).
CSRF_COOKIE = "triage_csrftoken"


def csrf_from(html: str) -> str | None:
    """The token htmx sends as X-CSRFToken (`<body hx-headers>`), else a form's."""
    for attrs in read_markup(html).attrs:
        if "hx-headers" in attrs:
            try:
                headers = json.loads(attrs["hx-headers"])
            except ValueError:
                continue
            for key, value in headers.items():
                if key.lower() == "x-csrftoken":
                    return value
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else None


class Browser:
    """One user's session on the dashboard."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.client = httpx.Client(
            base_url=base_url,
            timeout=60,
            follow_redirects=False,
            headers={"Accept-Encoding": BROWSER_ENCODINGS, "User-Agent": "Mozilla/5.0 (bench)"},
        )
        self.csrf = ""

    def close(self) -> None:
        self.client.close()

    def login(self, username: str, password: str) -> None:
        page = self.client.get("/accounts/login/")
        token = csrf_from(page.text) or self.client.cookies.get(CSRF_COOKIE, "")
        answer = self.client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/accounts/login/", "Origin": self.base},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"logging in as {username} failed ({answer.status_code})")
        home = self.client.get("/")
        self.csrf = csrf_from(home.text) or self.client.cookies.get(CSRF_COOKIE, "")

    def htmx(self, current: str, target: str | None = None) -> dict[str, str]:
        headers = {"HX-Request": "true", "HX-Current-URL": f"{self.base}{current}"}
        if target:
            headers["HX-Target"] = target
        return headers

    def get(self, path: str, *, htmx_target: str | None = None, current: str = "/", **kw):
        headers = self.htmx(current, htmx_target) if htmx_target is not None else {}
        return self.client.get(path, headers={**headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, data: dict, *, current: str, target: str | None = None, htmx=True):
        headers = {"X-CSRFToken": self.csrf, "Origin": self.base, "Referer": self.base + current}
        if htmx:
            headers.update(self.htmx(current, target))
        body = {"csrfmiddlewaretoken": self.csrf, **data}
        return self.client.post(path, data=body, headers=headers)

    def worklist_rows(self, query: str, count: int) -> list[Row]:
        """Up to `count` rows of the worklist with this query, following Next links."""
        found: list[Row] = []
        url: str | None = f"/?{query}"
        while url and len(found) < count:
            page = self.get(url)
            page.raise_for_status()
            found += rows(page.text)
            url = next_page_url(page.text)
        return found[:count]

    def row(self, study_id: str, *, query: str = "limit=100") -> Row | None:
        """The row as the dashboard draws it now (its own row URL, else the list)."""
        answer = self.get(f"/studies/{study_id}/row", htmx_target=f"study-{study_id}")
        for row in rows(answer.text) if answer.status_code == 200 else []:
            if row.study_id == study_id:
                return row
        for row in self.worklist_rows(query, 200):
            if row.study_id == study_id:
                return row
        return None
