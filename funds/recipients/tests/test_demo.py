import pytest

from cases.bulk import bulk_create_households
from cases.models import Case, CaseState, Household
from funds.recipients.accounts import luhn_valid
from funds.recipients.demo import seed_recipients
from funds.recipients.models import Bank, Recipient
from funds.recipients.tests.support import paying_case

pytestmark = pytest.mark.django_db


def test_the_demo_registers_its_paying_cases_with_accounts(demo):
    bulk_create_households(150, seed=7)
    case, _ = paying_case(demo)  # in 姑孰镇, whose clerk enters the account
    Household.objects.filter(pk=case.household_id).update(
        bank_name="当涂农商银行", bank_account="6228 1318 3664 5030 200"
    )
    paying = Case.objects.filter(state=CaseState.PAYING).exclude(
        assistance_type__category="temporary"
    )
    created = seed_recipients()
    assert (
        created == Recipient.objects.count() == paying.filter(monthly_amount__isnull=False).count()
    )
    assert created > 1
    recipient = Recipient.objects.get(case=case)
    assert recipient.bank_account.bank == Bank.RCB
    assert recipient.bank_account.account_number.startswith("622813183664503020")
    assert luhn_valid(recipient.bank_account.account_number)
    for r in Recipient.objects.select_related("case"):
        assert r.first_month.day == 1
        assert r.first_month > r.case.decided_on
    assert seed_recipients() == 0
