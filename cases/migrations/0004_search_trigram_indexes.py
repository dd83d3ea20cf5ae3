"""Indexes of the case list search (cases.workflow.filters.case_ids_matching), PostgreSQL
only: pg_trgm GIN indexes serve ``LIKE '%term%'`` on case numbers, member names and ID
numbers; pattern btree indexes serve ``LIKE 'term%'`` for terms too short for trigrams.
SQLite keeps a plain scan. bench/bench_pages.py calls ``add_search_indexes`` on the schema
it builds from the models."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

SEARCH_INDEXES = [
    ("case", GinIndex(fields=["number"], name="case_number_trgm", opclasses=["gin_trgm_ops"])),
    ("member", GinIndex(fields=["name"], name="member_name_trgm", opclasses=["gin_trgm_ops"])),
    (
        "member",
        GinIndex(fields=["id_number"], name="member_id_number_trgm", opclasses=["gin_trgm_ops"]),
    ),
    (
        "case",
        models.Index(
            fields=["number"], name="case_number_prefix", opclasses=["varchar_pattern_ops"]
        ),
    ),
    (
        "member",
        models.Index(fields=["name"], name="member_name_prefix", opclasses=["varchar_pattern_ops"]),
    ),
    (
        "member",
        models.Index(
            fields=["id_number"], name="member_id_number_prefix", opclasses=["varchar_pattern_ops"]
        ),
    ),
]


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in SEARCH_INDEXES:
        schema_editor.add_index(apps.get_model("cases", model_name), index)


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in SEARCH_INDEXES:
        schema_editor.remove_index(apps.get_model("cases", model_name), index)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_list_newest_first_indexes")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_search_indexes, remove_search_indexes),
    ]
