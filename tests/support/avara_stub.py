"""A stub between the dashboard and the sandbox, for answers no sandbox would give.

`Mangler` forwards every request to the real server (the request goes through and
lands); an answer matching a rule's (method, path glob) gets a body of the rule's
making, its status kept: Avara said yes in a way the dashboard cannot read (bytes: a
truncated or mistyped body), or said something it should never say (a callable:
`rule(request, answer_json) -> answer_json`, e.g. a study whose id is malformed).

Install it under the dashboard's client:
`upstream_client.set_client(upstream_client.build_client(transport=mangler))`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fnmatch import fnmatchcase

import httpx

Rule = bytes | Callable[[httpx.Request, object], object]


class Mangler(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.rules: dict[tuple[str, str], Rule] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        for (method, glob), rule in self.rules.items():
            if request.method == method and fnmatchcase(request.url.path, glob):
                response.read()
                if callable(rule):
                    body = json.dumps(rule(request, response.json())).encode()
                else:
                    body = rule
                headers = {"Content-Type": "application/json"}
                return httpx.Response(response.status_code, content=body, headers=headers)
        return response

    def close(self) -> None:
        self.inner.close()


# The list filters a planted study is checked against, and its value for each.
_FILTERS = {
    "severity": lambda s: s["severity"],
    "studyViewerStatus": lambda s: s["studyViewerStatus"],
    "isCancelled": lambda s: "true" if s["isCancelled"] else "false",
    "assignedTo": lambda s: (s["assignedTo"] or {}).get("userId", "null"),
    "expressCustomerId": lambda s: (s["expressCustomer"] or {}).get("expressCustomerId", "null"),
}


def planted_in_lists(study: dict) -> Callable[[httpx.Request, dict], dict]:
    """A rule for GET /v1/viewer/studies: `study` (wire JSON) first on every first page
    whose filters it matches, as if Avara held it (the newest study)."""

    def rule(request: httpx.Request, page: dict) -> dict:
        query = request.url.params
        if "cursor" in query:
            return page
        for name, value_of in _FILTERS.items():
            if name in query and query[name] != value_of(study):
                return page
        term = query.get("studyDescription", "").lower()
        if term not in study["studyDescription"].lower():
            return page
        return page | {"studies": [study, *page["studies"]]}

    return rule
