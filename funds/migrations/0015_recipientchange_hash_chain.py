# The register's change log is hash-chained per recipient (relief/logchain.py, issue 16).
# The rows written before are sealed here, in recipient and id order, by the table's owner
# (migrations run as the owner role; the application role may not UPDATE this table nor
# switch its append-only trigger off). The sealed fields are frozen in this file.

from django.db import migrations, models

CHAIN_FIELDS = (
    "recipient",
    "kind",
    "effective_month",
    "status",
    "monthly_amount",
    "covered_member_ids",
    "reason",
    "source_label",
    "previous_status",
    "previous_amount",
    "adjustment_run",
    "actor",
    "actor_role",
    "actor_name",
    "created_at",
)


def seal_existing(apps, schema_editor):
    from relief.logchain import seal_unsealed

    seal_unsealed(
        apps.get_model("funds", "RecipientChange"),
        chain_on="recipient",
        chain_fields=CHAIN_FIELDS,
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0014_dishonesty_recovery_termination_posting"),
    ]

    operations = [
        migrations.AddField(
            model_name="recipientchange",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="哈希"),
        ),
        migrations.AddField(
            model_name="recipientchange",
            name="prev_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="前一条哈希"
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
