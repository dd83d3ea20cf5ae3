"""失信记录, 追缴 and the 特困 termination posting: a review's finding of false information
recorded on confirmation with its recovery handed to the roster, a later application by a
member of that household showing it to the clerk until it expires, the page action for a
spot check's or a complaint's finding, and a 特困 stop posted for 7 days before it takes
effect from the daily scan. Bad input: Chinese messages at the field, nothing saved; another
township: 404."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.clocks.services import scan_deadlines
from cases.models import CaseState
from cases.workflow.services import case_transition
from funds.dynamic.dishonesty import live_records_for_case
from funds.dynamic.models import (
    DishonestyRecord,
    FindingSource,
    ReviewCase,
    ReviewOutcome,
    ReviewTrigger,
    TerminationPosting,
)
from funds.dynamic.services import (
    add_months,
    review_decide,
    review_open,
    termination_notice_pdf,
)
from funds.recipients.models import RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.services import next_month
from funds.recipients.tests.support import registered
from funds.rosters.models import LineKind, RecoveryOrder
from funds.rosters.services import roster_compute, roster_run_start
from relief.models import Region
from tests.factories import CaseFactory, HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _to_decision(demo, review):
    from cases.models import Case

    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


def _review(demo, **kwargs):
    recipient = registered(demo, **kwargs)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    return recipient, review, _to_decision(demo, review)


# --- 失信记录 and 追缴 decided in a review -------------------------------------------------


def test_a_review_finding_false_information_records_it_and_hands_the_recovery_to_the_roster(
    demo,
):
    recipient, review, case = _review(demo)
    start, end = _month(-3), _month(-2)
    review_decide(
        review=review,
        outcome=ReviewOutcome.STOP,
        reasons="隐瞒经营收入，不符合保障条件",
        dishonesty_note="申请时隐瞒家庭成员经营的小卖部收入",
        recovery_amount=Decimal("1160.00"),
        recovery_from=start,
        recovery_to=end,
    )
    assert not DishonestyRecord.objects.exists() and not RecoveryOrder.objects.exists()
    approver = demo.user("approver")
    case_transition(case=case, name="confirm", actor=approver, opinion="同意停保并追缴")
    review.refresh_from_db()
    record = DishonestyRecord.objects.get()
    assert record.review == review and record.source == FindingSource.REVIEW
    assert record.what == "申请时隐瞒家庭成员经营的小卖部收入"
    assert record.recorded_by == approver and record.reference == f"复核案件 {case.number}"
    assert record.found_on == timezone.localdate()
    # The policy's period (dishonesty_expiry_months, 36 by default) from the finding.
    assert record.expires_on == add_months(record.found_on, 36)
    members = set(recipient.household.members.values_list("id_number", flat=True))
    assert set(record.people.values_list("id_number", flat=True)) == members
    order = RecoveryOrder.objects.get()
    assert record.recovery_order == order == review.recovery_order
    assert order.amount == Decimal("1160.00") and order.decided_by == approver
    assert order.months == f"{start:%Y年%m月}至{end:%Y年%m月}"
    # The next roster of the township takes it as a 追缴 line.
    run = roster_run_start(
        township=recipient.township,
        month=_month(1),
        assistance_type=recipient.assistance_type,
        actor=demo.user("clerk"),
    )
    roster_compute(run_id=run.pk)
    order.refresh_from_db()
    line = order.roster_line
    assert line is not None and line.kind == LineKind.RECOVERY
    assert line.amount == Decimal("-1160.00")


def test_a_recovery_above_what_the_register_paid_or_without_months_is_refused_nothing_saved(
    demo,
):
    recipient, review, case = _review(demo)
    with pytest.raises(ValidationError) as err:
        review_decide(
            review=review,
            outcome=ReviewOutcome.STOP,
            reasons="不符合条件",
            recovery_amount=Decimal("5000"),
            recovery_from=_month(-2),
            recovery_to=_month(-2),
        )
    assert "追缴金额不能超过" in err.value.message_dict["recovery_amount"][0]
    assert "580.00元" in err.value.message_dict["recovery_amount"][0]
    with pytest.raises(ValidationError) as err:
        review_decide(
            review=review, outcome=ReviewOutcome.STOP, reasons="不符合条件", recovery_amount="100"
        )
    assert err.value.message_dict["recovery_from"] == ["请填写追缴所涉起始月份"]
    with pytest.raises(ValidationError) as err:
        review_decide(
            review=review,
            outcome=ReviewOutcome.STOP,
            reasons="不符合条件",
            recovery_amount="100",
            recovery_from=_month(-1),
            recovery_to=_month(1),
        )
    assert err.value.message_dict["recovery_to"] == ["截止月份不能晚于本月"]
    review.refresh_from_db()
    assert review.outcome == "" and review.recovery_amount is None


def test_the_conclusion_page_refuses_a_bad_recovery_at_the_field(client, demo):
    recipient, review, case = _review(demo)
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("dynamic:conclusion", args=[case.pk]),
        {
            "outcome": "stop",
            "reasons": "不符合条件",
            "dishonesty_note": "隐瞒收入",
            "recovery_amount": "100",
            "recovery_from": f"{_month(-1):%Y-%m}",
            "recovery_to": f"{_month(-2):%Y-%m}",
        },
    )
    assert response.status_code == 200
    assert "截止月份不能早于起始月份" in response.content.decode()
    review.refresh_from_db()
    assert review.outcome == "" and review.dishonesty_note == ""


# --- a later application shows the record -----------------------------------------------


def _recorded(demo):
    recipient, review, case = _review(demo)
    review_decide(
        review=review,
        outcome=ReviewOutcome.STOP,
        reasons="隐瞒收入",
        dishonesty_note="隐瞒务工收入",
    )
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    return recipient, DishonestyRecord.objects.get()


def _later_case(demo, id_number: str, village=None):
    household = HouseholdFactory(**({"village": village} if village is not None else {}))
    member = MemberFactory(household=household, relation="self", id_number=id_number)
    return CaseFactory(household=household, applicant=member, force_state=CaseState.ACCEPTED)


def test_a_later_application_by_a_member_shows_the_record_to_the_clerk_not_the_assistant(
    client, demo
):
    recipient, record = _recorded(demo)
    spouse = recipient.household.members.exclude(pk=recipient.case.applicant_id).first()
    later = _later_case(demo, spouse.id_number)
    assert live_records_for_case(case=later) == [record]
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[later.pk])).content.decode()
    assert 'data-testid="dishonesty-panel"' in page
    assert "隐瞒务工收入" in page and spouse.name in page
    client.force_login(demo.user("assistant"))
    page = client.get(reverse("cases:detail", args=[later.pk])).content.decode()
    assert 'data-testid="dishonesty-panel"' not in page
    # Someone else's application shows nothing.
    other = _later_case(demo, MemberFactory.build().id_number)
    assert live_records_for_case(case=other) == []


def test_the_record_expires_after_the_policy_period_and_stays_in_its_county(demo):
    recipient, record = _recorded(demo)
    head = recipient.case.applicant
    later = _later_case(demo, head.id_number)
    assert live_records_for_case(case=later, today=record.expires_on) == [record]
    assert live_records_for_case(case=later, today=record.expires_on + datetime.timedelta(1)) == []
    elsewhere = Region.objects.filter(level=Region.Level.VILLAGE).exclude(
        parent__parent=recipient.township.parent
    )
    if elsewhere.exists():
        far = _later_case(demo, head.id_number, village=elsewhere.first())
        assert live_records_for_case(case=far) == []


# --- spot checks and complaints: the page action ------------------------------------------


def test_the_approver_records_a_spot_check_finding_with_a_recovery(client, demo):
    recipient = registered(demo)
    url = reverse("dynamic:dishonesty", args=[recipient.pk])
    client.force_login(demo.user("approver"))
    data = {
        "source": "spot_check",
        "reference": "2026年度入户抽查 第12户",
        "what": "隐瞒车辆一台",
        "found_on": timezone.localdate().isoformat(),
        "recovery_amount": "580.00",
        "recovery_from": f"{_month(-1):%Y-%m}",
        "recovery_to": f"{_month(-1):%Y-%m}",
    }
    response = client.post(url, data, follow=True)
    text = response.content.decode()
    assert "已记录失信情况" in text and "追缴580.00元已交下一期花名册" in text
    record = DishonestyRecord.objects.get()
    assert record.source == FindingSource.SPOT_CHECK and record.review is None
    assert record.recovery_order.amount == Decimal("580.00")
    assert record.recovery_order.months == f"{_month(-1):%Y年%m月}"
    assert "隐瞒车辆一台" in text and "2026年度入户抽查 第12户" in text
    timeline = client.get(reverse("dynamic:timeline", args=[recipient.pk])).content.decode()
    assert "失信记录（入户抽查查实）" in timeline and "隐瞒车辆一台" in timeline


def test_bad_input_on_the_page_action_is_refused_in_chinese_and_nothing_is_saved(client, demo):
    recipient = registered(demo)
    url = reverse("dynamic:dishonesty", args=[recipient.pk])
    client.force_login(demo.user("approver"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "source": "complaint",
            "reference": "JB2026-0031",
            "what": "隐瞒收入",
            "found_on": tomorrow.isoformat(),
            "recovery_amount": "99999",
            "recovery_from": f"{_month(-1):%Y-%m}",
            "recovery_to": f"{_month(-1):%Y-%m}",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "认定日期不能晚于今天" in text and "追缴金额不能超过" in text
    empty = client.post(url, {"source": "", "reference": "", "what": "", "found_on": ""})
    assert "请选择发现途径" in empty.content.decode()
    assert "请写明查实的虚假信息" in empty.content.decode()
    assert not DishonestyRecord.objects.exists() and not RecoveryOrder.objects.exists()


def test_the_page_action_is_404_in_another_township_and_403_for_a_clerk(client, demo):
    recipient = registered(demo)
    url = reverse("dynamic:dishonesty", args=[recipient.pk])
    data = {"source": "complaint", "reference": "JB1", "what": "虚假", "found_on": "2026-01-05"}
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    client.force_login(demo.user("clerk"))
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    assert not DishonestyRecord.objects.exists()


# --- 特困: the termination is posted for 7 days before it takes effect -------------------


def test_a_tekun_stop_is_posted_for_seven_days_then_the_scan_writes_the_stop(client, demo):
    recipient, review, case = _review(demo, type_code="tekun_dispersed")
    review_decide(review=review, outcome=ReviewOutcome.STOP, reasons="已有法定赡养人履行义务")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意终止")
    review.refresh_from_db()
    posting = TerminationPosting.objects.get(review=review)
    today = timezone.localdate()
    assert (posting.starts_on, posting.days) == (today, 7)
    assert posting.ends_on == today + datetime.timedelta(days=6)
    assert review.applied_at is not None and review.effective_month is None
    # Still paid during the posting: no stop written yet.
    assert state_for_month(recipient=recipient, month=_month(1)).status == RecipientStatus.ACTIVE
    client.force_login(demo.user("approver"))
    page = client.get(reverse("dynamic:conclusion", args=[case.pk])).content.decode()
    assert 'data-testid="termination-posting"' in page and "期满后自动停保" in page
    assert posting.ends_on.isoformat() in page

    scan_deadlines(today=posting.ends_on)  # the last day: still posted
    posting.refresh_from_db()
    assert posting.ended_at is None
    scan_deadlines(today=posting.ends_on + datetime.timedelta(days=1))
    posting.refresh_from_db()
    review.refresh_from_db()
    stop_month = next_month(posting.ends_on)
    assert posting.ended_at is not None and posting.effective_month == stop_month
    assert review.effective_month == stop_month
    assert state_for_month(recipient=recipient, month=stop_month).status == RecipientStatus.STOPPED
    before = add_months(stop_month, -1)
    assert state_for_month(recipient=recipient, month=before).status == RecipientStatus.ACTIVE
    changes = recipient.changes.count()
    scan_deadlines(today=posting.ends_on + datetime.timedelta(days=2))  # safe twice
    assert recipient.changes.count() == changes
    page = client.get(reverse("dynamic:conclusion", args=[case.pk])).content.decode()
    assert "公示已期满" in page and f"自 {stop_month.year}年{stop_month.month}月 起停保" in page
    timeline = client.get(reverse("dynamic:timeline", args=[recipient.pk])).content.decode()
    assert "特困终止公示" in timeline and f"自{stop_month:%Y年%m月}起停保" in timeline
    notice = client.get(reverse("dynamic:notice", args=[case.pk]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(termination_notice_pdf(review=review))).pages
    ).replace("\n", "")
    end = posting.ends_on
    assert "公示7日" in text and f"至{end.year}年{end.month}月{end.day}日" in text
    assert f"自{stop_month.year}年{stop_month.month}月起停止发放" in text


def test_a_dibao_stop_takes_effect_without_a_posting(demo):
    recipient, review, case = _review(demo)
    review_decide(review=review, outcome=ReviewOutcome.STOP, reasons="收入超过标准")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert not TerminationPosting.objects.exists()
    assert state_for_month(recipient=recipient, month=_month(1)).status == RecipientStatus.STOPPED
    assert ReviewCase.objects.get(pk=review.pk).effective_month == _month(1)


@pytest.mark.django_db
def test_the_review_rows_recipient_is_indexed_by_the_composite_only():
    """Issue 14: reviewcase_recipient (recipient, applied_at) serves the lookups on the
    recipient alone; there is no second single-column index to fill per review inserted."""
    from django.db import connection

    from funds.dynamic.models import ReviewCase

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ReviewCase._meta.db_table)
    by_columns = {
        tuple(c["columns"]): n
        for n, c in constraints.items()
        if c["index"] and not c["primary_key"]
    }
    assert ("recipient_id", "applied_at") in by_columns
    assert ("recipient_id",) not in by_columns
    assert [
        n for n, c in constraints.items() if c["foreign_key"] and c["columns"] == ["recipient_id"]
    ]
