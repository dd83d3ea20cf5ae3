import pytest
from django.urls import reverse

from funds.recipients.models import Bank
from funds.recipients.services import bank_account_set
from funds.recipients.tests.support import luhn_complete, registered

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_logs_read_only_and_accounts_masked(client, demo):
    recipient = registered(demo)
    card = luhn_complete("621700123456789")
    account = bank_account_set(
        household=recipient.household,
        actor=demo.user("clerk"),
        holder_name=recipient.head_name,
        holder_member=recipient.case.applicant,
        bank=Bank.ABC,
        account_number=card,
    )
    client.force_login(demo.user("admin"))
    change = recipient.changes.first()
    page = client.get(reverse("admin:funds_recipientchange_change", args=[change.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:funds_recipientchange_add")).status_code == 403
    listing = client.get(reverse("admin:funds_bankaccount_changelist")).content.decode()
    assert account.masked() in listing and card not in listing
    detail = client.get(reverse("admin:funds_bankaccount_change", args=[account.pk]))
    assert card not in detail.content.decode()
    head = client.get(reverse("admin:funds_recipient_change", args=[recipient.pk]))
    assert head.status_code == 200
    assert recipient.head_id_number not in head.content.decode()
    assert recipient.head_id_number[-4:] in head.content.decode()
