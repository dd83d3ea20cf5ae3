"""Objections during a 特困 termination posting (C Art.25): recorded during the posting they
hold the termination; after it they are refused in Chinese; dismissed, the termination
takes effect at the next scan (from the month after the dismissal at the earliest);
upheld, it is withdrawn and the recipient stays. Pages and API; another township: 404."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.access import AccessRefused
from cases.clocks.services import scan_deadlines
from cases.models import Case, CaseEvent
from cases.workflow.services import case_transition
from funds.dynamic.models import (
    PostingObjection,
    PostingObjectionStatus,
    ReviewOutcome,
    ReviewSchedule,
    ReviewTrigger,
    TerminationPosting,
)
from funds.dynamic.objections import (
    HANDLE_LEVEL_REFUSED,
    posting_objection_handle,
    posting_objection_record,
)
from funds.dynamic.services import review_decide, review_open
from funds.recipients.models import RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.services import next_month
from funds.recipients.tests.support import registered
from relief.delegation import delegation_change_status
from relief.models import Delegation, Notification, Role, User

pytestmark = pytest.mark.django_db


def _posted(demo):
    """A 特困 recipient whose stop the approver confirmed: posted from today for 7 days."""
    recipient = registered(demo, type_code="tekun_dispersed")
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    case.refresh_from_db()
    review_decide(review=review, outcome=ReviewOutcome.STOP, reasons="已有法定赡养人履行义务")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意终止")
    posting = TerminationPosting.objects.get(review=review)
    assert posting.starts_on == timezone.localdate() and posting.days == 7
    return recipient, review, posting


def _object(demo, posting, **kwargs):
    values = {"text": "其子女长期在外务工，实际未履行赡养义务", "raised_by": "邻居李某"}
    values.update(kwargs)
    return posting_objection_record(posting=posting, actor=demo.user("clerk"), **values)


def _status(recipient, month):
    return state_for_month(recipient=recipient, month=month).status


def test_an_objection_during_the_posting_holds_the_termination(demo):
    recipient, review, posting = _posted(demo)
    objection = _object(demo, posting, contact="13800000000")
    assert objection.status == PostingObjectionStatus.OPEN
    assert objection.recorded_by == demo.user("clerk")
    event = CaseEvent.objects.get(case=review.case, transition="termination_objection")
    assert "邻居李某" in event.opinion and event.actor == demo.user("clerk")
    after = posting.ends_on + datetime.timedelta(days=1)
    for day in range(3):  # the scans after the last day: held while the objection is open
        scan_deadlines(today=after + datetime.timedelta(days=day))
    posting.refresh_from_db()
    assert posting.ended_at is None and posting.effective_month is None
    assert _status(recipient, next_month(posting.ends_on)) == RecipientStatus.ACTIVE
    assert recipient.changes.filter(status=RecipientStatus.STOPPED).count() == 0


def test_an_objection_after_the_posting_is_refused_in_chinese_and_nothing_is_saved(demo):
    recipient, review, posting = _posted(demo)
    with pytest.raises(ValidationError) as refused:
        _object(demo, posting, today=posting.ends_on + datetime.timedelta(days=1))
    assert "公示期已于" in str(refused.value) and "不能再登记公示异议" in str(refused.value)
    assert not PostingObjection.objects.exists()
    assert not CaseEvent.objects.filter(transition="termination_objection").exists()
    # The last day itself is still inside the posting.
    assert _object(demo, posting, today=posting.ends_on).status == PostingObjectionStatus.OPEN


def test_bad_input_is_refused_at_the_field(demo):
    recipient, review, posting = _posted(demo)
    with pytest.raises(ValidationError) as empty:
        _object(demo, posting, text="  ")
    assert empty.value.message_dict == {"text": ["请填写异议内容"]}
    with pytest.raises(ValidationError) as nameless:
        _object(demo, posting, raised_by="")
    assert "请填写异议人姓名，或选择匿名" in nameless.value.message_dict["raised_by"]
    anonymous = _object(demo, posting, raised_by="张三", anonymous=True)
    assert anonymous.anonymous and anonymous.raised_by == ""
    with pytest.raises(ValidationError) as no_feedback:
        posting_objection_handle(
            objection=anonymous, actor=demo.user("approver"), outcome="dismissed", feedback=""
        )
    assert "feedback" in no_feedback.value.message_dict
    with pytest.raises(ValidationError):
        posting_objection_handle(
            objection=anonymous, actor=demo.user("approver"), outcome="maybe", feedback="核实"
        )
    anonymous.refresh_from_db()
    assert anonymous.status == PostingObjectionStatus.OPEN
    with pytest.raises(ValidationError):  # the clerk records, the approver handles
        posting_objection_handle(
            objection=anonymous, actor=demo.user("clerk"), outcome="dismissed", feedback="核实"
        )


def test_a_dismissed_objection_lets_the_termination_take_effect_at_the_next_run(demo):
    recipient, review, posting = _posted(demo)
    objection = _object(demo, posting)
    late = posting.ends_on + datetime.timedelta(days=40)  # handled well after the posting
    scan_deadlines(today=posting.ends_on + datetime.timedelta(days=1))
    posting.refresh_from_db()
    assert posting.ended_at is None
    handled_at = timezone.make_aware(datetime.datetime.combine(late, datetime.time(10)))
    with mock.patch("django.utils.timezone.now", return_value=handled_at):
        posting_objection_handle(
            objection=objection,
            actor=demo.user("approver"),
            outcome=PostingObjectionStatus.DISMISSED,
            feedback="经核实其子女已按月支付赡养费，异议不成立",
        )
    objection.refresh_from_db()
    assert objection.status == PostingObjectionStatus.DISMISSED
    assert objection.handled_by == demo.user("approver")
    assert CaseEvent.objects.filter(
        case=review.case, transition="termination_objection_dismissed"
    ).exists()
    scan_deadlines(today=late + datetime.timedelta(days=1))
    posting.refresh_from_db()
    stop = next_month(late)  # the months paid while it was held stay paid
    assert posting.ended_at is not None and posting.effective_month == stop
    assert _status(recipient, stop) == RecipientStatus.STOPPED
    assert _status(recipient, next_month(posting.ends_on)) == RecipientStatus.ACTIVE


def test_a_dismissed_objection_during_the_posting_keeps_the_ordinary_end(demo):
    recipient, review, posting = _posted(demo)
    posting_objection_handle(
        objection=_object(demo, posting),
        actor=demo.user("approver"),
        outcome=PostingObjectionStatus.DISMISSED,
        feedback="异议不成立",
    )
    scan_deadlines(today=posting.ends_on)  # the last day: still posted
    posting.refresh_from_db()
    assert posting.ended_at is None
    scan_deadlines(today=posting.ends_on + datetime.timedelta(days=1))
    posting.refresh_from_db()
    assert posting.effective_month == next_month(posting.ends_on)


def test_an_upheld_objection_withdraws_the_termination(demo):
    recipient, review, posting = _posted(demo)
    first, second = _object(demo, posting), _object(demo, posting, raised_by="村民王某")
    assert not ReviewSchedule.objects.filter(recipient=recipient).exists()
    posting_objection_handle(
        objection=first,
        actor=demo.user("approver"),
        outcome=PostingObjectionStatus.UPHELD,
        feedback="经核实其子女无赡养能力，撤回终止决定",
    )
    posting.refresh_from_db()
    assert posting.withdrawn_at is not None and posting.ended_at is not None
    assert posting.effective_month is None
    assert CaseEvent.objects.filter(
        case=review.case, transition="termination_objection_upheld"
    ).exists()
    assert ReviewSchedule.objects.filter(recipient=recipient).exists()  # reviewed again
    for day in (1, 40):
        scan_deadlines(today=posting.ends_on + datetime.timedelta(days=day))
    recipient.refresh_from_db()
    assert recipient.status == RecipientStatus.ACTIVE
    assert _status(recipient, next_month(posting.ends_on)) == RecipientStatus.ACTIVE
    # The other open objection is still answered; dismissing it now stops nothing.
    posting_objection_handle(
        objection=second, actor=demo.user("approver"), outcome="dismissed", feedback="已撤回"
    )
    scan_deadlines(today=posting.ends_on + datetime.timedelta(days=41))
    assert recipient.changes.filter(status=RecipientStatus.STOPPED).count() == 0
    with pytest.raises(ValidationError) as again:
        _object(demo, posting)
    assert "已撤回" in str(again.value)


# --- pages ---------------------------------------------------------------------------------


def test_the_pages_record_hold_and_withdraw(client, demo):
    recipient, review, posting = _posted(demo)
    url = reverse("dynamic:posting_objections", args=[review.case_id])
    client.force_login(demo.user("assistant"))
    page = client.get(url).content.decode()
    assert 'data-testid="posting-objection-form"' in page
    missing = client.post(url, {"raised_by": "李某", "text": ""})
    assert "请填写异议内容" in missing.content.decode()
    assert not PostingObjection.objects.exists()
    done = client.post(url, {"anonymous": "on", "text": "实际无人赡养"}, follow=True)
    assert "异议已登记" in done.content.decode()
    objection = PostingObjection.objects.get()
    assert objection.anonymous and objection.recorded_by == demo.user("assistant")
    client.force_login(demo.user("approver"))
    conclusion = client.get(reverse("dynamic:conclusion", args=[review.case_id]))
    assert 'data-testid="posting-held"' in conclusion.content.decode()
    handle = reverse("dynamic:objection_handle", args=[objection.pk])
    assert client.get(handle)["Location"] == url
    client.force_login(demo.user("clerk"))
    assert client.post(handle, {"outcome": "upheld", "feedback": "核实"}).status_code == 403
    client.force_login(demo.user("approver"))
    shown = client.post(handle, {"outcome": "upheld", "feedback": "核实属实"}, follow=True)
    assert "特困终止已撤回" in shown.content.decode()
    posting.refresh_from_db()
    assert posting.withdrawn_at is not None
    conclusion = client.get(reverse("dynamic:conclusion", args=[review.case_id]))
    assert 'data-testid="posting-withdrawn"' in conclusion.content.decode()
    assert 'data-testid="notice-link"' not in conclusion.content.decode()
    assert client.get(reverse("dynamic:notice", args=[review.case_id])).status_code == 404
    timeline = client.get(reverse("dynamic:timeline", args=[recipient.pk])).content.decode()
    assert "因异议成立撤回终止" in timeline


def test_the_page_refuses_an_objection_after_the_posting(client, demo):
    recipient, review, posting = _posted(demo)
    TerminationPosting.objects.filter(pk=posting.pk).update(
        starts_on=posting.starts_on - datetime.timedelta(days=10),
        ends_on=posting.ends_on - datetime.timedelta(days=10),
    )
    url = reverse("dynamic:posting_objections", args=[review.case_id])
    client.force_login(demo.user("clerk"))
    page = client.get(url).content.decode()
    assert 'data-testid="posting-objection-form"' not in page and "不再受理公示异议" in page
    refused = client.post(url, {"raised_by": "李某", "text": "有异议"}).content.decode()
    assert "不能再登记公示异议" in refused
    assert not PostingObjection.objects.exists()


def test_another_townships_posting_and_objection_answer_404(client, demo):
    recipient, review, posting = _posted(demo)
    objection = _object(demo, posting)
    client.force_login(demo.user("clerk_huangchi"))
    url = reverse("dynamic:posting_objections", args=[review.case_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"raised_by": "李某", "text": "有异议"}).status_code == 404
    handle = reverse("dynamic:objection_handle", args=[objection.pk])
    assert client.post(handle, {"outcome": "upheld", "feedback": "x"}).status_code == 404
    api = "/api/dynamic/posting-objections/"
    assert client.get(f"{api}{objection.pk}/").status_code == 404
    assert client.get(api).json()["count"] == 0
    created = client.post(
        api,
        {"review": review.pk, "raised_by": "李某", "text": "有异议"},
        content_type="application/json",
    )
    assert created.status_code == 404
    assert PostingObjection.objects.count() == 1
    client.force_login(demo.user("approver_huangchi"))
    handled = client.post(
        f"{api}{objection.pk}/handle/",
        {"outcome": "upheld", "feedback": "x"},
        content_type="application/json",
    )
    assert handled.status_code == 404
    objection.refresh_from_db()
    assert objection.status == PostingObjectionStatus.OPEN


def test_the_api_records_and_handles(client, demo):
    recipient, review, posting = _posted(demo)
    api = "/api/dynamic/posting-objections/"
    client.force_login(demo.user("clerk"))
    bad = client.post(api, {"review": review.pk, "text": ""}, content_type="application/json")
    assert bad.status_code == 400 and "text" in bad.json()["errors"]
    made = client.post(
        api,
        {"review": review.pk, "raised_by": "李某", "contact": "139", "text": "有人赡养不实"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "open" and body["review"] == review.pk
    listed = client.get(f"{api}?review={review.pk}").json()
    assert [o["id"] for o in listed["results"]] == [body["id"]]
    assert client.get(f"{api}?review=x").status_code == 400
    forbidden = client.post(
        f"{api}{body['id']}/handle/",
        {"outcome": "dismissed", "feedback": "核实"},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    client.force_login(demo.user("approver"))
    handled = client.post(
        f"{api}{body['id']}/handle/",
        {"outcome": "dismissed", "feedback": "核实，异议不成立"},
        content_type="application/json",
    )
    assert handled.status_code == 200 and handled.json()["status"] == "dismissed"
    again = client.post(
        f"{api}{body['id']}/handle/",
        {"outcome": "upheld", "feedback": "再议"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "已处理" in again.json()["detail"]
    TerminationPosting.objects.filter(pk=posting.pk).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(demo.user("clerk"))
    late = client.post(
        api,
        {"review": review.pk, "raised_by": "李某", "text": "再提"},
        content_type="application/json",
    )
    assert late.status_code == 400 and "不能再登记公示异议" in late.json()["detail"]
    assert PostingObjection.objects.count() == 1  # the refused one saved nothing


# --- who handles: the level that decides the review on the handling date -------------------


def _suspend(demo, recipient):
    delegation = Delegation.objects.get(
        township=demo.gushu, assistance_type=recipient.assistance_type
    )
    delegation_change_status(
        delegation=delegation,
        status="suspended",
        effective_date=timezone.localdate(),
        reason="整改期间暂停",
        actor=demo.user("supervisor"),
    )


def _handle_api(client, user, objection, outcome="dismissed"):
    client.force_login(user)
    return client.post(
        f"/api/dynamic/posting-objections/{objection.pk}/handle/",
        {"outcome": outcome, "feedback": "经核实，异议不成立"},
        content_type="application/json",
    )


def test_the_township_holding_the_power_handles_and_the_county_is_refused(client, demo):
    recipient, review, posting = _posted(demo)
    objection = _object(demo, posting)
    with pytest.raises(PermissionDenied) as refused:
        posting_objection_handle(
            objection=objection,
            actor=demo.user("supervisor"),
            outcome=PostingObjectionStatus.DISMISSED,
            feedback="核实",
        )
    assert str(refused.value) == HANDLE_LEVEL_REFUSED[Role.TOWNSHIP_APPROVER]
    assert "由乡镇审核确认人处理" in str(refused.value)
    api = _handle_api(client, demo.user("supervisor"), objection)
    assert api.status_code == 403 and "由乡镇审核确认人处理" in api.json()["detail"]
    url = reverse("dynamic:posting_objections", args=[review.case_id])
    page = client.get(url).content.decode()
    assert 'data-testid="objection-handle-form"' not in page
    assert "由乡镇审核确认人处理" in page
    handle = reverse("dynamic:objection_handle", args=[objection.pk])
    shown = client.post(handle, {"outcome": "dismissed", "feedback": ""})
    assert shown.status_code == 403 and "由乡镇审核确认人处理" in shown.content.decode()
    objection.refresh_from_db()
    assert objection.status == PostingObjectionStatus.OPEN and objection.handled_by is None
    assert not CaseEvent.objects.filter(transition__startswith="termination_objection_").exists()
    client.force_login(demo.user("approver"))
    page = client.get(url).content.decode()
    assert 'data-testid="objection-handle-form"' in page
    assert 'data-testid="objection-handle-level"' not in page
    done = _handle_api(client, demo.user("approver"), objection)
    assert done.status_code == 200 and done.json()["status"] == "dismissed"


def test_where_the_power_is_suspended_the_county_handles_and_the_approver_is_refused(client, demo):
    recipient, review, posting = _posted(demo)
    objection, other = _object(demo, posting), _object(demo, posting, raised_by="村民王某")
    _suspend(demo, recipient)  # suspended on the handling date, after the decision
    with pytest.raises(PermissionDenied) as refused:
        posting_objection_handle(
            objection=objection,
            actor=demo.user("approver"),
            outcome=PostingObjectionStatus.UPHELD,
            feedback="核实",
        )
    assert str(refused.value) == HANDLE_LEVEL_REFUSED[Role.COUNTY_SUPERVISOR]
    assert "公示异议由县民政局处理" in str(refused.value)
    api = _handle_api(client, demo.user("approver"), objection, outcome="upheld")
    assert api.status_code == 403 and "公示异议由县民政局处理" in api.json()["detail"]
    url = reverse("dynamic:posting_objections", args=[review.case_id])
    page = client.get(url).content.decode()
    assert 'data-testid="objection-handle-form"' not in page
    assert "公示异议由县民政局处理" in page
    handle = reverse("dynamic:objection_handle", args=[objection.pk])
    shown = client.post(handle, {"outcome": "upheld", "feedback": "核实属实"})
    assert shown.status_code == 403 and "公示异议由县民政局处理" in shown.content.decode()
    posting.refresh_from_db()
    assert posting.withdrawn_at is None
    objection.refresh_from_db()
    assert objection.status == PostingObjectionStatus.OPEN
    # The county handles: on the page, and through the API.
    client.force_login(demo.user("supervisor"))
    assert 'data-testid="objection-handle-form"' in client.get(url).content.decode()
    done = client.post(handle, {"outcome": "dismissed", "feedback": "经核实不成立"}, follow=True)
    assert "已处理：异议不成立" in done.content.decode()
    objection.refresh_from_db()
    assert objection.handled_by == demo.user("supervisor")
    upheld = _handle_api(client, demo.user("supervisor"), other, outcome="upheld")
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    event = CaseEvent.objects.get(case=review.case, transition="termination_objection_upheld")
    assert event.actor == demo.user("supervisor")
    posting.refresh_from_db()
    assert posting.withdrawn_at is not None


def test_the_level_that_handles_is_the_one_told_of_a_new_objection(
    demo, django_capture_on_commit_callbacks
):
    recipient, review, posting = _posted(demo)

    def told(name):
        return Notification.objects.filter(
            recipient=demo.user(name), verb__contains="收到异议"
        ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        _object(demo, posting)
    assert told("approver") and not told("supervisor")
    Notification.objects.all().delete()
    _suspend(demo, recipient)
    with django_capture_on_commit_callbacks(execute=True):
        _object(demo, posting, raised_by="村民王某")
    assert told("supervisor") and not told("approver")
    assert told("clerk")  # the township's clerks, at either level


# --- four eyes: handling decides the termination ---------------------------------------------


def test_the_reviews_investigator_may_not_handle_its_objections(client, demo):
    """Upholding or dismissing decides the termination (A Art.11): the approver who
    investigated the review (here also a clerk) is refused with the four-eyes reason in the
    service, on the page and in the API, nothing saved; another approver handles it."""
    investigator = demo.user("approver")
    investigator.extra_role = Role.TOWNSHIP_CLERK
    investigator.save(update_fields=["extra_role"])
    other = User.objects.create_user(
        username="approver_two",
        password="x",
        role=Role.TOWNSHIP_APPROVER,
        region=investigator.region,
        full_name="第二审核人",
    )
    recipient = registered(demo, type_code="tekun_dispersed")
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(case=case, name="finish_investigation", actor=investigator, opinion="入户核实")
    case.refresh_from_db()
    review_decide(review=review, outcome=ReviewOutcome.STOP, reasons="已有法定赡养人履行义务")
    case_transition(case=case, name="confirm", actor=other, opinion="同意终止")
    posting = TerminationPosting.objects.get(review=review)
    objection = _object(demo, posting)
    four_eyes = "您办理了本案的入户调查，决定须由其他人员作出（四眼原则）"

    with pytest.raises(AccessRefused) as refused:
        posting_objection_handle(
            objection=objection, actor=investigator, outcome="upheld", feedback="核实属实"
        )
    assert four_eyes in refused.value.messages
    client.force_login(investigator)
    page = client.get(reverse("dynamic:posting_objections", args=[case.pk])).content.decode()
    assert four_eyes in page
    api = client.post(
        f"/api/dynamic/posting-objections/{objection.pk}/handle/",
        {"outcome": "upheld", "feedback": "核实属实"},
        content_type="application/json",
    )
    assert api.status_code == 403 and four_eyes in api.content.decode()
    objection.refresh_from_db()
    posting.refresh_from_db()
    assert objection.status == PostingObjectionStatus.OPEN and objection.handled_by is None
    assert posting.withdrawn_at is None
    assert not CaseEvent.objects.filter(
        case=case, transition__startswith="termination_objection_"
    ).exists()

    done = posting_objection_handle(
        objection=objection, actor=other, outcome="upheld", feedback="核实属实，撤回终止"
    )
    assert done.status == PostingObjectionStatus.UPHELD and done.handled_by == other
    event = CaseEvent.objects.get(case=case, transition="termination_objection_upheld")
    assert event.actor == other
