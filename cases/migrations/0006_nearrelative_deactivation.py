import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_merge_hash_chain_and_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="nearrelative",
            name="deactivated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.AddField(
            model_name="nearrelative",
            name="deactivated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="撤销人",
            ),
        ),
        migrations.AddField(
            model_name="nearrelative",
            name="deactivation_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="撤销理由"),
        ),
    ]
