"""Load-order analysis on the demo's real models: which relations break plain ``loaddata``.

The definitions are built by the Dumper from plain definition dicts (drains go
last, as diskette loads them) and their relations read from the demo's Django
registry, so each case below is a relation the demo really has.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from diskette_tui.core.dumper import Dumper
from diskette_tui.core.ordering import LoadOrderWarning, Relation, load_order_warnings
from diskette_tui.core.registry import get_registry

pytestmark = pytest.mark.usefixtures("demo_project")


@dataclass(frozen=True)
class Definition:
    """What ``load_order_warnings`` reads of a definition: its name, labels and relations."""

    name: str
    labels: tuple[str, ...]
    relations: tuple[Relation, ...]


def definitions(*apps: dict) -> list[Definition]:
    """The given definitions in load order, with the relations of their models."""
    registry = get_registry()
    return [
        Definition(
            app.name,
            tuple(app.models),
            tuple(
                Relation(label, field, target)
                for label in app.models
                for field, target in registry.relations(label)
            ),
        )
        for app in Dumper(list(apps)).apps
    ]


def described(warnings) -> list[tuple[str, str, str]]:
    """``(definition, "model.field → target", kind)`` of each warning, in order."""
    return [(w.definition, f"{w.model}.{w.field} → {w.target}", w.kind) for w in warnings]


# Relations read from the registry ---------------------------------------------


def test_relations_are_forward_foreign_keys_one_to_ones_and_m2m():
    registry = get_registry()
    assert registry.relations("orders.OrderLine") == [
        ("order", "orders.Order"),
        ("product", "catalog.Product"),
    ]
    assert registry.relations("orders.Customer") == [("user", "auth.User")]  # a one-to-one
    assert registry.relations("catalog.Product") == [
        ("category", "catalog.Category"),
        ("tags", "catalog.Tag"),  # an M2M with an auto-created table
    ]
    assert registry.relations("auth.User") == [
        ("groups", "auth.Group"),
        ("user_permissions", "auth.Permission"),
    ]


def test_models_without_forward_relations_have_none():
    registry = get_registry()
    for label in ("catalog.Category", "catalog.Tag", "sites.Site", "contenttypes.ContentType"):
        assert registry.relations(label) == [], label


def test_an_auto_created_m2m_table_needs_both_ends():
    assert get_registry().relations("auth.User_groups") == [
        ("user", "auth.User"),
        ("group", "auth.Group"),
    ]


# Warnings ---------------------------------------------------------------------


def test_a_relation_to_a_model_dumped_later_is_a_later_warning():
    found = load_order_warnings(
        definitions(
            {"name": "Catalog", "models": ["catalog.Product"]},
            {"name": "Categories", "models": ["catalog.Category", "catalog.Tag"]},
        )
    )
    assert described(found) == [
        ("Catalog", "catalog.Product.category → catalog.Category", "later"),
        ("Catalog", "catalog.Product.tags → catalog.Tag", "later"),
    ]
    assert {w.target_definition for w in found} == {"Categories"}
    assert found[0].message == (
        "catalog.Product.category → catalog.Category: catalog.Category is dumped later, "
        "by 'Categories'"
    )
    assert str(found[0]) == found[0].message


def test_a_relation_to_a_model_not_dumped_is_a_missing_warning():
    found = load_order_warnings(definitions({"name": "Orders", "models": ["orders.OrderLine"]}))
    assert described(found) == [
        ("Orders", "orders.OrderLine.order → orders.Order", "missing"),
        ("Orders", "orders.OrderLine.product → catalog.Product", "missing"),
    ]
    assert all(w.target_definition is None for w in found)
    assert found[1].message == (
        "orders.OrderLine.product → catalog.Product: catalog.Product is not dumped"
    )


def test_no_warning_when_every_target_is_dumped_before():
    ordered = definitions(
        {"name": "Users", "models": ["auth.Permission", "auth.Group", "auth.User"]},
        {"name": "Types", "models": ["contenttypes"]},
    )
    # auth.Permission needs contenttypes.ContentType, dumped later: reorder and it is fine.
    assert [w.kind for w in load_order_warnings(ordered)] == ["later"]
    assert (
        load_order_warnings(
            definitions(
                {"name": "Types", "models": ["contenttypes"]},
                {"name": "Users", "models": ["auth.Permission", "auth.Group", "auth.User"]},
                {"name": "Catalog", "models": ["catalog"]},
                {"name": "Orders", "models": ["orders"]},
            )
        )
        == ()
    )


def test_relations_inside_one_definition_are_loaded_together():
    # Order → Customer and OrderLine → Order stay inside "Orders": one fixture.
    found = load_order_warnings(
        definitions({"name": "Orders", "models": ["orders"], "excludes": ["orders.Cart"]})
    )
    assert described(found) == [
        ("Orders", "orders.Customer.user → auth.User", "missing"),
        ("Orders", "orders.OrderLine.product → catalog.Product", "missing"),
    ]


def test_warnings_come_in_load_order_with_the_first_definition_holding_a_target():
    found = load_order_warnings(
        definitions(
            {"name": "Orders", "models": ["orders.Customer"]},
            {"name": "Users", "models": ["auth.User"]},
            {"name": "Users again", "models": ["auth.User"]},
        )
    )
    assert described(found)[0] == ("Orders", "orders.Customer.user → auth.User", "later")
    assert found[0].target_definition == "Users"
    assert [w.definition for w in found] == [
        "Orders",
        "Users",
        "Users",
        "Users again",
        "Users again",
    ]


def test_a_definition_before_the_drain_warns_about_what_the_drain_holds():
    ordered = definitions(
        {"name": "Rest", "is_drain": True},  # listed first, loaded last
        {"name": "Orders", "models": ["orders"], "excludes": ["orders.Cart"]},
    )
    assert [item.name for item in ordered] == ["Orders", "Rest"]
    found = load_order_warnings(ordered)
    assert described(found) == [
        ("Orders", "orders.Customer.user → auth.User", "later"),
        ("Orders", "orders.OrderLine.product → catalog.Product", "later"),
    ]
    assert {w.target_definition for w in found} == {"Rest"}


def test_a_drain_warns_about_what_it_leaves_out():
    found = load_order_warnings(
        definitions(
            {"name": "Types", "models": ["contenttypes"]},
            {"name": "Rest", "is_drain": True, "excludes": ["auth.User", "catalog.Tag"]},
        )
    )
    # Its own models (Product → Category, Group → Permission...) load together, and
    # ContentType comes from the earlier "Types"; what it excludes is not dumped.
    assert described(found) == [
        ("Rest", "admin.LogEntry.user → auth.User", "missing"),
        ("Rest", "catalog.Product.tags → catalog.Tag", "missing"),
        ("Rest", "orders.Customer.user → auth.User", "missing"),
        ("Rest", "orders.Cart.user → auth.User", "missing"),
    ]


def test_warnings_are_frozen_values():
    warning = LoadOrderWarning("Orders", "orders.Customer", "user", "auth.User", "missing")
    with pytest.raises(AttributeError):
        warning.kind = "later"
    assert warning == LoadOrderWarning(
        "Orders", "orders.Customer", "user", "auth.User", "missing", None
    )
