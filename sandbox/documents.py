"""The two OpenAPI documents as checked-in files, and the views that serve them.

    sandbox/openapi.json          the Viewer API          GET /openapi.json
    sandbox/openapi-control.json  the control plane       GET /_sandbox/openapi.json

`python -m sandbox sandbox_openapi` writes both from sandbox/openapi.py and
sandbox/control/openapi.py; `--check` fails when a file differs from what the code
builds (the tests check that too). The views serve the files as they are, without a
key, read once per process.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse

from sandbox.endpoint import page_view

HERE = Path(__file__).resolve().parent
API_DOCUMENT = HERE / "openapi.json"
CONTROL_DOCUMENT = HERE / "openapi-control.json"


def built() -> dict[Path, dict[str, Any]]:
    """What the code builds, by the file it belongs in."""
    from sandbox import openapi
    from sandbox.control import openapi as control_openapi

    return {API_DOCUMENT: openapi.document(), CONTROL_DOCUMENT: control_openapi.document()}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@cache
def _served(path: Path) -> bytes:
    return path.read_bytes()


def _document_view(path: Path):
    @page_view
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(_served(path), content_type="application/json")

    return view


api_document = _document_view(API_DOCUMENT)
control_document = _document_view(CONTROL_DOCUMENT)
