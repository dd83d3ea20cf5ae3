"""The case page's 下一步 panel, the list's mark for cases whose facts are in, and the
clerk's notification when the last fact arrives."""

import pytest
from django.urls import reverse

from cases.models import Case, CaseState
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401
from relief.models import Notification

pytestmark = pytest.mark.django_db


def test_panel_names_the_next_action_who_takes_it_and_the_deadline(demo, client):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    client.force_login(demo.user("clerk"))
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="next-step"' in html
    assert "启动调查核对" in html and "您现在可以办理" in html
    assert "启动调查截止" in html  # the clock started at 受理 (A Art.15: 3 working days)


def test_panel_tells_a_user_who_cannot_act_why_and_on_whom_it_waits(demo, client):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    client.force_login(demo.user("approver"))
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "您现在可以办理" not in html
    assert "尚未申请家庭经济状况核对" in html
    assert "入户调查尚未完成" in html
    assert "核对报告尚未返回" in html  # the guard's reason, in the panel's summary


def test_facts_ready_is_marked_on_the_list_filtered_and_notified_once(
    demo, client, django_capture_on_commit_callbacks
):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    other = make_case(demo.gushu)
    with django_capture_on_commit_callbacks(execute=True):
        case.check_status = "returned"
        case.save(update_fields=["check_status"])
    assert not Notification.objects.filter(dedupe_key__startswith="facts-ready").exists()
    with django_capture_on_commit_callbacks(execute=True):
        case.survey_status = "complete"
        case.save(update_fields=["survey_status"])
        case.save(update_fields=["survey_status"])
    clerk = demo.user("clerk")
    sent = Notification.objects.filter(recipient=clerk, dedupe_key__startswith="facts-ready")
    assert sent.count() == 1 and case.number in sent.get().verb
    client.force_login(clerk)
    listed = client.get(reverse("cases:list"), {"progress": "facts_ready"}).content.decode()
    assert case.number in listed and other.number not in listed
    assert 'data-testid="facts-ready-mark"' in listed
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="facts-ready"' in page
    assert Case.objects.get(pk=case.pk).state == CaseState.CHECKING
