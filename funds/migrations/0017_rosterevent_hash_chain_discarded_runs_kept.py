# The roster log is hash-chained per run (relief/logchain.py, issue 16: "roster lock" is
# among the tamper-evident logs) and becomes append-only (relief/dbroles.py covers every
# chained log). A discarded run (作废) is therefore kept, in the new state 已作废, rather
# than deleted with its events: the key from an event to its run PROTECTs, and the one
# regular run per township, month and type ignores discarded runs. The rows written before
# are sealed here, in run and id order, by the table's owner (migrations run as the owner
# role). The sealed fields are frozen in this file.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CHAIN_FIELDS = ("run", "action", "label", "actor", "actor_name", "actor_role", "at")


def seal_existing(apps, schema_editor):
    from relief.logchain import seal_unsealed

    seal_unsealed(
        apps.get_model("funds", "RosterEvent"),
        chain_on="run",
        chain_fields=CHAIN_FIELDS,
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0016_termination_posting_objections"),
        ("relief", "0006_department_officer_role"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="rosterrun",
            name="roster_one_regular_run_per_month",
        ),
        migrations.AddField(
            model_name="rosterevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="哈希"),
        ),
        migrations.AddField(
            model_name="rosterevent",
            name="prev_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="前一条哈希"
            ),
        ),
        migrations.AlterField(
            model_name="rosterevent",
            name="run",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="funds.rosterrun",
            ),
        ),
        migrations.AlterField(
            model_name="rosterrun",
            name="state",
            field=models.CharField(
                choices=[
                    ("preparing", "生成中"),
                    ("failed", "生成失败"),
                    ("prepared", "待复核"),
                    ("checked", "已复核"),
                    ("locked", "已锁定"),
                    ("discarded", "已作废"),
                ],
                default="preparing",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.AddConstraint(
            model_name="rosterrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("kind", "regular"), models.Q(("state", "discarded"), _negated=True)
                ),
                fields=("township", "month", "assistance_type"),
                name="roster_one_regular_run_per_month",
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
    ]
