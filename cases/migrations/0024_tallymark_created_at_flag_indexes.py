"""The case's registration time on its summary mark (filled from the cases in one
statement), and the marks' partial indexes by which a list filtered on 超期 / 临期 reads its
page's ids newest first (cases.workflow.filters.flagged_window)."""

from django.db import migrations, models


def fill_created_at(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE cases_tallymark m SET created_at = c.created_at "
            "FROM cases_case c WHERE c.id = m.case_id"
        )
    else:
        schema_editor.execute(
            "UPDATE cases_tallymark SET created_at = (SELECT c.created_at FROM cases_case c "
            "WHERE c.id = cases_tallymark.case_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_case_flag_partial_indexes_decided_on_diet"),
    ]

    operations = [
        migrations.AddField(
            model_name="tallymark",
            name="created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill_created_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tallymark",
            name="created_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="tallymark",
            index=models.Index(
                models.F("township_id"),
                models.F("state"),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("case_id"), descending=True),
                condition=models.Q(("overdue", True)),
                name="mark_overdue_township",
            ),
        ),
        migrations.AddIndex(
            model_name="tallymark",
            index=models.Index(
                models.F("village_id"),
                models.F("state"),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("case_id"), descending=True),
                condition=models.Q(("overdue", True)),
                name="mark_overdue_village",
            ),
        ),
        migrations.AddIndex(
            model_name="tallymark",
            index=models.Index(
                models.F("township_id"),
                models.F("state"),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("case_id"), descending=True),
                condition=models.Q(("due_soon", True), ("overdue", False)),
                name="mark_soon_township",
            ),
        ),
        migrations.AddIndex(
            model_name="tallymark",
            index=models.Index(
                models.F("village_id"),
                models.F("state"),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("case_id"), descending=True),
                condition=models.Q(("due_soon", True), ("overdue", False)),
                name="mark_soon_village",
            ),
        ),
    ]
