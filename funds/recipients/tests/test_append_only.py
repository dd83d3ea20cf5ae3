import pytest
from django.db import DatabaseError, connection, transaction

from funds.recipients.models import RecipientChange
from funds.recipients.tests.support import registered
from funds.recipients.triggers import install_append_only_triggers


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_change_log_refuses_update_and_delete_on_postgresql(demo):
    assert set(install_append_only_triggers(using=connection.alias)) == {"funds_recipientchange"}
    recipient = registered(demo)
    change = recipient.changes.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        RecipientChange.objects.filter(pk=change.pk).update(reason="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        RecipientChange.objects.filter(pk=change.pk).delete()
    change.refresh_from_db()
    assert change.reason.startswith("2026年03月17日审核确认")
