"""The Docker image, without Docker: the Dockerfile's static build step, start command and
environment, run on this host, serve the dashboard as the image would.

No container engine runs here, so the test reads the Dockerfile (dockerfile-parse), runs
its `collectstatic` step into a temporary directory and its CMD with its ENV plus what
an operator passes to `docker run`, then asks for /healthz, the login page and its
static files, and runs the HEALTHCHECK command. hadolint lints the file (`make lint`).
"""

import json
import re
import subprocess
import sys

import httpx
import pytest
from dockerfile_parse import DockerfileParser

from .servers import ROOT, clean_environ, fake_avara, free_port, json_lines, serve

API_KEY = "sk_live_container_TEST_0123456789"
SECRET = "c0ntainer-Test-Secret-Key-4vXq9LmT2pWs7nB8hZd3kFg6jRy1uEo5"


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def instructions(dockerfile, name: str) -> list[str]:
    return [i["value"] for i in dockerfile.structure if i["instruction"] == name]


def test_the_image_is_slim_unprivileged_and_checks_its_health(dockerfile):
    assert re.fullmatch(r"python:3\.1[2-9]-slim(-\w+)?", dockerfile.baseimage)
    user = instructions(dockerfile, "USER")[-1]
    assert user.split(":")[0] not in {"root", "0"}
    assert dockerfile.envs["DJANGO_ENV"] == "production"
    healthcheck = instructions(dockerfile, "HEALTHCHECK")
    assert len(healthcheck) == 1 and "scripts/container-healthcheck" in healthcheck[0]
    command = json.loads(dockerfile.cmd)
    assert command[:3] == ["gunicorn", "-c", "dashboard/gunicorn_conf.py"]


def test_no_secret_has_a_default_in_the_image(dockerfile):
    assert not {"DJANGO_SECRET_KEY", "AVARA_API_KEY", "AVARA_BASE_URL"} & set(dockerfile.envs)


def test_hadolint_passes():
    done = subprocess.run(  # noqa: S603 - our own linter on our own file
        [str(ROOT / ".venv" / "bin" / "hadolint"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def built_static(dockerfile, tmp_path_factory):
    """The image's collectstatic step, run as written, into a temporary STATIC_ROOT."""
    step = next(v for v in instructions(dockerfile, "RUN") if "collectstatic" in v)
    static_root = tmp_path_factory.mktemp("static")
    env = clean_environ() | dockerfile.envs | {"DJANGO_STATIC_ROOT": str(static_root)}
    done = subprocess.run(  # noqa: S603 - the Dockerfile's own build step
        ["/bin/sh", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return static_root


@pytest.fixture(scope="module")
def container(dockerfile, built_static, tmp_path_factory):
    """The image's CMD with its ENV and an operator's `docker run -e ...` values."""
    tmp = tmp_path_factory.mktemp("container")
    port = free_port()
    with fake_avara() as avara:
        env = (
            clean_environ()
            | dockerfile.envs
            | {
                "DJANGO_STATIC_ROOT": str(built_static),
                "DATABASE_URL": f"sqlite:///{tmp / 'dashboard.sqlite3'}",
                "PORT": str(port),
                "WEB_CONCURRENCY": "1",
                "GUNICORN_THREADS": "2",
                # What the README's `docker run` passes:
                "AVARA_BASE_URL": avara.url,
                "AVARA_API_KEY": API_KEY,
                "DJANGO_SECRET_KEY": SECRET,
                "DJANGO_ALLOWED_HOSTS": "triage.example.org",
            }
        )
        command = json.loads(dockerfile.cmd)
        with serve(command, env, log=tmp / "server.log", port=port) as server:
            server.avara = avara
            server.env = env
            yield server


HTTPS = {"Host": "triage.example.org", "X-Forwarded-Proto": "https"}


def test_it_serves_healthz_by_address_over_plain_http(container):
    response = httpx.get(f"{container.url}/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_healthcheck_command_passes(dockerfile, container):
    value = instructions(dockerfile, "HEALTHCHECK")[0]
    command = json.loads(value[value.index("CMD") + 3 :].strip())

    done = subprocess.run(  # noqa: S603 - the Dockerfile's own HEALTHCHECK
        command, cwd=ROOT, env=container.env, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr


def test_it_serves_the_login_page_with_hashed_compressed_static_files(container):
    page = httpx.get(f"{container.url}/accounts/login/", headers=HTTPS)

    assert page.status_code == 200
    assert 'name="username"' in page.text
    stylesheet = re.search(r'href="(/static/css/triage\.[0-9a-f]{12}\.css)"', page.text)
    assert stylesheet, "the page does not link the manifest-hashed stylesheet"
    css = httpx.get(
        f"{container.url}{stylesheet.group(1)}", headers=HTTPS | {"Accept-Encoding": "gzip"}
    )
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Content-Encoding"] == "gzip"
    assert "immutable" in css.headers["Cache-Control"]
    assert ".topbar" in css.text  # decoded by httpx


def test_plain_http_pages_are_sent_to_https(container):
    response = httpx.get(f"{container.url}/accounts/login/", headers={"Host": "triage.example.org"})

    assert response.status_code == 301
    assert response.headers["Location"] == "https://triage.example.org/accounts/login/"


def test_an_unknown_host_is_refused(container):
    response = httpx.get(f"{container.url}/accounts/login/", headers={"Host": "evil.example"})

    assert response.status_code == 400


def test_readyz_reaches_avara_with_the_request_id(container):
    response = httpx.get(f"{container.url}/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["checks"]["database"]["status"] == "ok"  # migrated at start
    probe = container.avara.requests[-1]
    assert probe["path"] == "/v1/viewer/users?limit=1"
    assert probe["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert probe["headers"]["X-Request-Id"] == response.headers["X-Request-Id"]


def test_every_output_line_is_json_with_a_request_id_field_and_no_key(container):
    response = httpx.get(f"{container.url}/accounts/login/", headers=HTTPS)

    lines = json_lines(container)
    assert all("request_id" in line for line in lines)
    access = [
        line
        for line in lines
        if line["logger"] == "studies.request"
        and line["request_id"] == response.headers["X-Request-Id"]
    ]
    assert len(access) == 1
    assert access[0]["path"] == "/accounts/login/"
    assert access[0]["status"] == 200
    assert any("Listening at" in line["message"] for line in lines)
    assert API_KEY not in "\n".join(container.lines())
    assert SECRET not in "\n".join(container.lines())


def test_the_readme_documents_docker_run_with_the_real_api():
    readme = (ROOT / "README.md").read_text()

    assert "docker run" in readme
    for name in ("AVARA_BASE_URL", "AVARA_API_KEY", "DJANGO_SECRET_KEY"):
        assert f"-e {name}" in readme


ALONE = """
import sys
sys.modules["sandbox"] = None  # as in the image: no sandbox package at all
import django
django.setup()
from django.core.management import call_command
call_command("check")
import dashboard.wsgi
from django.test import Client
print(Client(HTTP_HOST="127.0.0.1").get("/accounts/login/").status_code)
"""


def test_the_image_ships_the_dashboard_without_the_sandbox(dockerfile, tmp_path):
    """The sandbox is a product of its own: the image copies none of it, and the dashboard
    passes its checks and serves without the package."""
    copied = [part for value in instructions(dockerfile, "COPY") for part in value.split()[:-1]]
    assert not [path for path in copied if path.strip("./").split("/")[0] == "sandbox"]
    env = clean_environ() | {
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dashboard.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }

    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", ALONE], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == "200"
