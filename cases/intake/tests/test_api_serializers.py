"""The intake API reads its input through input serializers and answers through the output
serializers: field errors carry the names the services use, ID numbers go out masked, a PATCH
keeps what it does not send."""

from rest_framework.test import APIClient

from cases.intake.serializers import IntakeCaseSerializer, MemberSerializer
from cases.intake.tests.helpers import APPLICANT_ID, application, member
from cases.models import Case, Member


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_case_answers_the_serializer_fields_with_masked_id_numbers(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    body = api(clerk).get(f"/api/intake/cases/{case.pk}/").json()
    assert set(body) == set(IntakeCaseSerializer().fields)
    assert set(body["members"][0]) == set(MemberSerializer().fields)
    assert body["members"][0]["id_number"] == APPLICANT_ID[:4] + "*" * 10 + APPLICANT_ID[-4:]
    assert body["township"] == case.township.name and body["assistance_type"] == "dibao_rural"


def test_nested_input_errors_are_named_as_the_service_names_them(demo):
    client = api(demo.user("clerk"))
    body = {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": "城东社区",
        "members": [member(birth_date="1958-13-40"), "王德福"],
    }
    response = client.post("/api/intake/applications/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"household", "members-0-birth_date", "members-1"}
    assert all(isinstance(m, str) for v in errors.values() for m in v)
    assert Case.objects.count() == 0


def test_a_patch_keeps_the_fields_it_does_not_send(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    spouse = case.household.members.exclude(relation="self").get()
    Member.objects.filter(pk=spouse.pk).update(hukou_place="姑孰镇城东社区")
    url = f"/api/intake/cases/{case.pk}/members/{spouse.pk}/"
    response = api(clerk).patch(url, {"name": "李秀英"}, format="json")
    assert response.status_code == 200, response.json()
    spouse.refresh_from_db()
    assert (spouse.name, spouse.hukou_place) == ("李秀英", "姑孰镇城东社区")
    assert response.json()["id_number"] != spouse.id_number  # masked in the answer


def test_a_survey_item_that_is_not_text_answers_at_the_list(demo):
    clerk = demo.user("clerk")
    case = application(clerk)
    response = api(clerk).put(
        f"/api/intake/cases/{case.pk}/survey/", {"investigators": [["张三"]]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["investigators"][0].startswith("第1项：")
