from decimal import Decimal

import pytest
from django.db import transaction

from cases.models import CaseState
from cases.workflow.services import case_transition
from review.models import Filing
from tests.factories import CaseFactory, MemberFactory


def test_confirming_a_case_files_exactly_one_decision_with_its_key_figures(demo):
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("560.00"))
    MemberFactory(household=case.household, relation="spouse")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="符合条件")
    filing = Filing.objects.get(case=case)
    assert filing.kind == Filing.Kind.CONFIRMATION
    assert filing.status == Filing.Status.NEW
    assert filing.township == demo.gushu
    assert filing.household_size == 2
    assert filing.monthly_amount == Decimal("560.00")
    assert filing.route == "township"
    assert filing.snapshot["type_code"] == "dibao_rural"
    assert filing.event.transition == "confirm"


@pytest.mark.django_db(transaction=True)
def test_the_filing_rolls_back_with_the_transition(demo):
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
            assert Filing.objects.filter(case=case).count() == 1
            raise RuntimeError("boom")
    assert not Filing.objects.filter(case=case).exists()


def test_refusal_and_termination_are_filed_but_intermediate_steps_are_not(demo):
    refused = CaseFactory(force_state=CaseState.REVIEW)
    case_transition(case=refused, name="refuse", actor=demo.user("approver"), opinion="收入超标")
    terminated = CaseFactory(force_state=CaseState.CHECKING)
    case_transition(case=terminated, name="terminate", actor=demo.user("clerk"), opinion="拒不配合")
    other = CaseFactory(force_state=CaseState.REVIEW)
    case_transition(
        case=other, name="return_for_investigation", actor=demo.user("approver"), opinion="补充"
    )
    assert Filing.objects.get(case=refused).kind == Filing.Kind.REFUSAL
    assert Filing.objects.get(case=terminated).kind == Filing.Kind.TERMINATION
    assert not Filing.objects.filter(case=other).exists()
