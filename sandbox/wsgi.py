"""WSGI entry point serving the sandbox alone: `gunicorn sandbox.wsgi`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django.setup(set_prefix=False)

from sandbox.server import SandboxWSGIHandler  # noqa: E402 (needs django.setup first)

application = SandboxWSGIHandler()
