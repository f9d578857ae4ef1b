"""Ask a Wagtail test site what a visitor and an editor would: ``python site_check.py OUT.json``.

Run inside the project (``DJANGO_SETTINGS_MODULE`` set). Uses Django's test client:
the home page, every live page by its URL, the search for a word of the content, the
admin's dashboard, page explorer and image and document listings (logged in as the
``admin`` user that ``content.py`` makes). Writes the status codes (and the number of
search results) as JSON. Everything runs in a transaction rolled back at the end: asking
changes nothing (no last_login, session or user profile left behind).
"""

import json
import os
import re
import sys

sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from wagtail.models import Page  # noqa: E402


def main(out):
    with transaction.atomic():
        answers = ask()
        transaction.set_rollback(True)
    with open(out, "w") as stream:
        json.dump(answers, stream, indent=1, sort_keys=True)


def ask() -> dict:
    """The answers, as :func:`main` writes them."""
    setup_test_environment()
    client = Client()
    answers = {}
    for page in Page.objects.live().filter(depth__gte=2).order_by("path"):
        url = page.get_url()
        answers[f"page {url}"] = client.get(url).status_code if url else "no url"
    search = client.get("/search/", {"query": "croissant"})
    answers["search status"] = search.status_code
    answers["search results"] = len(re.findall(r"<li>", search.content.decode()))
    client.force_login(User.objects.get(username="admin"))
    for name, url in [
        ("admin dashboard", "/admin/"),
        ("admin explorer", "/admin/pages/"),
        ("admin images", "/admin/images/"),
        ("admin documents", "/admin/documents/"),
        ("admin workflows", "/admin/workflows/list/"),
        ("admin groups", "/admin/groups/"),
    ]:
        answers[name] = client.get(url).status_code
    for page in Page.objects.filter(depth__gte=2).order_by("path")[:3]:
        answers[f"admin edit {page.pk}"] = client.get(f"/admin/pages/{page.pk}/edit/").status_code
    return answers


main(sys.argv[1])
