"""Dashboard accounts: a login, one role, and the Avara user it acts as."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.db import transaction

from studies.accounts.roles import ROLES, role_of
from studies.audit import audit_record
from studies.infra.shared import accounts_generation_bump
from studies.models import Account, AuditAction, AuditOutcome
from studies.validators import USER_ID_RE

User = get_user_model()


def _people_by_role(users) -> list[tuple[str, list[tuple[str, str]]]]:
    """Avara users under their clinical role, radiologists first, each by name alone (so no
    option is clipped); the email only beside a name two people share."""
    names = [u.display_name for u in users]
    groups: dict[str, list[tuple[str, str]]] = {}
    for u in users:
        label = (
            u.display_name if names.count(u.display_name) == 1 else f"{u.display_name} <{u.email}>"
        )
        groups.setdefault(u.clinic_role or "Other", []).append((u.user_id, label))
    return sorted(groups.items(), key=lambda group: (group[0] != "Radiologist", group[0]))


class AccountForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]+$", max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=[(r, r) for r in ROLES])
    avara_user_id = forms.ChoiceField(label='Avara user ("Me")', required=False, choices=[])
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text="Required for a new account; leave empty to keep the current password.",
    )

    def __init__(self, *args, instance=None, users=(), acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.acting_user = acting_user
        first = [("", "Not linked")]
        linked = account_initial(instance)["avara_user_id"] if instance else ""
        if linked and linked not in {u.user_id for u in users}:
            # Avara's user list is unavailable (or lost this user): keep the link on offer,
            # so saving a name change does not silently unlink the account.
            first.append((linked, f"{linked} (current link)"))
        self.fields["avara_user_id"].choices = [*first, *_people_by_role(users)]

    def clean_username(self) -> str:
        name = self.cleaned_data["username"]
        clash = User.objects.filter(username__iexact=name)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("That username is taken.")
        return name

    def clean_avara_user_id(self) -> str:
        value = self.cleaned_data["avara_user_id"]
        if value and not USER_ID_RE.match(value):
            raise forms.ValidationError("Not a valid Avara user id.")
        taken = Account.objects.filter(avara_user_id=value).exclude(avara_user_id="")
        if self.instance:
            taken = taken.exclude(user=self.instance)
        if value and (other := taken.select_related("user").first()):
            # Two logins acting as one Avara user could not be told apart upstream.
            raise forms.ValidationError(f"Already linked to the login {other.user.username}.")
        return value

    def clean(self):
        data = super().clean()
        editing_self = self.instance is not None and self.instance == self.acting_user
        if editing_self and data.get("role") and data["role"] != role_of(self.instance):
            self.add_error("role", "You cannot change your own role; ask another admin.")
        if editing_self and not data.get("is_active"):
            self.add_error("is_active", "You cannot deactivate your own account.")
        return data

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password and not self.instance:
            raise forms.ValidationError("A new account needs a password.")
        if password:
            password_validation.validate_password(password, self.instance)
        return password


def account_initial(user) -> dict:
    account = Account.objects.filter(user=user).first()
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user),
        "avara_user_id": account.avara_user_id if account else "",
        "is_active": user.is_active,
    }


def account_save(*, actor, form: AccountForm):
    """Create or update the login, its role and its Avara link; audited with before and
    after (a password change shows as "set", never the password)."""
    before = account_initial(form.instance) if form.instance else {}
    user = _save(form)
    accounts_generation_bump()  # pages show the new role or link at the next request
    after = account_initial(user)
    if form.cleaned_data["password"]:
        after["password"] = "set"  # noqa: S105 - a marker, never the password itself
    audit_record(
        actor=actor,
        action=AuditAction.ACCOUNT,
        before=before,
        after=after,
        outcome=AuditOutcome.APPLIED,
        detail=f"Account {user.username}",
    )
    return user


def account_rejected(*, actor, username: str, problems) -> None:
    """A save the form refused: audited, nothing changed."""
    audit_record(
        actor=actor,
        action=AuditAction.ACCOUNT,
        after={"username": username[:150]},
        outcome=AuditOutcome.REFUSED,
        detail="Not saved: " + ", ".join(problems),
    )


@transaction.atomic
def _save(form: AccountForm):
    data = form.cleaned_data
    user = form.instance or User(username=data["username"])
    for field in ("username", "first_name", "last_name", "email", "is_active"):
        setattr(user, field, data[field])
    if data["password"]:
        user.set_password(data["password"])
    user.save()
    user.groups.set([Group.objects.get(name=data["role"])])
    Account.objects.update_or_create(user=user, defaults={"avara_user_id": data["avara_user_id"]})
    return user
