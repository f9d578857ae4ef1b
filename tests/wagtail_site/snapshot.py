"""Write every table of a Wagtail test site as JSON, comparable across databases.

``python snapshot.py OUT.json`` inside the project (``DJANGO_SETTINGS_MODULE`` set).
Each model's table (auto-created many-to-many tables included) becomes a sorted list of
rows. Content types and permissions are written by natural key, not by id, and so is
every column that points at them (permissions' names and many-to-many links' own ids are
left out): two sites hold the same data when their snapshots are
equal, whatever ids their content types and permissions were given. Rows keep their own
primary keys otherwise: a restore must give them back.
"""

import json
import os
import sys

sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402


def natural_maps():
    """id → natural key, for content types and permissions."""
    types = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    permissions = {
        p.pk: f"{types[p.content_type_id]}:{p.codename}" for p in Permission.objects.all()
    }
    return types, permissions


def table_rows(model, types, permissions):
    """The model's rows, as sorted lists of JSON-able values."""
    fields = model._meta.concrete_fields
    columns = [f.attname for f in fields]
    rows = []
    for values in model._base_manager.values_list(*columns):
        row = {}
        for field, value in zip(fields, values, strict=True):
            target = field.related_model if field.is_relation else None
            if model is ContentType and field.primary_key:
                continue  # known by its natural key (app_label, model)
            if model._meta.auto_created and field.primary_key:
                # A many-to-many link's own id: loaddata recreates the links from the
                # owner's field, so only the pair it links is data.
                continue
            if model is Permission and field.attname in ("id", "name"):
                # Compared by natural key only: a permission's name is the verbose name
                # it was created with, which differs between `migrate` and `flush`.
                continue
            if target is ContentType and value is not None:
                value = types.get(value, f"missing content type {value}")
            elif target is Permission and value is not None:
                value = permissions.get(value, f"missing permission {value}")
            row[field.attname] = value
        rows.append(json.dumps(row, sort_keys=True, default=str))
    return sorted(rows)


def main(out):
    types, permissions = natural_maps()
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        tables[model._meta.db_table] = table_rows(model, types, permissions)
    with open(out, "w") as stream:
        json.dump(tables, stream, indent=1, sort_keys=True)


main(sys.argv[1])
