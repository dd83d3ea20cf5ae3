"""The funeral-subsidy reminder of a single-person household's death exit: where the
county's policy lists a funeral subsidy (``funeral_subsidy_reminder``, off by default), the
township's clerks are told and the review's pages show it; otherwise nothing is said."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent
from funds.dynamic.models import ReviewCase, ReviewOutcome, ReviewTrigger
from funds.dynamic.services import FUNERAL_REMINDER_EVENT, review_schedule_refresh
from funds.recipients.selectors import funeral_reminder_of_recipient
from funds.recipients.tests.support import registered
from relief.models import Notification, Role, User
from relief.policy import KEY_BY_NAME, policy_set

pytestmark = pytest.mark.django_db

NOTE = "丧葬补助标准为2000元，请亲属持死亡证明到乡镇民政办申领"


def _recipient(demo, members: int):
    recipient = registered(demo, members=members)
    review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    return recipient


def _county_lists_a_funeral_subsidy(demo) -> None:
    start = datetime.date(2020, 1, 1)
    policy_set(
        region=demo.county,
        key="funeral_subsidy_reminder",
        raw_value=True,
        effective_from=start,
        actor=None,
    )
    policy_set(
        region=demo.county,
        key="funeral_subsidy_note",
        raw_value=NOTE,
        effective_from=start,
        actor=None,
    )


def _report_death(client, demo, recipient, member, capture):
    client.force_login(demo.user("assistant"))
    died = timezone.localdate() - datetime.timedelta(days=3)
    with capture(execute=True):
        page = client.post(
            reverse("dynamic:open", args=[recipient.pk]),
            {"trigger": ReviewTrigger.DEATH, "died_on": died.isoformat(), "member": member.pk},
            follow=True,
        )
    assert page.status_code == 200
    return page.content.decode()


def _clerk_messages(demo):
    clerks = User.objects.filter(region=demo.gushu, role=Role.TOWNSHIP_CLERK, is_active=True)
    assert clerks.exists()
    return Notification.objects.filter(recipient__in=clerks, verb__contains="丧葬补助")


def test_the_reminder_is_off_by_default_and_a_text_setting_with_a_default():
    assert KEY_BY_NAME["funeral_subsidy_reminder"].default is False
    note = KEY_BY_NAME["funeral_subsidy_note"]
    assert note.kind == "text" and note.default and note.group == "动态管理"


def test_with_the_policy_on_the_single_persons_death_reminds_the_clerks_and_the_pages(
    client, demo, django_capture_on_commit_callbacks
):
    _county_lists_a_funeral_subsidy(demo)
    recipient = _recipient(demo, members=1)
    (only,) = recipient.household.members.all()
    shown = _report_death(client, demo, recipient, only, django_capture_on_commit_callbacks)
    review = ReviewCase.objects.get(recipient=recipient)
    assert review.outcome == ReviewOutcome.STOP and review.applied_at is not None
    assert "唯一保障成员" in shown and NOTE in shown  # the flash after the report
    event = CaseEvent.objects.get(case=review.case, transition=FUNERAL_REMINDER_EVENT)
    assert event.label == "丧葬补助提醒" and NOTE in event.opinion and only.name in event.opinion
    assert event.actor.username.startswith("system-")  # signed by the system
    assert event.actor_role == Role.TOWNSHIP_CLERK
    sent = list(_clerk_messages(demo))
    assert sent and all(NOTE in n.verb and n.url == f"/cases/{review.case_id}/" for n in sent)
    client.force_login(demo.user("clerk"))
    conclusion = client.get(reverse("dynamic:conclusion", args=[review.case_id])).content.decode()
    assert 'data-testid="funeral-reminder"' in conclusion and NOTE in conclusion
    case_page = client.get(reverse("cases:detail", args=[review.case_id])).content.decode()
    assert "丧葬补助提醒" in case_page and NOTE in case_page
    detail = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert 'data-testid="funeral-reminder"' in detail and NOTE in detail
    assert f'href="/cases/{review.case_id}/"' in detail  # the review case that issued it


def test_the_recipient_page_reads_the_reminder_in_one_query(
    client, demo, django_capture_on_commit_callbacks, django_assert_num_queries
):
    _county_lists_a_funeral_subsidy(demo)
    recipient = _recipient(demo, members=1)
    other = _recipient(demo, members=1)  # another single-person household, still supported
    (only,) = recipient.household.members.all()
    _report_death(client, demo, recipient, only, django_capture_on_commit_callbacks)
    with django_assert_num_queries(1):
        event = funeral_reminder_of_recipient(recipient=recipient)
    assert event is not None and NOTE in event.opinion
    with django_assert_num_queries(1):
        assert funeral_reminder_of_recipient(recipient=other) is None
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("recipients:detail", args=[other.pk])).content.decode()
    assert 'data-testid="funeral-reminder"' not in page and "丧葬补助" not in page


def test_with_the_policy_off_the_closure_says_nothing_of_a_funeral_subsidy(
    client, demo, django_capture_on_commit_callbacks
):
    recipient = _recipient(demo, members=1)
    (only,) = recipient.household.members.all()
    shown = _report_death(client, demo, recipient, only, django_capture_on_commit_callbacks)
    review = ReviewCase.objects.get(recipient=recipient)
    assert review.outcome == ReviewOutcome.STOP and "唯一保障成员" in shown
    assert "丧葬补助" not in shown
    assert not CaseEvent.objects.filter(transition=FUNERAL_REMINDER_EVENT).exists()
    assert not _clerk_messages(demo).exists()
    client.force_login(demo.user("clerk"))
    conclusion = client.get(reverse("dynamic:conclusion", args=[review.case_id])).content.decode()
    assert 'data-testid="funeral-reminder"' not in conclusion
    detail = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert 'data-testid="funeral-reminder"' not in detail and "丧葬补助" not in detail


def test_a_death_in_a_larger_household_gives_no_reminder_even_with_the_policy_on(
    client, demo, django_capture_on_commit_callbacks
):
    _county_lists_a_funeral_subsidy(demo)
    recipient = _recipient(demo, members=2)
    spouse = recipient.household.members.exclude(pk=recipient.case.applicant_id).first()
    _report_death(client, demo, recipient, spouse, django_capture_on_commit_callbacks)
    review = ReviewCase.objects.get(recipient=recipient)
    assert review.applied_at is None  # the household goes on: the review decides the amount
    assert not CaseEvent.objects.filter(transition=FUNERAL_REMINDER_EVENT).exists()
    assert not _clerk_messages(demo).exists()
    client.force_login(demo.user("clerk"))
    detail = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert 'data-testid="funeral-reminder"' not in detail
