"""After a load, inside its transaction: does the target hold what the archive holds?

Per model of the archive, the target's row count is compared with the
archive's object count (content types and permissions, matched by natural
key, are left out). In ``replace`` mode any difference is a warning (a signal
or trigger that made rows, rows that did not load); in ``merge`` mode the
target's own rows are expected, and differences are information. A tree of
django-treebeard (``MP_Node``, ``NS_Node``: Wagtail's pages and collections)
is checked for consistency: paths, depths and child counts. Django is
imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountDifference:
    """A model whose row count in the target differs from the archive's object count."""

    label: str
    archive: int
    target: int

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {"model": self.label, "archive": self.archive, "target": self.target}


@dataclass(frozen=True)
class LoadCheck:
    """What the check after a load found.

    ``differences`` are the models whose counts differ; ``tree_problems`` one
    line per inconsistent tree; ``strict`` is True in ``replace`` mode, where
    a difference is a warning.
    """

    differences: tuple[CountDifference, ...] = ()
    tree_problems: tuple[str, ...] = ()
    strict: bool = True
    models: int = 0

    @property
    def ok(self) -> bool:
        """Whether the load gave exactly what was expected (no warning to show)."""
        return not self.tree_problems and not (self.strict and self.differences)

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "ok": self.ok,
            "strict": self.strict,
            "models": self.models,
            "differences": [item.as_dict() for item in self.differences],
            "tree_problems": list(self.tree_problems),
        }


def check_loaded(state, using: str = "default") -> LoadCheck:
    """Compare the target with the archive, per model of ``state`` (a :class:`TargetState`)."""
    from django.apps import apps

    differences = []
    models = []
    for item in state.models:
        if item.matched or not item.installed:
            continue
        model = apps.get_model(item.label)
        models.append(model)
        found = model._base_manager.using(using).count()
        if found != item.archive:
            differences.append(CountDifference(item.label, item.archive, found))
    return LoadCheck(
        differences=tuple(differences),
        tree_problems=tuple(tree_problems(models, using)),
        strict=state.data_mode != "merge",
        models=len(models),
    )


def tree_problems(models, using: str = "default") -> list[str]:
    """One line per treebeard tree among ``models`` that is not consistent."""
    try:
        from treebeard.mp_tree import MP_Node
        from treebeard.ns_tree import NS_Node
    except ImportError:
        return []
    problems = []
    for root in dict.fromkeys(_tree_root(model) for model in models):
        if issubclass(root, MP_Node):
            problems += _mp_problems(root, using)
        elif issubclass(root, NS_Node):
            problems += _ns_problems(root, using)
    return problems


def _tree_root(model):
    """The concrete model that holds the tree's columns (a page type's ``Page``)."""
    parents = model._meta.get_parent_list()
    return parents[-1] if parents else model


MP_PROBLEMS = ("bad characters", "bad step length", "orphans", "wrong depth", "wrong numchild")


def _mp_problems(model, using: str) -> list[str]:
    """treebeard's own ``find_problems()`` for a materialized-path tree."""
    if using != "default":  # find_problems() reads through the default manager
        return []
    found = model.find_problems()
    return [
        f"{model._meta.label}: {len(pks)} rows with {what} (e.g. pk {pks[0]})"
        for what, pks in zip(MP_PROBLEMS, found, strict=False)
        if pks
    ]


def _ns_problems(model, using: str) -> list[str]:
    """A nested-set tree: each root's span holds exactly its tree's rows."""
    problems = []
    rows = model._base_manager.using(using)
    for root in rows.filter(depth=1):
        size = rows.filter(tree_id=root.tree_id).count()
        if root.rgt - root.lft + 1 != 2 * size:
            problems.append(
                f"{model._meta.label}: tree {root.tree_id} spans {root.rgt - root.lft + 1} "
                f"but holds {size} rows"
            )
    return problems
