import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from relief.models import Notification
from relief.workdays import add_workdays
from review.models import RectificationOrder, RectificationResponse
from review.services import (
    rectification_issue,
    rectification_mark_overdue,
    rectification_respond,
    rectification_review,
)
from review.tasks import mark_rectifications_overdue
from tests.uploads import pdf_bytes


@pytest.fixture
def order(demo, confirmed_case, django_capture_on_commit_callbacks):
    case = confirmed_case()
    with django_capture_on_commit_callbacks(execute=True):
        return rectification_issue(
            actor=demo.user("supervisor"),
            township=demo.gushu,
            problem_kind="income",
            description="收入核算不实，请重新核对",
            case=case,
        )


def test_an_order_is_due_in_the_policy_number_of_working_days_and_notifies_the_township(
    demo, order
):
    assert order.status == RectificationOrder.Status.ISSUED
    assert order.due_date == add_workdays(timezone.localdate(), 10)
    recipients = set(
        Notification.objects.filter(dedupe_key=f"review-rect-{order.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"clerk", "approver"}


def test_rectification_life_cycle_respond_send_back_respond_accept(demo, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    clerk, supervisor = demo.user("clerk"), demo.user("supervisor")
    pdf = SimpleUploadedFile("evidence.pdf", pdf_bytes(), content_type="application/pdf")
    rectification_respond(order=order, actor=clerk, body="已重新核对收入并调整金额", evidence=pdf)
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RESPONDED
    with pytest.raises(ValidationError) as exc:
        rectification_review(order=order, actor=supervisor, accept=False, comment="")
    assert "退回时请写明理由" in exc.value.message_dict["comment"]
    rectification_review(
        order=order, actor=supervisor, accept=False, comment="缺少调整后的审批表", due_workdays=5
    )
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.RETURNED
    assert order.responses.get().decision == RectificationResponse.Decision.RETURNED
    rectification_respond(order=order, actor=clerk, body="已补充审批表")
    rectification_review(order=order, actor=supervisor, accept=True, comment="整改到位")
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ACCEPTED and order.closed_by == supervisor
    assert list(order.responses.values_list("decision", flat=True)) == ["returned", "accepted"]
    with pytest.raises(ValidationError):
        rectification_respond(order=order, actor=clerk, body="再次反馈")


def test_evidence_that_is_not_an_image_or_pdf_is_refused(demo, order):
    exe = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        rectification_respond(order=order, actor=demo.user("clerk"), body="已整改", evidence=exe)
    assert "evidence" in exc.value.message_dict
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ISSUED and not order.responses.exists()


def test_another_township_cannot_respond(demo, order):
    with pytest.raises(PermissionDenied):
        rectification_respond(order=order, actor=demo.user("clerk_huangchi"), body="x")


def test_overdue_orders_are_flagged_set_based_and_only_while_the_township_owes_an_answer(
    demo, order
):
    answered = rectification_issue(
        actor=demo.user("supervisor"),
        township=demo.gushu,
        problem_kind="procedure",
        description="程序不规范",
    )
    rectification_respond(order=answered, actor=demo.user("clerk"), body="已整改")
    later = order.due_date + datetime.timedelta(days=1)
    assert rectification_mark_overdue(today=order.due_date) == 0
    assert rectification_mark_overdue(today=later) == 1
    assert rectification_mark_overdue(today=later) == 0  # idempotent
    order.refresh_from_db()
    answered.refresh_from_db()
    assert order.overdue and not answered.overdue
    overdue_notes = Notification.objects.filter(dedupe_key=f"review-rect-overdue-{order.pk}")
    assert set(overdue_notes.values_list("recipient__username", flat=True)) == {"clerk", "approver"}


def test_the_celery_task_marks_overdue_orders(demo, order):
    later = order.due_date + datetime.timedelta(days=1)
    assert mark_rectifications_overdue.delay(later.isoformat()).get() == 1


def test_the_management_command_flags_overdue_orders(demo, order, capsys):
    RectificationOrder.objects.filter(pk=order.pk).update(due_date=datetime.date(2026, 1, 5))
    call_command("rectification_overdue")
    assert "1 rectification order(s)" in capsys.readouterr().out
    order.refresh_from_db()
    assert order.overdue
