"""`python -m sandbox sandbox_openapi [--check]`: write the sandbox's two OpenAPI
documents (sandbox/openapi.json, sandbox/openapi-control.json) from the code that
builds them, or with --check fail when a checked-in file is out of date."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.documents import built, render


class Command(BaseCommand):
    help = "Write (or --check) sandbox/openapi.json and sandbox/openapi-control.json."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if a file is stale")

    def handle(self, *args, check: bool, **options) -> None:
        stale = []
        for path, document in built().items():
            text = render(document)
            current = path.read_text() if path.exists() else None
            if current == text:
                self.stdout.write(f"{path.name}: up to date")
            elif check:
                stale.append(path.name)
            else:
                path.write_text(text)
                self.stdout.write(f"{path.name}: written")
        if stale:
            names = ", ".join(stale)
            raise CommandError(f"Out of date: {names}; run python -m sandbox sandbox_openapi.")
