"""Create one dashboard account per role, linked to the seeded sandbox users.

Development only: it refuses to run with DJANGO_ENV=production. Idempotent: running it
again resets the demo passwords and links and creates nothing new.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sandbox.models import ApiUser
from sandbox.seeding import DEMO_EMAILS
from studies.models import Account
from studies.roles import ADMIN, RADIOLOGIST, SUPERVISOR, role_sync

# username -> (role, seeded sandbox user key, demo password)
DEMO_ACCOUNTS = {
    "radiologist": (RADIOLOGIST, "radiologist", "triage-radiologist"),
    "supervisor": (SUPERVISOR, "supervisor", "triage-supervisor"),
    "admin": (ADMIN, "admin", "triage-admin"),
}


class Command(BaseCommand):
    help = "Create demo accounts (radiologist, supervisor, admin) linked to sandbox users."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in production.")
        role_sync()
        User = get_user_model()
        from django.contrib.auth.models import Group

        self.stdout.write("Demo accounts (development only):")
        for username, (role, key, password) in DEMO_ACCOUNTS.items():
            linked = ApiUser.objects.filter(email=DEMO_EMAILS[key]).first()
            user, _ = User.objects.get_or_create(username=username)
            if linked:
                user.first_name, user.last_name = linked.first_name, linked.last_name
                user.email = linked.email
            user.set_password(password)
            user.is_active = True
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            Account.objects.update_or_create(
                user=user, defaults={"avara_user_id": linked.user_id if linked else ""}
            )
            link = (
                f"-> {linked.email} ({linked.user_id})" if linked else "-> not linked (seed first)"
            )
            self.stdout.write(
                f"  {role:<12} username {username:<12} password {password:<20} {link}"
            )
