import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.intake.services.checks import check_request
from cases.intake.tests.helpers import APPLICANT_ID, SPOUSE_ID, accepted, application, force
from cases.models import Case, CaseState
from relief.models import DataReveal
from tests.uploads import pdf_bytes


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_application_through_the_api_uses_the_same_validation(demo):
    client = api(demo.user("clerk"))
    body = {
        "village": demo.village.pk,
        "assistance_type": "dibao_rural",
        "household": {"address": "城东社区2号", "hukou_type": "rural"},
        "members": [
            {
                "name": "王德福",
                "id_number": "130402198207290622",
                "relation": "self",
                "hukou_type": "rural",
            }
        ],
    }
    response = client.post("/api/intake/applications/", body, format="json")
    assert response.status_code == 400
    assert "校验码" in response.json()["errors"]["members-0-id_number"][0]
    body["members"][0]["id_number"] = APPLICANT_ID
    response = client.post("/api/intake/applications/", body, format="json")
    assert response.status_code == 201
    assert response.json()["members"][0]["sex"] == "M" and response.json()["state"] == "draft"


def test_mobile_survey_draft_then_finish(demo):
    clerk = demo.user("clerk")
    case = force(accepted(application(clerk), clerk), CaseState.VISITING)
    client = api(demo.user("assistant"))
    url = f"/api/intake/cases/{case.pk}/survey/"
    body = {
        "visit_date": datetime.date.today().isoformat(),
        "investigators": ["张秀英"],
        "living_conditions": "简陋",
        "findings": "属实",
    }
    response = client.put(url, {**body, "finish": True}, format="json")
    assert (
        response.status_code == 400 and "至少2名" in response.json()["errors"]["investigators"][0]
    )
    assert client.put(url, {**body, "finish": False}, format="json").json()["status"] == "draft"
    body["investigators"].append("陈晓燕")
    assert client.put(url, {**body, "finish": True}, format="json").json()["status"] == "complete"
    assert client.get(url).json()["investigators"] == ["张秀英", "陈晓燕"]


def test_api_scoping_is_404_for_another_township(demo):
    case = application(
        demo.user("clerk_huangchi"),
        members=[
            {"name": "李秀兰", "id_number": SPOUSE_ID, "relation": "self", "hukou_type": "rural"}
        ],
    )
    client = api(demo.user("clerk"))
    assert client.get(f"/api/intake/cases/{case.pk}/").status_code == 404
    assert client.put(f"/api/intake/cases/{case.pk}/survey/", {}, format="json").status_code == 404
    assert api(demo.user("clerk_huangchi")).get(f"/api/intake/cases/{case.pk}/").status_code == 200


def test_verifier_queue_and_return_through_the_api(demo):
    clerk = demo.user("clerk")
    case = accepted(application(clerk), clerk)
    check = check_request(case=case, actor=clerk)
    client = api(demo.user("verifier"))
    answer = client.get("/api/intake/checks/")
    queue = answer.json()
    assert [c["id"] for c in queue] == [check.pk]
    # The full ID numbers the check needs, each served one logged reveal.
    served = {m["id"] for m in queue[0]["members"]}
    assert APPLICANT_ID in {m["id_number"] for m in queue[0]["members"]}
    assert answer["Cache-Control"] == "no-store"
    logged = DataReveal.objects.filter(user__username="verifier", kind="id_number")
    assert set(logged.values_list("subject_id", flat=True)) == served
    assert logged.first().view_name == "intake-check-list"
    response = client.post(
        f"/api/intake/checks/{check.pk}/return/",
        {
            "conclusion": "meets",
            "results": json.dumps([{"id_number": APPLICANT_ID, "monthly_income": "0"}]),
            "report": SimpleUploadedFile("r.pdf", pdf_bytes()),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert Case.objects.get(pk=case.pk).check_status == "returned"
    assert api(clerk).get("/api/intake/checks/").status_code == 403
