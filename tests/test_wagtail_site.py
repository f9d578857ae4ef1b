"""The Wagtail test site is what the restore tests need: a working site with the hard cases."""

import json


def test_source_site_has_the_hard_cases_and_answers(wagtail_site):
    site, source = wagtail_site.site, wagtail_site.source
    tables = site.snapshot(source)
    pages = [json.loads(row) for row in tables["wagtailcore_page"]]
    assert len(pages) >= 15
    assert max(page["depth"] for page in pages) >= 5
    page_ids = {page["id"] for page in pages}
    log_pages = {json.loads(row)["page_id"] for row in tables["wagtailcore_pagelogentry"]}
    assert log_pages - page_ids, "a deleted page's log entries must remain"
    assert len(tables["wagtailimages_rendition"]) == 10
    assert len(tables["wagtailcore_workflowcontenttype"]) == 1
    assert any('"name": "Writers"' in row for row in tables["auth_group"])
    answers = site.check_site(source)
    assert answers["search results"] > 0
    assert {code for name, code in answers.items() if name != "search results"} == {200}


def test_flushed_install_renumbers_content_types(wagtail_site, tmp_path):
    from wagtail_site import diff_snapshots

    site = wagtail_site.site
    fresh = wagtail_site.new_fresh(tmp_path, "fresh")
    flushed = wagtail_site.new_flushed(tmp_path)
    ids = {}
    for name, target in (("fresh", fresh), ("flushed", flushed)):
        out = site.run(
            [
                "-c",
                "import django, json; django.setup(); "
                "from django.contrib.contenttypes.models import ContentType as C; "
                "print(json.dumps({f'{c.app_label}.{c.model}': c.pk for c in C.objects.all()}))",
            ],
            target,
        ).stdout
        ids[name] = json.loads(out)
    assert set(ids["fresh"]) == set(ids["flushed"])
    assert sum(ids["fresh"][k] != ids["flushed"][k] for k in ids["fresh"]) > 10
    # By natural key the two hold the same content types and permissions.
    expected, actual = site.snapshot(fresh), site.snapshot(flushed)
    assert expected["django_content_type"] == actual["django_content_type"]
    assert expected["auth_permission"] == actual["auth_permission"]
    assert diff_snapshots(expected, actual)  # the flush removed the migration-created rows
