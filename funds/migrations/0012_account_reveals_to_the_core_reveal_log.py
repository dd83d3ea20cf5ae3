"""The account reveal log moves to the core's one reveal log (relief.DataReveal, issue 16):
every AccountReveal row becomes a DataReveal row of kind bank_account (same user, time,
address and purpose; the account as subject, its holder as the person), then the old table
goes. Reversed, the rows are copied back; the DataReveal rows stay (that log is append-only)."""

from django.db import migrations


def forward(apps, schema_editor):
    AccountReveal = apps.get_model("funds", "AccountReveal")
    DataReveal = apps.get_model("relief", "DataReveal")
    ContentType = apps.get_model("contenttypes", "ContentType")
    account_type, _ = ContentType.objects.get_or_create(app_label="funds", model="bankaccount")
    for old in AccountReveal.objects.select_related("account", "account__household").order_by(
        "at", "pk"
    ):
        DataReveal.objects.create(
            user_id=old.user_id,
            at=old.at,
            kind="bank_account",
            subject_type=account_type,
            subject_id=old.account_id,
            subject_name=old.account.holder_name[:60],
            township_id=old.account.household.township_id,
            client_address=old.client_address,
            purpose=old.purpose,
        )


def backward(apps, schema_editor):
    AccountReveal = apps.get_model("funds", "AccountReveal")
    DataReveal = apps.get_model("relief", "DataReveal")
    for row in DataReveal.objects.filter(
        kind="bank_account", subject_type__app_label="funds", subject_type__model="bankaccount"
    ).order_by("at", "pk"):
        AccountReveal.objects.create(
            account_id=row.subject_id,
            user_id=row.user_id,
            at=row.at,
            client_address=row.client_address,
            purpose=row.purpose or "（迁移）",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("relief", "0005_datareveal"),
        ("funds", "0011_standing_list"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="AccountReveal"),
    ]
