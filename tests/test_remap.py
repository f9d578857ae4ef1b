"""Content types and permissions translated by natural key: the records, the rewrite, the maps.

In-process on the demo's database (Django is set up once, with the demo): each
test that writes runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from diskette_tui.core.restore import records as records_module
from diskette_tui.core.restore.records import RecordError, RecordWriter, iter_records
from diskette_tui.core.restore.remap import (
    ReferenceMaps,
    Remapper,
    model_references,
    source_maps,
)
from diskette_tui.exceptions import LoadFailed

OBJECTS = [
    {"model": "auth.group", "pk": 1, "fields": {"name": 'Ünïcode, "quoted" ]', "permissions": []}},
    {"model": "sites.site", "pk": 2, "fields": {"domain": "x.test", "name": "{[x]}"}},
    {"model": "catalog.tag", "pk": 3, "fields": {"name": "t" * 5000}},
]


@pytest.fixture
def rolled_back(demo_project):
    """A transaction on the demo database, rolled back at the end of the test."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_records_round_trip_one_at_a_time(tmp_path, monkeypatch, fmt):
    if fmt == "yaml":
        pytest.importorskip("yaml", reason="PyYAML is not installed (Django's YAML needs it)")
    monkeypatch.setattr(records_module, "CHUNK", 7)  # objects cut across many reads
    path = tmp_path / f"data.{fmt}"
    with RecordWriter(path, fmt) as writer:
        for item in OBJECTS:
            writer.write(item)
    with open(path, "rb") as stream:
        assert list(iter_records(stream, fmt)) == OBJECTS
    if fmt == "json":
        assert json.loads(path.read_text()) == OBJECTS


def test_json_records_read_django_output_and_refuse_what_is_not_a_list(tmp_path):
    assert list(iter_records(io.BytesIO(b""), "json")) == []
    assert list(iter_records(io.BytesIO(b" [ ] "), "json")) == []
    data = json.dumps(OBJECTS, indent=2).encode()
    assert list(iter_records(io.BytesIO(b"\xef\xbb\xbf" + data), "json")) == OBJECTS
    with pytest.raises(RecordError):
        list(iter_records(io.BytesIO(b'{"model": "x"}'), "json"))
    with pytest.raises(RecordError):
        list(iter_records(io.BytesIO(b'[{"a": 1} {"b": 2}]'), "json"))


def test_model_references_find_foreign_keys_many_to_many_and_own_rows(demo_project):
    from django.apps import apps

    log = model_references(apps.get_model("admin.logentry"))
    assert log.foreign == {"content_type": "contenttypes.contenttype"}
    group = model_references(apps.get_model("auth.group"))
    assert group.many == {"permissions": "auth.permission"}
    user = model_references(apps.get_model("auth.user"))
    assert user.many == {"user_permissions": "auth.permission"}
    assert model_references(apps.get_model("auth.permission")).own == "auth.permission"
    assert not model_references(apps.get_model("catalog.product")).any


def shifted_maps() -> tuple[ReferenceMaps, dict]:
    """The demo's maps as if the source had numbered everything 1000 higher."""
    maps = source_maps()
    source = ReferenceMaps(
        content_types={int(pk) + 1000: tuple(key) for pk, key in maps["contenttypes"].items()},
        permissions={int(pk) + 1000: tuple(key) for pk, key in maps["permissions"].items()},
    )
    return source, maps


def test_every_kind_of_reference_is_translated_and_natural_keys_are_left(rolled_back):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    source, _ = shifted_maps()
    remapper = Remapper(source)
    user_ct = ContentType.objects.get_by_natural_key("auth", "user")
    add_user = Permission.objects.get(codename="add_user")
    change_group = Permission.objects.get(codename="change_group")
    log = remapper.record(
        {"model": "admin.logentry", "pk": 5, "fields": {"content_type": user_ct.pk + 1000}}
    )
    assert log["fields"]["content_type"] == user_ct.pk
    group = remapper.record(
        {
            "model": "auth.group",
            "pk": 1,
            "fields": {"permissions": [add_user.pk + 1000, ["change_group", "auth", "group"]]},
        }
    )
    assert group["fields"]["permissions"] == [add_user.pk, ["change_group", "auth", "group"]]
    natural = remapper.record(
        {"model": "admin.logentry", "pk": 6, "fields": {"content_type": ["auth", "user"]}}
    )
    assert natural["fields"]["content_type"] == ["auth", "user"]
    # Rows of ContentType and Permission themselves are matched by natural key.
    own_ct = remapper.record(
        {
            "model": "contenttypes.contenttype",
            "pk": 77,
            "fields": {"app_label": "auth", "model": "user"},
        }
    )
    assert own_ct["pk"] == user_ct.pk
    own_permission = remapper.record(
        {
            "model": "auth.permission",
            "pk": 999,
            "fields": {
                "name": "Can change group",
                "content_type": change_group.content_type_id + 1000,
                "codename": "change_group",
            },
        }
    )
    assert own_permission["pk"] == change_group.pk
    assert own_permission["fields"]["content_type"] == change_group.content_type_id
    assert remapper.counts.changed == 5


