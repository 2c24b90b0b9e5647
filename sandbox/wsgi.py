"""WSGI entry point of the sandbox, with its own settings: `gunicorn sandbox.wsgi`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
django.setup(set_prefix=False)

from sandbox.server import SandboxWSGIHandler  # noqa: E402 (needs django.setup first)

application = SandboxWSGIHandler()
