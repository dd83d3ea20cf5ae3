"""The household's village group (村民小组): taken and shown by the application and household
pages and by the intake API, bounded and refused at its field (never cut short), and its
changes after 受理 recorded in the household's edit history like the address's."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cases.intake.services.household import household_update
from cases.intake.tests.helpers import APPLICANT_ID, accepted, application
from cases.models import Case, Household, HouseholdEdit
from relief.api_input import NUL_MESSAGE
from relief.models import AssistanceType

GROUP = "第3村民小组"
TOO_LONG = "第" + "三" * 20 + "组"  # 22 characters


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(demo, **household) -> dict:
    return {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": {"address": "城东社区2号", "hukou_type": "rural", **household},
        "members": [
            {"name": "王德福", "id_number": APPLICANT_ID, "relation": "self", "hukou_type": "rural"}
        ],
    }


def test_the_intake_api_takes_the_village_group_and_shows_it_back(demo):
    client = _api(demo.user("clerk"))
    response = client.post("/api/intake/applications/", _body(demo, village_group=GROUP), "json")
    assert response.status_code == 201, response.json()
    case_id = response.json()["id"]
    assert Household.objects.get(cases__pk=case_id).village_group == GROUP
    detail = client.get(f"/api/intake/cases/{case_id}/").json()
    assert detail["household"]["village_group"] == GROUP
    # Optional: a household registered without one answers an empty group.
    other = _api(demo.user("clerk_huangchi")).post(
        "/api/intake/applications/",
        {**_body(demo), "village": demo.user("clerk_huangchi").region.children.first().pk},
        "json",
    )
    assert other.status_code == 201, other.json()
    assert Household.objects.get(cases__pk=other.json()["id"]).village_group == ""


def test_the_intake_api_refuses_an_overlong_or_nul_village_group_at_the_field(demo):
    client = _api(demo.user("clerk"))
    response = client.post("/api/intake/applications/", _body(demo, village_group=TOO_LONG), "json")
    assert response.status_code == 400
    assert response.json()["errors"]["village_group"] == ["不能超过20个字（现为22个字）"]
    response = client.post(
        "/api/intake/applications/", _body(demo, village_group="第3\x00组"), "json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["household.village_group"] == [NUL_MESSAGE]
    assert not Case.objects.exists() and not Household.objects.filter(address="城东社区2号")


def test_the_application_page_takes_the_village_group_and_refuses_an_overlong_one(client, demo):
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:application_new")).content.decode()
    assert 'name="village_group"' in page and "村民小组" in page
    post = {
        "assistance_type": AssistanceType.objects.get(code="dibao_rural").pk,
        "village": demo.village.pk,
        "source": "application",
        "address": "城东社区1号",
        "village_group": TOO_LONG,
        "hukou_type": "rural",
        "members-TOTAL_FORMS": 1,
        "members-INITIAL_FORMS": 0,
        "members-0-name": "王德福",
        "members-0-id_number": APPLICANT_ID,
        "members-0-relation": "self",
        "members-0-hukou_type": "rural",
        "members-0-covered": "on",
    }
    refused = client.post(reverse("cases:application_new"), post)
    assert refused.status_code == 400
    assert "不能超过20个字（现为22个字）" in refused.content.decode()
    assert not Case.objects.exists()
    nul = client.post(reverse("cases:application_new"), {**post, "village_group": "三\x00组"})
    assert nul.status_code == 400 and "village_group" in nul.content.decode()
    assert not Case.objects.exists()

    response = client.post(reverse("cases:application_new"), {**post, "village_group": GROUP})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.household.village_group == GROUP
    intake = client.get(reverse("cases:intake", args=[case.pk])).content.decode()
    assert f'<span data-testid="village-group">{GROUP}</span>' in intake


def test_a_village_group_change_after_acceptance_is_in_the_edit_history(client, demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    client.force_login(clerk)
    url = reverse("cases:household_edit", args=[case.pk])
    form = {"address": "城东社区幸福路8号", "hukou_type": "rural", "village_group": TOO_LONG}
    refused = client.post(url, form)
    assert refused.status_code == 400 and "不能超过20个字" in refused.content.decode()
    assert not HouseholdEdit.objects.filter(case=case).exists()

    assert client.post(url, {**form, "village_group": GROUP}).status_code == 302
    assert 'value="第3村民小组"' in client.get(url).content.decode()  # the form shows it
    client.post(url, {**form, "village_group": "三组"})
    edits = list(HouseholdEdit.objects.filter(case=case, entity="household").order_by("pk"))
    assert [e.changes for e in edits] == [
        {"村民小组": ["", GROUP]},
        {"村民小组": [GROUP, "三组"]},
    ]
    assert edits[1].actor == clerk and edits[1].entity_label == "家庭基本信息"
    page = client.get(reverse("cases:intake", args=[case.pk])).content.decode()
    history = page[page.index('data-testid="household-edits"') :]
    assert "村民小组 “第3村民小组”→“三组”" in history[: history.index("</ul>")]


def test_the_household_service_refuses_an_overlong_group_and_saves_nothing(demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    data = {"address": "新地址1号", "hukou_type": "rural", "village_group": TOO_LONG}
    with pytest.raises(ValidationError) as exc:
        household_update(case=case, actor=clerk, data=data)
    assert exc.value.message_dict == {"village_group": ["不能超过20个字（现为22个字）"]}
    case.household.refresh_from_db()
    assert case.household.address == "城东社区幸福路8号" and case.household.village_group == ""
    assert not HouseholdEdit.objects.filter(case=case).exists()
