"""Forms: every input from a browser is validated here before it reaches the service module."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from studies import upstream, validators
from studies.services.fields import STATUS_LABELS

SEVERITY_CHOICES = [("stat", "STAT"), ("high", "High"), ("normal", "Normal")]
STATUS_CHOICES = list(STATUS_LABELS.items())
CANCELLED_CHOICES = [("active", "Active"), ("cancelled", "Cancelled"), ("all", "All")]
PAGE_SIZES = [25, 50, 100]
# Cursors kept in the URL for Previous: the most recent ones (about 150 characters each,
# so the URL stays well under the 8 KB proxies accept). Older pages: "First page".
MAX_CURSOR_TRAIL = 30


def _id_or_keyword(value: str, keywords: set[str], pattern, noun: str) -> str:
    value = value.strip()
    if value and value not in keywords and not pattern.match(value):
        raise ValidationError(f"Not a valid {noun}.")
    return value


class _SharedFields(dict):
    """A form's fields, shared by its instances instead of deep-copied into each: for a
    form that is only validated (never rendered through its widgets, never changed per
    request), the copy Django makes is a third of a millisecond per page for nothing."""

    def __deepcopy__(self, memo):
        return dict(self)


class WorklistFilterForm(forms.Form):
    """The six list filters, the search box, the page size and the cursor trail."""

    q = forms.CharField(required=False, max_length=200, strip=True)
    severity = forms.ChoiceField(required=False, choices=[("", "Any"), *SEVERITY_CHOICES])
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *STATUS_CHOICES])
    assignee = forms.CharField(required=False, max_length=40)
    customer = forms.CharField(required=False, max_length=40)
    cancelled = forms.ChoiceField(required=False, choices=CANCELLED_CHOICES)
    limit = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES], empty_value=25
    )

    def clean_assignee(self) -> str:
        return _id_or_keyword(
            self.cleaned_data["assignee"], {"me", "none"}, validators.USER_ID_RE, "assignee"
        )

    def clean_customer(self) -> str:
        return _id_or_keyword(
            self.cleaned_data["customer"], {"none"}, validators.CUSTOMER_ID_RE, "customer"
        )

    def clean_cancelled(self) -> str:
        return self.cleaned_data["cancelled"] or "active"

    def value(self, name: str, default=""):
        """The cleaned value of a field, or its default when it was missing or invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or default


# Printed by hand (worklist.html, filter_selects), never through the widgets.
WorklistFilterForm.base_fields = _SharedFields(WorklistFilterForm.base_fields)


def list_filters(form: WorklistFilterForm, *, me: str | None, can_see_cancelled: bool) -> dict:
    """Translate the validated filter form into study_list() keyword arguments: the plain
    values the selectors take (studies/selectors.py)."""
    assignee = form.value("assignee")
    customer = form.value("customer")
    cancelled = form.value("cancelled", "active") if can_see_cancelled else "active"
    q = form.value("q")
    return {
        "severity": form.value("severity") or None,
        "study_viewer_status": form.value("status") or None,
        "study_description": q if q and not validators.is_lookup(q) else None,
        "is_cancelled": {"active": False, "cancelled": True}.get(cancelled),
        "assigned_to": {"me": me, "none": upstream.NULL}.get(assignee, assignee) or None,
        "express_customer_id": upstream.NULL if customer == "none" else customer or None,
    }


QUEUE_SHOWS = [
    ("all", "Everyone's"),
    ("unassigned", "Unassigned"),
    ("mine", "Mine"),
    ("overdue", "Overdue"),
]


class QueueFilterForm(forms.Form):
    show = forms.ChoiceField(required=False, choices=QUEUE_SHOWS)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def value(self, name: str, default=""):
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or default


