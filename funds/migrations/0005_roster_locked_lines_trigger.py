"""Installs the PostgreSQL triggers that keep a locked roster unchanged
(funds/rosters/triggers.py, which post_migrate also runs after every migrate)."""

from django.db import migrations

from funds.rosters.triggers import drop_roster_triggers, install_roster_triggers


def create(apps, schema_editor):
    install_roster_triggers(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    drop_roster_triggers(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("funds", "0004_roster_runs_and_lines")]

    operations = [migrations.RunPython(create, drop)]
