"""Pages are compressed when the browser takes it: zstd first (cheap), gzip otherwise;
JSON answers and small bodies are left alone."""

import gzip

import zstandard
from view_helpers import STUDIES, page_json, study_json

from studies.accounts.roles import SUPERVISOR


def _worklist(login, avara, encoding: str):
    avara.get(STUDIES).respond(json=page_json(*[study_json(n) for n in range(1, 30)]))
    return login(SUPERVISOR).get("/", headers={"Accept-Encoding": encoding})


def test_zstd_when_the_browser_takes_it(login, avara):
    plain = _worklist(login, avara, "identity").content
    response = _worklist(login, avara, "gzip, deflate, br, zstd")

    assert response["Content-Encoding"] == "zstd"
    assert "Accept-Encoding" in response["Vary"]
    assert (
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress(response.content)
        .startswith(b"<!doctype html>")
    )
    assert len(response.content) * 5 < len(plain)  # what travels is far smaller


def test_gzip_for_a_browser_without_zstd(login, avara):
    response = _worklist(login, avara, "gzip, deflate")

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).startswith(b"<!doctype html>")


def test_json_is_not_compressed(login, avara):
    response = login(SUPERVISOR).get("/counts", headers={"Accept-Encoding": "zstd, gzip"})

    assert "Content-Encoding" not in response
    assert response.json() == {"stat_waiting": None}