def _options_html(choices) -> str:
    """<option> tags for (value, text, selected) triples, escaped: the filter form's
    drop-downs are printed on every page view and HTMX swap, where a template loop over
    every user costs more than the rest of the form."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if chosen else "", t) for v, t, chosen in choices),
    )


def filter_selects(form: WorklistFilterForm, *, users, customers, can_see_cancelled: bool, limit):
    """The worklist filter form's drop-downs as (name, label, options HTML), worked out
    once here: the template only prints them."""

    def options(name: str, choices) -> str:
        current = form[name].value()
        current = "" if current is None else str(current)
        return _options_html((str(v), str(t), str(v) == current) for v, t in choices)

    people = [("", "Anyone"), ("me", "Assigned to me"), ("none", "Unassigned")]
    people += [(u.user_id, u.display_name) for u in users]
    places = [("", "Any customer"), ("none", "No customer"), *customers]
    selects = [
        ("severity", "Severity", options("severity", form.fields["severity"].choices)),
        ("status", "Viewer status", options("status", form.fields["status"].choices)),
        ("assignee", "Assignee", options("assignee", people)),
        ("customer", "Customer", options("customer", places)),
    ]
    if can_see_cancelled:
        selects.append(
            ("cancelled", "Show", options("cancelled", form.fields["cancelled"].choices))
        )
    sizes = _options_html((str(n), str(n), n == limit) for n in PAGE_SIZES)
    selects.append(("limit", "Per page", sizes))
    return selects


def cursor_trail(query) -> tuple[list[str], int]:
    """The cursors leading to this page (repeated `c` parameter) and its page number (`p`).

    The last cursor is this page's; only the most recent MAX_CURSOR_TRAIL are kept.
    """
    trail = [c for c in query.getlist("c") if c and len(c) <= 1000][-MAX_CURSOR_TRAIL:]
    try:
        number = int(query.get("p", ""))
    except ValueError:
        number = 0
    if not trail:
        return [], 1
    return trail, number if len(trail) + 1 <= number <= 1_000_000 else len(trail) + 1


class InlineEditForm(forms.Form):
    """One field of one study, as sent by a row's inline control.

    What the row showed comes separately, as the row's signed token: see studies/web/seen.py.
    """

    value = forms.CharField(required=False, max_length=40)

    def __init__(self, *args, field: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.edit_field = field

    def clean_value(self) -> str:
        value = self.cleaned_data["value"].strip()
        if self.edit_field == "severity" and value not in dict(SEVERITY_CHOICES):
            raise ValidationError("Choose STAT, High or Normal.")
        if self.edit_field == "status" and value not in dict(STATUS_CHOICES):
            raise ValidationError("Choose Incomplete or Complete.")
        if self.edit_field == "assignee":
            _id_or_keyword(value, {"me"}, validators.USER_ID_RE, "assignee")
        return value


class MetadataPairForm(forms.Form):
    # Not stripped: keys are kept exactly as Avara has them ("Accession " stays itself).
    # Named for screen readers by aria-label (the table's headings are only seen): a row
    # the page's script copies ("Add a row") keeps a name that is still right.
    key = forms.CharField(
        required=False,
        max_length=validators.METADATA_KEY_MAX,
        strip=False,
        widget=forms.TextInput(attrs={"aria-label": "Metadata key"}),
    )
    value = forms.CharField(
        required=False,
        max_length=validators.METADATA_VALUE_MAX,
        strip=False,
        widget=forms.TextInput(attrs={"aria-label": "Metadata value"}),
    )

    def clean(self):
        data = super().clean()
        key = data.get("key") or ""
        if key and not key.strip():
            self.add_error("key", "A key needs at least one visible character.")
        elif data.get("value") and not key:
            self.add_error("key", "A value needs a key.")
        return data


class BaseMetadataFormSet(forms.BaseFormSet):
    existing_keys: frozenset[str] = frozenset()  # keys the study has upstream now

    def clean(self) -> None:
        if any(self.errors):
            return
        keys = [f.cleaned_data.get("key") for f in self.forms if f.cleaned_data.get("key")]
        padded = [k for k in keys if k != k.strip() and k not in self.existing_keys]
        if padded:
            # Keys already in Avara are kept as they are; new ones must not look alike.
            raise ValidationError(
                "A key may not start or end with a space: " + ", ".join(repr(k) for k in padded)
            )
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ValidationError(f"Each key may appear once: {', '.join(sorted(duplicates))}.")
        if len(keys) > validators.METADATA_MAX_PAIRS:
            raise ValidationError(
                f"At most {validators.METADATA_MAX_PAIRS} metadata pairs (you gave {len(keys)})."
            )

    def metadata(self) -> dict[str, str]:
        return {
            f.cleaned_data["key"]: f.cleaned_data.get("value", "")
            for f in self.forms
            if f.cleaned_data.get("key")
        }


MetadataFormSet = forms.formset_factory(
    MetadataPairForm,
    formset=BaseMetadataFormSet,
    extra=3,
    max_num=validators.METADATA_MAX_PAIRS + 3,
    absolute_max=validators.METADATA_MAX_PAIRS + 10,
)


def metadata_formset(
    data=None, *, metadata: dict[str, str] | None = None, existing=(), prefix="meta"
):
    initial = [{"key": k, "value": v} for k, v in (metadata or {}).items()]
    formset = MetadataFormSet(data, initial=initial, prefix=prefix)
    formset.existing_keys = frozenset(existing or (metadata or {}))
    return formset


class SeenMetadataField(forms.CharField):
    """The metadata the page showed, as JSON in a hidden input: {key: value}."""

    widget = forms.HiddenInput

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise ValidationError("The page's copy of the metadata was damaged.") from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ValidationError("The page's copy of the metadata was damaged.")
        return data


class StudyDetailsForm(forms.Form):
    """Description and metadata; `seen_*` hold what the page showed, for the stale check."""

    study_description = forms.CharField(
        label="Description", max_length=1000, strip=True, widget=forms.Textarea(attrs={"rows": 2})
    )
    seen_description = forms.CharField(
        required=False, max_length=1000, strip=False, widget=forms.HiddenInput
    )
    seen_metadata = SeenMetadataField(required=False, strip=False, max_length=200_000)


class StudyCreateForm(forms.Form):
    severity = forms.ChoiceField(choices=SEVERITY_CHOICES, initial="normal")
    study_description = forms.CharField(label="Description", max_length=1000, strip=True)
    study_instance_uid = forms.CharField(
        label="Study Instance UID",
        max_length=64,
        strip=True,
        help_text="DICOM syntax: numbers separated by dots, e.g. 1.2.840.113619.2.55.3.604688119.",
    )
    assigned_to = forms.ChoiceField(label="Assignee", required=False, choices=[])
    # What the user typed (a name or a cus_ id), and the customer picked from the list
    # (set by the combobox, static/js/worklists.js; a raw id posted alone works too).
    express_customer = forms.CharField(label="Express customer", required=False, max_length=300)
    express_customer_id = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, users=(), customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", "Unassigned")] + [
            (u.user_id, u.display_name) for u in users
        ]
        self.customer_choices = list(customers)

    def clean_study_instance_uid(self) -> str:
        uid = self.cleaned_data["study_instance_uid"]
        problem = validators.dicom_uid_problem(uid)
        if problem:
            raise ValidationError(problem)
        return uid

    def clean(self):
        data = super().clean()
        typed = data.pop("express_customer", "") or ""
        customer_id, problem = customer_resolve(
            typed, data.get("express_customer_id") or "", self.customer_choices
        )
        if problem:
            self.add_error("express_customer", problem)
        data["express_customer_id"] = customer_id
        return data


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def customer_resolve(typed: str, chosen: str, customers) -> tuple[str, str]:
    """(customer id, problem): the customer a user named on the new-study form.

    `chosen`: the id of the option picked from the list, kept while the text is still
    that customer's name (or id). Otherwise the text: a `cus_` id as it is (a customer
    the dashboard has not seen yet), or the name of exactly one known customer (case and
    spacing aside). An unknown or ambiguous name says so."""
    typed, chosen = typed.strip(), chosen.strip()
    names = dict(customers)
    if chosen and (
        not typed or typed == chosen or _folded(typed) == _folded(names.get(chosen, ""))
    ):
        if validators.CUSTOMER_ID_RE.match(chosen):
            return chosen, ""
        return "", "Not a valid customer."
    if not typed:
        return "", ""
    if typed.lower().startswith("cus_"):
        if validators.CUSTOMER_ID_RE.match(typed):
            return typed, ""
        return "", "Not a valid customer id: cus_ followed by 32 hexadecimal characters."
    matches = [cid for cid, name in customers if _folded(name) == _folded(typed)]
    if len(matches) == 1:
        return matches[0], ""
    if matches:
        return "", (
            f"{len(matches)} customers are named \u201c{typed}\u201d: pick one from the list "
            "(their ids differ) or enter its cus_ id."
        )
    return "", (
        f"No customer named \u201c{typed}\u201d is known here. The dashboard knows the "
        "customers it has seen on studies: pick one from the list, or enter a new "
        "customer's cus_ id."
    )
