import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import CaseEvent, CaseState
from relief.logverify import verify_model
from relief.models import Notification
from review.models import AmountChange, Filing
from review.services import correction_change_amount, correction_revoke
from tests.tampering import tampering


def test_revoking_moves_the_case_to_revoked_files_it_logs_it_and_notifies_the_township(
    demo, confirmed_case, django_capture_on_commit_callbacks
):
    case = confirmed_case(monthly_amount=Decimal("500"))
    with django_capture_on_commit_callbacks(execute=True):
        event = correction_revoke(
            case=case,
            actor=demo.user("supervisor"),
            reasons="隐瞒经营性收入",
            legal_basis="《最低生活保障审核确认办法》第三十五条",
        )
    case.refresh_from_db()
    assert case.state == CaseState.REVOKED
    assert event.transition == "county_revoke"
    assert "法律依据：《最低生活保障审核确认办法》第三十五条" in event.opinion
    assert event.data["reasons"] == "隐瞒经营性收入"
    assert Filing.objects.get(case=case).kind == Filing.Kind.REVOCATION
    assert set(
        Notification.objects.filter(dedupe_key=f"review-revoke-{event.pk}").values_list(
            "recipient__username", flat=True
        )
    ) == {"clerk", "approver"}


def test_revocation_needs_reasons_and_legal_basis(demo, confirmed_case):
    case = confirmed_case()
    with pytest.raises(ValidationError) as exc:
        correction_revoke(case=case, actor=demo.user("supervisor"), reasons="理由", legal_basis=" ")
    assert "legal_basis" in exc.value.message_dict
    case.refresh_from_db()
    assert case.state == CaseState.PAYING


def test_changing_the_amount_records_it_updates_the_case_and_writes_the_log_together(
    demo, confirmed_case, django_capture_on_commit_callbacks
):
    case = confirmed_case(monthly_amount=Decimal("500.00"))
    with django_capture_on_commit_callbacks(execute=True):
        change = correction_change_amount(
            case=case,
            actor=demo.user("supervisor"),
            new_amount="420.50",
            effective_from=datetime.date(2026, 11, 1),
            reasons="收入核算有误",
            legal_basis="《最低生活保障审核确认办法》第二十三条",
        )
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("420.50")
    assert case.state == CaseState.PAYING
    assert (change.old_amount, change.new_amount) == (Decimal("500.00"), Decimal("420.50"))
    event = CaseEvent.objects.get(case=case, transition="county_amount_change")
    assert change.event == event
    assert event.data["new_amount"] == "420.50" and event.data["effective_from"] == "2026-11-01"
    assert Notification.objects.filter(dedupe_key=f"review-amount-{event.pk}").count() == 2


@pytest.mark.parametrize("amount", ["-1", "abc", "1.234"])
def test_a_bad_amount_is_refused_and_nothing_is_saved(demo, confirmed_case, amount):
    case = confirmed_case(monthly_amount=Decimal("500.00"))
    with pytest.raises(ValidationError) as exc:
        correction_change_amount(
            case=case,
            actor=demo.user("supervisor"),
            new_amount=amount,
            effective_from=datetime.date(2026, 11, 1),
            reasons="r",
            legal_basis="b",
        )
    assert "new_amount" in exc.value.message_dict
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("500.00")
    assert not AmountChange.objects.exists()
    assert not CaseEvent.objects.filter(transition="county_amount_change").exists()


def test_the_amount_of_an_undecided_case_cannot_be_corrected(demo, confirmed_case):
    case = confirmed_case(state=CaseState.REVIEW)
    with pytest.raises(ValidationError):
        correction_change_amount(
            case=case,
            actor=demo.user("supervisor"),
            new_amount="100",
            effective_from=datetime.date(2026, 11, 1),
            reasons="r",
            legal_basis="b",
        )


def test_a_township_approver_cannot_correct(demo, confirmed_case):
    with pytest.raises(PermissionDenied):
        correction_change_amount(
            case=confirmed_case(),
            actor=demo.user("approver"),
            new_amount="100",
            effective_from=datetime.date(2026, 11, 1),
            reasons="r",
            legal_basis="b",
        )


def test_amount_changes_are_hash_chained_per_case_and_an_edit_is_found(demo, confirmed_case):
    case = confirmed_case(monthly_amount=Decimal("500"))
    changes = [
        correction_change_amount(
            case=case,
            actor=demo.user("supervisor"),
            new_amount=amount,
            effective_from=datetime.date(2026, 11, day),
            reasons="收入核算有误",
            legal_basis="《最低生活保障审核确认办法》第二十三条",
        )
        for day, amount in ((1, "420.5"), (2, "400"))
    ]
    assert changes[0].prev_hash == "" and changes[1].prev_hash == changes[0].hash
    assert verify_model(AmountChange).breaks == []  # Decimal("420.5") is read back as 420.50
    with tampering("review_amountchange"):
        AmountChange.objects.filter(pk=changes[0].pk).update(new_amount=Decimal("4200.50"))
    (bad,) = verify_model(AmountChange).breaks
    assert (bad.pk, bad.chain) == (changes[0].pk, case.pk)
