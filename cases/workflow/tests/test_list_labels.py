"""The case list speaks Chinese in its sort options."""

import re

from django.urls import reverse

from cases.workflow.filters import CaseFilter


def test_every_sort_option_is_labelled_in_chinese(demo, client):
    labels = [label for value, label in CaseFilter().form.fields["ordering"].choices if value]
    assert "登记时间（最新在前）" in labels and "受理日期（最早在前）" in labels
    for label in labels:
        assert not re.search(r"[A-Za-z]", label), label
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:list")).content.decode()
    assert "descending" not in page
    assert "最近更新（最新在前）" in page