def test_missing_content_types_and_permissions_are_created(rolled_back):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    source = ReferenceMaps(
        content_types={1: ("catalog", "retired")},
        permissions={2: ("catalog", "retired", "archive_retired")},
    )
    remapper = Remapper(source)
    group = remapper.record({"model": "auth.group", "pk": 1, "fields": {"permissions": [2]}})
    created = Permission.objects.get(pk=group["fields"]["permissions"][0])
    assert created.codename == "archive_retired"
    assert created.content_type == ContentType.objects.get_by_natural_key("catalog", "retired")


def test_a_content_type_of_an_app_the_target_lacks_is_refused(rolled_back):
    remapper = Remapper(ReferenceMaps(content_types={1: ("blog", "post")}))
    with pytest.raises(LoadFailed, match=r"\(blog\.post\): app not installed \(blog\)"):
        remapper.record({"model": "admin.logentry", "pk": 1, "fields": {"content_type": 1}})


def test_unknown_ids_are_left_and_counted(rolled_back):
    remapper = Remapper(ReferenceMaps(content_types={}))
    record = remapper.record({"model": "admin.logentry", "pk": 1, "fields": {"content_type": 4}})
    assert record["fields"]["content_type"] == 4
    assert remapper.counts.unmapped == 1


def shift_permissions(text: str, fmt: str, offset: int) -> str:
    """A serialized group as a source that numbered its permissions ``offset`` higher."""
    if fmt == "xml":
        import xml.etree.ElementTree as ElementTree

        root = ElementTree.fromstring(text.encode())
        for item in root.iter("field"):
            if item.get("name") == "permissions":
                for child in item.findall("object"):
                    child.set("pk", str(int(child.get("pk")) + offset))
        return ElementTree.tostring(root, encoding="unicode")
    objects = (
        json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    )
    for item in objects:
        item["fields"]["permissions"] = [pk + offset for pk in item["fields"]["permissions"]]
    if fmt == "json":
        return json.dumps(objects)
    return "".join(json.dumps(item) + "\n" for item in objects)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "xml"])
def test_rewrite_translates_a_django_data_file(rolled_back, tmp_path, fmt):
    from django.contrib.auth.models import Group, Permission
    from django.core import serializers

    source, _ = shifted_maps()
    group = Group.objects.create(name="Rewritten")
    group.permissions.set(Permission.objects.filter(codename__in=["add_user", "view_tag"]))
    original = tmp_path / f"in.{fmt}"
    original.write_text(shift_permissions(serializers.serialize(fmt, [group]), fmt, 1000))
    rewritten = tmp_path / "out" / f"in.{fmt}"
    Remapper(source).rewrite(original, rewritten, fmt)
    loaded = list(serializers.deserialize(fmt, rewritten.read_text()))
    assert loaded[0].object.name == "Rewritten"
    assert sorted(loaded[0].m2m_data["permissions"]) == sorted(
        group.permissions.values_list("pk", flat=True)
    )


def test_manifest_records_the_maps(demo_project):
    maps = source_maps()
    assert ["auth", "user"] in maps["contenttypes"].values()
    assert ["auth", "user", "add_user"] in maps["permissions"].values()
    assert all(isinstance(key, str) for key in maps["contenttypes"])


def test_an_archive_without_maps_has_none():
    assert ReferenceMaps.from_manifest({"datas": [], "storages": []}) is None
    maps = ReferenceMaps.from_manifest({"contenttypes": {"3": ["a", "b"]}, "permissions": {}})
    assert maps.natural_key("contenttypes.contenttype", "3") == ("a", "b")


def test_records_module_needs_no_django():
    source = Path(records_module.__file__).read_text()
    assert "django" not in source.split('"""', 2)[2]


def test_xml_objects_are_read_as_the_other_formats_give_them(rolled_back):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType
    from django.core import serializers

    from diskette_tui.core.restore.target_state import _xml_records

    group = Group.objects.create(name="Xml")
    group.permissions.set(Permission.objects.filter(codename="add_user"))
    entry = LogEntry.objects.create(
        user=User.objects.first(),
        content_type=ContentType.objects.get_by_natural_key("auth", "group"),
        object_repr="x",
        action_flag=1,
    )
    text = serializers.serialize("xml", [group, entry], use_natural_foreign_keys=False)
    group_record, entry_record = _xml_records(io.BytesIO(text.encode()))
    assert group_record["model"] == "auth.group" and group_record["fields"]["name"] == "Xml"
    assert group_record["fields"]["permissions"] == [
        str(Permission.objects.get(codename="add_user").pk)
    ]
    assert entry_record["fields"]["content_type"] == str(entry.content_type_id)
    natural = serializers.serialize("xml", [entry], use_natural_foreign_keys=True)
    (record,) = _xml_records(io.BytesIO(natural.encode()))
    assert record["fields"]["content_type"] == ["auth", "group"]


def test_json_records_survive_every_chunk_boundary(monkeypatch):
    objects = [
        {"model": "x.y", "pk": 1, "fields": {"a": "é" * 10, "n": 12345}},
        {"b": [2.5e10, None]},
    ]
    for data in (
        json.dumps(objects, indent=4, ensure_ascii=False).encode(),
        b"\xef\xbb\xbf  [ \n ]  ",
    ):
        expected = json.loads(data.decode("utf-8-sig"))
        for size in range(1, 40):
            monkeypatch.setattr(records_module, "CHUNK", size)
            assert list(iter_records(io.BytesIO(data), "json")) == expected, size
    with pytest.raises(ValueError):
        list(iter_records(io.BytesIO(b'[{"a": 1}, {"b":'), "json"))
