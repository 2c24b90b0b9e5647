"""`{% bulk_bar %}`: the action bar under a list of studies (worklist, queue, board), with
what this user's role may do to the studies they tick (studies/web/bulk.py)."""

from django import template

from studies.board.balance import WHY
from studies.services.fields import SEVERITY_LABELS
from studies.web.bulk import bulk_bar_context

register = template.Library()


@register.inclusion_tag("studies/_bulk.html", takes_context=True)
def bulk_bar(context, loads=None):
    """The bar; `loads` ({Avara user id: "12 open, cap 20"}) shows each person's load
    beside their name in "Assign to" (the board knows them)."""
    request = context["request"]
    read = context.get("directory_users")  # the worklist read them already
    return {
        "bulk": bulk_bar_context(request, loads=loads, users=read),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def severity_label(value: str) -> str:
    """STAT, High, Normal."""
    return SEVERITY_LABELS.get(value, value)


@register.filter
def why_label(value: str) -> str:
    """Why a balance moves a study: "Unassigned", "Above their cap", "Off shift"."""
    return WHY.get(value, value)
