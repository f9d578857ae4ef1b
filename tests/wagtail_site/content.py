"""Fill a migrated Wagtail test site with the content a real site has.

Run inside the project made by ``wagtail start`` (see ``__init__.py``):
``python content.py`` with ``DJANGO_SETTINGS_MODULE`` set and the project folder
as the current folder. Deterministic: the same content every time.

What it makes: a new home page and default Site in place of the ones the migrations
made, pages on three levels with several revisions (one a draft), a page
that was published then deleted (its log entries remain, pointing at nothing),
nested collections, images with tags and renditions, documents, a workflow with a
task, a page and a content type attached and one page in moderation, groups with
model, page and collection permissions, and users in them.
"""

import io
import os
import sys

sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.images import ImageFile  # noqa: E402
from django.db import transaction  # noqa: E402
from home.models import HomePage  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from wagtail.documents import get_document_model  # noqa: E402
from wagtail.images import get_image_model  # noqa: E402
from wagtail.models import (  # noqa: E402
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowTask,
)

WORDS = ["bread", "croissant", "baguette", "brioche", "focaccia", "rye", "sourdough", "bagel"]


def png(seed: int) -> ImageFile:
    """A small PNG, different for each seed."""
    picture = PILImage.new("RGB", (120 + seed * 7, 90 + seed * 3), (seed * 40 % 256, 90, 160))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=f"photo-{seed}.png")


def publish(page, user, title=None):
    """Save a revision (optionally retitled) and publish it."""
    if title:
        page.title = title
    revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user)
    return revision


@transaction.atomic
def main():
    admin = User.objects.create_superuser("admin", "admin@example.com", "admin")
    # As on most real sites, the "Home" page and the localhost Site that the migrations
    # made are replaced: a fresh install still has them, with the ids the source reused.
    welcome = HomePage.objects.get(slug="home")
    home = Page.get_first_root_node().add_child(instance=HomePage(title="Bakery", slug="bakery"))
    publish(home, admin)
    Site.objects.filter(root_page=welcome).delete()
    Site.objects.create(
        hostname="bakery.example", root_page=home, is_default_site=True, site_name="Bakery"
    )
    welcome.delete()

    sections = []
    for i in range(3):
        section = home.add_child(instance=HomePage(title=f"Section {i}", slug=f"section-{i}"))
        publish(section, admin)
        publish(section, admin, title=f"Section {i} ({WORDS[i]})")
        sections.append(section)
        for j in range(3):
            word = WORDS[(i + j) % len(WORDS)]
            child = section.add_child(
                instance=HomePage(title=f"{word.title()} {i}.{j}", slug=f"{word}-{i}-{j}")
            )
            publish(child, admin)
            if j == 2:  # a draft on top of the live version
                child.title = f"{word.title()} {i}.{j} (draft)"
                child.save_revision(user=admin, log_action=True)
    leaf = sections[0].get_children().first().specific
    leaf.add_child(instance=HomePage(title="Deep page", slug="deep")).save_revision(
        user=admin
    ).publish(user=admin)

    gone = home.add_child(instance=HomePage(title="Gone", slug="gone"))
    publish(gone, admin)
    gone.delete()  # its PageLogEntry rows stay, pointing at a page that no longer exists

    root = Collection.get_first_root_node()
    bakeries = root.add_child(name="Bakeries")
    shops = root.add_child(name="Shops")
    bread = bakeries.add_child(name="Bread")

    Image = get_image_model()
    for seed, collection in enumerate([root, bakeries, bread, shops, bakeries]):
        image = Image.objects.create(title=f"Photo {seed}", file=png(seed), collection=collection)
        image.tags.add(WORDS[seed], WORDS[seed + 1])
        image.get_rendition("fill-80x60")
        image.get_rendition("width-40")

    Document = get_document_model()
    for seed, collection in enumerate([root, shops, bread]):
        document = Document.objects.create(
            title=f"Price list {seed}",
            file=ContentFile(f"price list {seed}\n".encode() * 50, name=f"prices-{seed}.txt"),
            collection=collection,
        )
        document.tags.add("prices")

    editors = Group.objects.get(name="Editors")
    writers = Group.objects.create(name="Writers")
    writers.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_image"),
        Permission.objects.get(codename="change_document"),
    )
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=writers, page=sections[1], permission=Permission.objects.get(codename=codename)
        )
    GroupCollectionPermission.objects.create(
        group=writers, collection=bakeries, permission=Permission.objects.get(codename="add_image")
    )
    writer = User.objects.create_user("writer", "writer@example.com", "writer")
    writer.groups.add(writers)
    editor = User.objects.create_user("editor", "editor@example.com", "editor")
    editor.groups.add(editors)

    workflow = Workflow.objects.create(name="Bakery review")
    task = GroupApprovalTask.objects.create(name="Editors check")
    task.groups.set([editors])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=sections[2])
    WorkflowContentType.objects.create(
        workflow=workflow, content_type=ContentType.objects.get_for_model(Document)
    )
    moderated = sections[2].get_children().first().specific
    moderated.title = f"{moderated.title} (in review)"
    moderated.save_revision(user=writer)
    workflow.start(moderated, writer)


main()
print("content added")
