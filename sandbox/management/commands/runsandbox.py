"""`python -m sandbox runsandbox [addr:port]`: serve the Viewer API sandbox.

Threaded, no autoreload; default 127.0.0.1:8001; the sandbox's own settings. Any Avara
client can point at the printed base URL with the printed development key (printed
only while it is configured; a configured key is never printed).
"""

import re

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import run
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sandbox.server import SandboxHTTPServer, SandboxWSGIHandler

DEFAULT_ADDR, DEFAULT_PORT = "127.0.0.1", 8001
ADDRPORT = re.compile(r"^(?:(?P<addr>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(?P<port>\d+)$")


class Command(BaseCommand):
    help = "Serve the Avara Viewer API sandbox alone (default 127.0.0.1:8001)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", help="host:port or port (default 127.0.0.1:8001)"
        )

    def handle(self, *args, **options) -> None:
        addr, port = parse_addrport(options["addrport"])
        self._warn_unmigrated()
        host = f"[{addr}]" if ":" in addr else addr
        self.stdout.write(f"Avara Viewer API sandbox on http://{host}:{port}/")
        if settings.SANDBOX_DEV_API_KEY in settings.SANDBOX_API_KEYS:
            self.stdout.write(f"Development key: {settings.SANDBOX_DEV_API_KEY}")
        else:
            self.stdout.write("API keys: from SANDBOX_API_KEYS")
        if settings.SANDBOX_CONTROL_KEY:
            # The documented development key is shown; a configured one never is.
            key = settings.SANDBOX_CONTROL_KEY
            shown = key if key == settings.SANDBOX_DEV_CONTROL_KEY else "from SANDBOX_CONTROL_KEY"
            self.stdout.write(f"Control plane: http://{host}:{port}/_sandbox/ (key {shown})")
        self.stdout.write(f"API description: http://{host}:{port}/openapi.json")
        self.stdout.write("Quit with CONTROL-C.")
        try:
            run(
                addr,
                port,
                SandboxWSGIHandler(),
                ipv6=":" in addr,
                threading=True,
                server_cls=SandboxHTTPServer,
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror}") from exc
        except KeyboardInterrupt:
            pass

    def _warn_unmigrated(self) -> None:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if any(migration.app_label == "sandbox" for migration, _ in plan):
            self.stderr.write(
                self.style.WARNING(
                    "The sandbox database is not migrated; run 'python -m sandbox migrate' first."
                )
            )


def parse_addrport(value: str | None) -> tuple[str, int]:
    if not value:
        return DEFAULT_ADDR, DEFAULT_PORT
    match = ADDRPORT.match(value)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise CommandError(f"{value!r} is not a valid port or address:port.")
    addr = (match["addr"] or DEFAULT_ADDR).strip("[]")
    return addr, int(match["port"])
