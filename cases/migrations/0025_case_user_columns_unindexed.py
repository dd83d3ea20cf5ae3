# Issue 14 (the yearly campaign's 100,000 review cases): created_by and accepted_by lose their
# single-column indexes. No query filters cases on either (the guards read them off the case
# in hand) and users are deactivated, never deleted, so nothing looks cases up by user; each
# index was one more entry on every case inserted. Only the index goes: the state's
# AlterField would drop and re-add (re-validate) the foreign keys on the whole table.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = {
    "cases_case_created_by_id_91d115ec": "created_by_id",
    "cases_case_accepted_by_id_ab15c7e1": "accepted_by_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_tallymark_created_at_flag_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="accepted_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="受理人",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="created_by",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
