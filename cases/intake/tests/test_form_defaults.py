"""Forms that make the user choose: no preselected conclusion, village or relation, and
buttons that say what they do."""

import re

from django.urls import reverse

from cases.intake.services.checks import check_request
from cases.intake.tests.helpers import accepted, application


def select_html(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, name
    return match.group(0)


def test_verifier_report_has_no_preselected_conclusion_and_a_submit_that_says_submit(client, demo):
    clerk = demo.user("clerk")
    check = check_request(case=accepted(application(clerk), clerk), actor=clerk)
    client.force_login(demo.user("verifier"))
    url = reverse("cases:check_return", args=[check.pk])
    page = client.get(url).content.decode()
    conclusion = select_html(page, "conclusion")
    assert " required" in conclusion.split(">", 1)[0]
    assert re.search(r'<option value="" ?(selected)?>请选择</option>', conclusion)
    assert not re.search(r'<option value="[^"]+" selected', conclusion)
    assert "提交核对报告" in page and "返回核对报告" not in page
    assert "返回队列" not in page and reverse("cases:check_queue") in page

    response = client.post(url, {"results-0-monthly_income": "0"})
    assert response.status_code == 400 and "请选择核对结论" in response.content.decode()


def test_application_form_starts_with_no_village_and_no_relation_chosen(client, demo):
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:application_new")).content.decode()
    village = select_html(page, "village")
    assert " required" in village.split(">", 1)[0]
    assert re.search(r'<option value="" ?(selected)?>请选择</option>', village)
    assert not re.search(r'<option value="[^"]+" selected', village)
    assert f'value="{demo.village.pk}"' in village
    assert f'value="{demo.wuxi_village.pk}"' not in village  # another township's village
    for i in range(6):
        relation = select_html(page, f"members-{i}-relation")
        assert not re.search(r'<option value="[^"]+" selected', relation), i

    post = {
        "address": "城东社区1号",
        "members-TOTAL_FORMS": 6,
        "members-INITIAL_FORMS": 0,
        "members-0-name": "王德福",
        "members-0-id_number": "340521195001011234",
    }
    response = client.post(reverse("cases:application_new"), post)
    assert response.status_code == 400 and "请选择村(社区)" in response.content.decode()
    response = client.post(reverse("cases:application_new"), {**post, "village": demo.village.pk})
    assert response.status_code == 400 and "请选择与申请人关系" in response.content.decode()
