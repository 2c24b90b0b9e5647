"""Two containers starting at once on an empty PostgreSQL database: the image's
DJANGO_MIGRATE_ON_START migrates it once (under an advisory lock) and both serve.

Stores pass only (it needs PostgreSQL); the database is made for the test and dropped.
"""

import uuid

import psycopg
import pytest
from django.db import connections

from .servers import clean_environ, free_port, serve_all

pytestmark = pytest.mark.stores

SECRET = "migrate-On-Start-Secret-Key-3vXq9LmT2pWs7nB8hZd3kFg6jRy1uEo"


@pytest.fixture
def empty_database(db):
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-stores)")
    config = connections["default"].settings_dict
    server = {
        "host": config["HOST"],
        "port": config["PORT"],
        "user": config["USER"],
        "password": config["PASSWORD"],
    }
    name = f"triage_start_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server, name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_servers_starting_together_migrate_once_and_both_serve(empty_database, tmp_path):
    server, name = empty_database
    url = f"postgres://{server['user']}:{server['password']}@{server['host']}:{server['port']}"
    env = clean_environ() | {
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DATABASE_URL": f"{url}/{name}",
        "DJANGO_MIGRATE_ON_START": "1",
        "WEB_CONCURRENCY": "1",
    }
    command = ["gunicorn", "-c", "dashboard/gunicorn_conf.py", "dashboard.wsgi"]
    specs = []
    for n in range(2):
        port = free_port()
        specs.append((command, env | {"PORT": str(port)}, tmp_path / f"{n}.log", port))

    with serve_all(specs) as servers:
        alive = [s.process.poll() is None for s in servers]
        with psycopg.connect(dbname=name, **server) as conn:
            applied = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
            duplicates = conn.execute(
                "SELECT count(*) FROM (SELECT app, name FROM django_migrations"
                " GROUP BY app, name HAVING count(*) > 1) d"
            ).fetchone()[0]
            roles = conn.execute("SELECT count(*) FROM auth_group").fetchone()[0]

    assert alive == [True, True]
    assert applied > 0
    assert duplicates == 0
    assert roles == 3  # post_migrate made the three roles
