"""Create one dashboard account per role, linked to the sandbox's demo Avara users.

Development only: it refuses to run with DJANGO_ENV=production. The Avara users are
found through the Avara API (the sandbox must be serving: `make run` starts it first),
by the emails the sandbox's seed gives them, exactly as a real deployment would link
accounts to its own Avara users. Idempotent: running it again resets the demo
passwords and links and creates nothing new.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from studies import upstream
from studies.accounts.roles import ADMIN, RADIOLOGIST, SUPERVISOR, role_sync
from studies.infra.shared import accounts_generation_bump
from studies.models import Account

# username -> (role, the Avara user's email in the sandbox seed, demo password)
DEMO_ACCOUNTS = {
    "radiologist": (RADIOLOGIST, "radiologist1@example.org", "triage-radiologist"),
    "supervisor": (SUPERVISOR, "supervisor@example.org", "triage-supervisor"),
    "admin": (ADMIN, "admin@example.org", "triage-admin"),
}


class Command(BaseCommand):
    help = "Create demo accounts (radiologist, supervisor, admin) linked to sandbox users."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in production.")
        role_sync()
        self.stdout.write("Demo accounts (development only):")
        for username, (role, email, password) in DEMO_ACCOUNTS.items():
            linked = self._avara_user(email)
            user, _ = get_user_model().objects.get_or_create(username=username)
            if linked:
                user.first_name, user.last_name = linked.first_name or "", linked.last_name or ""
                user.email = linked.email
            user.set_password(password)
            user.is_active = True
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            Account.objects.update_or_create(
                user=user, defaults={"avara_user_id": linked.user_id if linked else ""}
            )
            link = f"-> {linked.email} ({linked.user_id})" if linked else "-> not linked"
            self.stdout.write(
                f"  {role:<12} username {username:<12} password {password:<20} {link}"
            )
        accounts_generation_bump()  # roles and links changed: pages show them at once

    def _avara_user(self, email: str):
        try:
            users = upstream.user_list(email=email, limit=1).users
        except upstream.UpstreamError as exc:
            self.stderr.write(f"  Avara could not be asked for {email}: {exc.message}")
            return None
        return users[0] if users else None
