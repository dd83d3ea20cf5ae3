# Issue 14 (the yearly campaign's 100,000 review rows): ReviewCase.recipient loses its
# single-column index, which reviewcase_recipient (recipient, applied_at) leads with and so
# serves every lookup and foreign-key check on the recipient alone. Only the index goes: the
# state's AlterField would drop and re-add (re-validate) the foreign key.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0017_rosterevent_hash_chain_discarded_runs_kept"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reviewcase",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="funds.recipient",
                        verbose_name="在册对象",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "funds_reviewcase_recipient_id_0a94843c"',
                    'CREATE INDEX IF NOT EXISTS "funds_reviewcase_recipient_id_0a94843c" '
                    'ON "funds_reviewcase" ("recipient_id")',
                ),
            ],
        ),
    ]
