"""Load the assistance types of DOMAIN §3 and seed 002 as data."""

from django.db import migrations

from relief.assistance_types import TYPES, ensure_assistance_types


def forwards(apps, schema_editor):
    ensure_assistance_types(apps.get_model("relief", "AssistanceType"))


def backwards(apps, schema_editor):
    apps.get_model("relief", "AssistanceType").objects.filter(code__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("relief", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
