"""The sandbox's commands, with its own settings: `python -m sandbox <command> [options]`.

    python -m sandbox migrate
    python -m sandbox runsandbox 127.0.0.1:8001
    python -m sandbox seed_sandbox --studies 300 --seed 1
    python -m sandbox sandbox_openapi --check

Like the dashboard's manage.py, with DJANGO_SETTINGS_MODULE defaulting to
sandbox.settings.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["python -m sandbox", *sys.argv[1:]])


if __name__ == "__main__":
    main()
