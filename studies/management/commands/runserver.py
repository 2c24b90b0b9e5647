"""`runserver` with TCP_NODELAY (see dashboard/devserver.py); otherwise the usual one.

It extends whichever runserver comes next in INSTALLED_APPS (whitenoise's, which keeps
static files served the production way), so `studies` is listed before it.
"""

from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as NextRunserver,
)

from dashboard.devserver import NoDelayWSGIServer


class Command(NextRunserver):
    server_cls = NoDelayWSGIServer
