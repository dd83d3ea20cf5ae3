"""The case list speaks Chinese in its sort options, and home shortcuts open it filtered."""

import re

from django.urls import reverse

from cases.states import CaseState
from cases.workflow.filters import CaseFilter
from cases.workflow.tests.helpers import make_case


def test_every_sort_option_is_labelled_in_chinese(demo, client):
    labels = [label for value, label in CaseFilter().form.fields["ordering"].choices if value]
    assert "登记时间（最新在前）" in labels and "受理日期（最早在前）" in labels
    for label in labels:
        assert not re.search(r"[A-Za-z]", label), label
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:list")).content.decode()
    assert "descending" not in page
    assert "最近更新（最新在前）" in page


def test_the_approvers_review_shortcut_opens_the_list_filtered_to_review(demo, client):
    waiting = make_case(demo.gushu, state=CaseState.REVIEW)
    draft = make_case(demo.gushu)
    client.force_login(demo.user("approver"))
    home = client.get(reverse("home"))
    link = next(x for x in home.context["home_links"] if x["label"] == "待审核确认")
    assert link["url"] == reverse("cases:list") + "?state=review"
    shown = {c.number for c in client.get(link["url"]).context["page_obj"]}
    assert waiting.number in shown and draft.number not in shown
