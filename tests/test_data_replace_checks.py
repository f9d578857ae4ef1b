"""The parts of a replace load and of its check, in-process on the demo's database.

What deletes first, what the check after a load reports and how the preview
words the target's state. Writing tests run in a transaction that is rolled back.
"""

from __future__ import annotations

import pytest

from diskette_tui import wording
from diskette_tui.core.restore.checks import check_loaded
from diskette_tui.core.restore.clear import clear_models, deletion_order, link_tables
from diskette_tui.core.restore.target_state import ModelState, ReferenceState, TargetState


@pytest.fixture
def rolled_back(demo_project):
    """A transaction on the demo database, rolled back at the end of the test."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def models(*labels):
    from django.apps import apps

    return [apps.get_model(label) for label in labels]


def test_children_are_deleted_before_their_parents(demo_project):
    order = [
        model._meta.label_lower
        for model in deletion_order(
            models(
                "orders.customer",
                "catalog.category",
                "orders.orderline",
                "catalog.product",
                "orders.order",
            )
        )
    ]
    assert order.index("orders.orderline") < order.index("orders.order")
    assert order.index("orders.order") < order.index("orders.customer")
    assert order.index("orders.orderline") < order.index("catalog.product")
    assert order.index("catalog.product") < order.index("catalog.category")


def test_link_tables_of_the_cleared_models(demo_project):
    tables = {model._meta.db_table for model in link_tables(models("auth.group"))}
    assert {"auth_group_permissions", "auth_user_groups"} <= tables


def test_replace_deletes_every_row_and_what_refers_to_them(rolled_back):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    content_types = ContentType.objects.count()
    order = apps.get_model("orders.order")
    assert order.objects.exists()
    deleted = clear_models(["orders.customer", "orders.order", "contenttypes.contenttype"])
    assert order._base_manager.count() == 0
    # The order lines are not in the list: their CASCADE foreign key takes them along.
    assert apps.get_model("orders.orderline")._base_manager.count() == 0
    assert deleted["orders.orderline"] > 0
    assert ContentType.objects.count() == content_types  # matched, never deleted


def state(data_mode: str, archive_offset: int) -> TargetState:
    from django.apps import apps

    category = apps.get_model("catalog.category")._base_manager.count()
    return TargetState(
        database="sqlite database demo",
        data_mode=data_mode,
        models=(
            ModelState("catalog.category", category + archive_offset, category, category),
            ModelState("contenttypes.contenttype", 3, 20, matched=True),
        ),
        references=ReferenceState(available=True),
    )


def test_a_count_that_differs_is_a_warning_after_replace(demo_project):
    check = check_loaded(state("replace", 1))
    assert not check.ok and check.strict
    (line,) = wording.load_check_lines(check)
    assert line.startswith("catalog.category: the target holds ")
    assert check_loaded(state("replace", 0)).ok


def test_a_count_that_differs_is_information_after_merge(demo_project):
    check = check_loaded(state("merge", -1))
    assert check.ok and check.differences
    assert wording.load_check_lines(check)[0].endswith("(merge: the target's own rows stay)")


def test_preview_words_the_target_state(demo_project):
    merge = state("merge", 0)
    assert wording.data_mode_line(merge).startswith("merge: the archive's rows load over")
    lines = wording.target_model_lines(merge)
    assert lines[0].endswith(" by pk), 0 of the target not in it")
    assert lines[1] == "contenttypes.contenttype: 3 rows, matched by natural key"
    replace = state("replace", 0)
    assert wording.target_model_lines(replace)[0].startswith("catalog.category: deletes ")
    assert wording.references_line(ReferenceState(available=True)) == "content types: same ids"
    renumbered = ReferenceState(
        available=True,
        renumbered_content_types=4,
        renumbered_permissions=16,
        created=("content type catalog.retired",),
    )
    assert wording.references_line(renumbered) == (
        "4 content types renumbered, 16 permissions renumbered, remapped; "
        "created: content type catalog.retired"
    )
    unchecked = ReferenceState(available=False, referenced=3)
    assert unchecked.by_id_unchecked
    assert not ReferenceState(available=False).by_id_unchecked
