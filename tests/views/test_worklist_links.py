"""The worklist builds its pager and refresh links in Python (studies/views/worklist.py):
they must read exactly as Django's `{% querystring %}` would print them."""

from types import SimpleNamespace

import pytest
from django.template.defaulttags import querystring
from django.test import RequestFactory

from studies.views.worklist import querystring_of

QUERIES = [
    "",
    "q=CT head&severity=stat",
    "q=%C3%A9t%C3%A9+%26+more&c=first&c=second&p=3",
    "assignee=me&limit=100&c=abc%2Fdef%3D%3D&status=incomplete",
    "p=2&q=<script>&p=5",
]
CHANGES = [
    {"c": None, "p": None},
    {"c": ["t1", "t/2=="], "p": 2},
    {"c": [], "p": 1},
    {"c": [None, "z"]},
    {"new": "value & more", "q": None},
    {"p": None, "c": ["only"], "limit": 25},
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("changes", CHANGES)
def test_a_link_reads_as_the_querystring_tag_prints_it(query, changes):
    request = RequestFactory().get("/?" + query if query else "/")

    ours = querystring_of(dict(request.GET.lists()), **changes)

    assert ours == querystring(SimpleNamespace(request=request), **changes)
