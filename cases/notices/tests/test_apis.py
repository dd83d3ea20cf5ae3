"""The notice API: the same services and scoping as the pages (a township sees its
villages, a village assistant their village, another township answers 404)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseState
from cases.notices.models import BatchState, NoticeBatch, Objection
from relief.models import AssistanceType
from tests.factories import CaseFactory, HouseholdFactory


def _case(village, state=CaseState.PRE_NOTICE):
    household = HouseholdFactory(village=village, township=village.parent)
    return CaseFactory(
        household=household,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        documents_complete=True,
        force_state=state,
    )


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _create(api, village, cases, **extra):
    body = {
        "village": village.pk,
        "kind": "pre",
        "cases": [c.pk for c in cases],
        "starts_on": timezone.localdate().isoformat(),
        "place": "村委会公示栏",
        "phone": "0555-1234567",
        **extra,
    }
    return api.post("/api/notices/batches/", body, format="json")


@pytest.mark.django_db
def test_a_clerk_creates_publishes_and_reads_a_batch_through_the_api(demo):
    case = _case(demo.village)
    api = _api(demo.user("clerk"))
    created = _create(api, demo.village, [case])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["entries"][0]["case"] == case.pk
    published = api.post(f"/api/notices/batches/{body['id']}/publish/")
    assert published.status_code == 200, published.json()
    entry = published.json()["entries"][0]
    assert entry["masked_name"].startswith(case.applicant.name[0])
    assert case.applicant.name not in str(published.json())
    assert case.applicant.id_number not in str(published.json())
    listed = api.get("/api/notices/batches/").json()
    assert [b["number"] for b in listed["results"]] == [body["number"]]


@pytest.mark.django_db
def test_another_townships_batch_answers_404_and_is_not_listed(demo):
    case = _case(demo.village)
    created = _create(_api(demo.user("clerk")), demo.village, [case]).json()
    other = _api(demo.user("clerk_huangchi"))
    assert other.get(f"/api/notices/batches/{created['id']}/").status_code == 404
    assert other.post(f"/api/notices/batches/{created['id']}/publish/").status_code == 404
    assert (
        other.post(
            f"/api/notices/batches/{created['id']}/withdraw/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert other.get("/api/notices/batches/").json()["results"] == []
    # and a batch for a village outside the region is a 404, nothing saved
    assert _create(other, demo.village, [case]).status_code == 404
    assert NoticeBatch.objects.count() == 1
    # the county sees it; the village's assistant sees it, another village's does not
    assert (
        _api(demo.user("supervisor")).get(f"/api/notices/batches/{created['id']}/").status_code
        == 200
    )
    assert (
        _api(demo.user("assistant")).get(f"/api/notices/batches/{created['id']}/").status_code
        == 200
    )
    assert (
        _api(demo.user("assistant_wuxi")).get(f"/api/notices/batches/{created['id']}/").status_code
        == 404
    )


@pytest.mark.django_db
def test_bad_input_answers_at_the_field_and_saves_nothing(demo):
    ready = _case(demo.village)
    not_ready = _case(demo.village, state=CaseState.REVIEW)
    api = _api(demo.user("clerk"))
    response = _create(api, demo.village, [ready, not_ready], days=1)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "不是待确认前公示" in errors["cases"][0] and "公示期不得少于" in errors["days"][0]
    assert not NoticeBatch.objects.exists()


@pytest.mark.django_db
def test_remove_and_withdraw_before_publication(demo):
    one, two = _case(demo.village), _case(demo.village)
    api = _api(demo.user("clerk"))
    batch = _create(api, demo.village, [one, two]).json()
    removed = api.post(
        f"/api/notices/batches/{batch['id']}/remove/", {"case": two.pk}, format="json"
    )
    assert [e["case"] for e in removed.json()["entries"]] == [one.pk]
    again = api.post(f"/api/notices/batches/{batch['id']}/remove/", {"case": two.pk}, format="json")
    assert again.status_code == 400 and again.json()["errors"]["case"]
    no_reason = api.post(f"/api/notices/batches/{batch['id']}/withdraw/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    done = api.post(
        f"/api/notices/batches/{batch['id']}/withdraw/", {"reason": "名单有误"}, format="json"
    )
    assert done.json()["state"] == BatchState.WITHDRAWN


@pytest.mark.django_db
def test_an_objection_recorded_through_the_api_opens_the_route_and_gets_feedback(demo):
    case = _case(demo.village)
    api = _api(demo.user("clerk"))
    batch = _create(api, demo.village, [case]).json()
    api.post(f"/api/notices/batches/{batch['id']}/publish/")
    recorded = api.post(
        "/api/notices/objections/",
        {"case": case.pk, "batch": batch["id"], "text": "该户有车辆", "contact": "13800000000"},
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    assert "异议复查" in recorded.json()["message"]
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION
    pk = recorded.json()["objection"]["id"]
    assert (
        _api(demo.user("clerk_huangchi")).get(f"/api/notices/objections/{pk}/").status_code == 404
    )
    assert (
        _api(demo.user("clerk_huangchi"))
        .post(f"/api/notices/objections/{pk}/feedback/", {"feedback": "x"}, format="json")
        .status_code
        == 404
    )
    answered = api.post(
        f"/api/notices/objections/{pk}/feedback/", {"feedback": "经复查属实，已终止"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == Objection.Status.ANSWERED
    too_long = api.post(
        "/api/notices/objections/", {"case": case.pk, "text": "字" * 1001}, format="json"
    )
    assert too_long.status_code == 400 and too_long.json()["errors"]["text"]


@pytest.mark.django_db
def test_the_list_apis_cost_a_fixed_set_of_queries(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = _api(demo.user("clerk"))

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    _create(api, demo.village, [_case(demo.village)])
    first = _case(demo.village)
    api.post("/api/notices/objections/", {"case": first.pk, "text": "有异议"}, format="json")
    urls = ("/api/notices/batches/", "/api/notices/objections/")
    before = [count(url) for url in urls]
    for _ in range(3):
        batch = _create(api, demo.village, [_case(demo.village)]).json()
        api.post(f"/api/notices/batches/{batch['id']}/publish/")
    case = _case(demo.village)
    api.post("/api/notices/objections/", {"case": case.pk, "text": "有异议"}, format="json")
    api.post("/api/notices/objections/", {"case": case.pk, "text": "又有异议"}, format="json")
    assert [count(url) for url in urls] == before


@pytest.mark.django_db
def test_objections_through_the_api_are_closed_to_the_village_and_the_check_agency(demo):
    """As on the pages: an objection names who raised it and how to reach them, so the
    village's assistant and the county's check agency get 403 (not a narrower list); the
    township and the county read it; batches stay readable to the assistant."""
    case = _case(demo.village)
    clerk = _api(demo.user("clerk"))
    batch = _create(clerk, demo.village, [case]).json()
    clerk.post(f"/api/notices/batches/{batch['id']}/publish/")
    recorded = clerk.post(
        "/api/notices/objections/",
        {
            "case": case.pk,
            "batch": batch["id"],
            "text": "该户有车辆",
            "raised_by": "王五",
            "contact": "13800000000",
        },
        format="json",
    ).json()
    pk = recorded["objection"]["id"]
    for username in ("assistant", "verifier"):
        api = _api(demo.user(username))
        for url in ("/api/notices/objections/", f"/api/notices/objections/{pk}/"):
            response = api.get(url)
            assert response.status_code == 403, (username, url)
            assert "王五" not in response.content.decode()
        assert (
            api.post(f"/api/notices/objections/{pk}/feedback/", {"feedback": "x"}).status_code
            == 403
        )
    assert _api(demo.user("verifier")).get("/api/notices/batches/").status_code == 403
    assert _api(demo.user("assistant")).get("/api/notices/batches/").json()["count"] == 1
    for username in ("clerk", "approver", "supervisor"):
        listed = _api(demo.user(username)).get("/api/notices/objections/").json()
        assert [o["raised_by"] for o in listed["results"]] == ["王五"], username
    assert _api(demo.user("clerk_huangchi")).get("/api/notices/objections/").json()["count"] == 0
    assert Objection.objects.get().status == Objection.Status.OPEN


@pytest.mark.django_db
def test_the_posting_photo_through_the_api_is_sniffed_and_filed_in_every_case(
    demo, settings, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from archive.models import Document

    settings.MEDIA_ROOT = tmp_path
    cases = [_case(demo.village), _case(demo.village)]
    api = _api(demo.user("assistant"))
    batch = _create(api, demo.village, cases).json()
    url = f"/api/notices/batches/{batch['id']}/photo/"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="JPEG")

    def upload(name, content, client=api):
        return client.post(url, {"file": SimpleUploadedFile(name, content)}, format="multipart")

    draft = upload("posted.jpg", buffer.getvalue())
    assert draft.status_code == 400 and "公示发布后才能上传张贴照片" in str(draft.json())
    api.post(f"/api/notices/batches/{batch['id']}/publish/")
    fake = upload("posted.jpg", b"%PDF-1.4 not a photo")
    assert fake.status_code == 400 and fake.json()["errors"]["file"]
    assert (
        upload("posted.jpg", buffer.getvalue(), _api(demo.user("clerk_huangchi"))).status_code
        == 404
    )
    assert not Document.objects.exists()
    assert NoticeBatch.objects.get().photo_uploaded_at is None

    done = upload("posted.jpg", buffer.getvalue())
    assert done.status_code == 200, done.json()
    assert done.json()["photo_uploaded_at"] and len(done.json()["photo_sha256"]) == 64
    assert Document.objects.filter(title__contains=batch["number"]).count() == 2
