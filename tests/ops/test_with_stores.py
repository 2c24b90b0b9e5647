"""scripts/with-stores: private PostgreSQL + Redis for one command, always stopped after."""

import glob
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from .servers import ROOT

installed = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb")) and shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    not installed, reason="PostgreSQL and Redis are not installed (make test installs them)"
)

SHOW = (
    'echo "DB=$DATABASE_URL"; echo "SANDBOX=$SANDBOX_DATABASE_URL"; echo "CACHE=$CACHE_URL"; '
    'psql "$DATABASE_URL" -tAc "select 1"; psql "$SANDBOX_DATABASE_URL" -tAc "select 2"; '
    "exit 7"
)


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_the_command_gets_both_stores_and_they_are_gone_after(tmp_path):
    done = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "with-stores"), "sh", "-c", SHOW],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "TMPDIR": str(tmp_path)},
    )

    assert done.returncode == 7, done.stderr  # the command's own status
    found = dict(re.findall(r"^(DB|SANDBOX|CACHE)=(.*)$", done.stdout, re.M))
    db = re.fullmatch(r"postgres://postgres:(\w+)@127\.0\.0\.1:(\d+)/triage", found["DB"])
    cache = re.fullmatch(r"redis://:(\w+)@127\.0\.0\.1:(\d+)/0", found["CACHE"])
    assert db and cache, done.stdout
    assert found["SANDBOX"] == found["DB"].removesuffix("/triage") + "/sandbox"
    assert done.stdout.splitlines()[3:5] == ["1", "2"]  # both databases answer
    assert refused(int(db.group(2)))
    assert refused(int(cache.group(2)))
    data = re.search(r"data in (\S+)", done.stderr).group(1)
    assert not Path(data).exists()  # its temporary directory is removed


def test_it_needs_a_command():
    done = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "with-stores")], capture_output=True, text=True, check=False
    )

    assert done.returncode == 2
    assert "usage" in done.stderr
