"""The standing list (长期公示): dated versions per village with masked rows and a PDF
whose text holds masked names only; the monthly run makes one version per village however
often it runs; the clerk regenerates on demand, another township is a 404."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pypdf import PdfReader

from funds.publicity.models import StandingList
from funds.publicity.services import standing_list_generate, standing_lists_monthly
from funds.publicity.tests.helpers import recipient
from funds.recipients.models import RecipientStatus
from relief.models import Region


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _pdf_text(version: StandingList) -> str:
    with version.file.open("rb") as fh:
        data = fh.read()
    assert hashlib.sha256(data).hexdigest() == version.sha256
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_a_version_shows_masked_names_only_in_rows_and_pdf_text(demo):
    one = recipient(demo.village, "李", amount="480.00", persons=1)
    four = recipient(demo.village, "欧阳建国", amount="960.50", persons=3)
    stopped = recipient(demo.village, "钱多多")
    stopped.status = RecipientStatus.STOPPED
    stopped.save(update_fields=["status"])
    version = standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    assert [r["name"] for r in version.rows] == ["李*", "欧阳**"]
    assert (version.households, version.persons, str(version.monthly_total)) == (2, 4, "1440.50")
    text = _pdf_text(version)
    assert "李*" in text and "欧阳**" in text and "960.50" in text
    for secret in ("欧阳建国", "建国", "钱多多", one.head_id_number, four.head_id_number):
        assert secret not in text
    assert four.household.address not in text


@pytest.mark.django_db
def test_versions_are_kept_and_old_ones_stay_downloadable(demo, client):
    recipient(demo.village, "张三丰")
    first = standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    recipient(demo.village, "王小明")
    second = standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    assert (first.households, second.households) == (1, 2)
    client.force_login(demo.user("assistant"))
    page = client.get(f"/funds/publicity/villages/{demo.village.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/funds/publicity/lists/{first.pk}/pdf/" in body
    assert f"/funds/publicity/lists/{second.pk}/pdf/" in body
    old = client.get(f"/funds/publicity/lists/{first.pk}/pdf/")
    assert old.status_code == 200 and old["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(old.streaming_content)).hexdigest() == first.sha256


@pytest.mark.django_db
def test_the_clerk_regenerates_on_demand_other_townships_get_404(
    demo, client, django_capture_on_commit_callbacks
):
    recipient(demo.village, "张三丰")
    client.force_login(demo.user("clerk"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/funds/publicity/villages/{demo.village.pk}/generate/")
    assert response.status_code == 302
    version = StandingList.objects.get()
    assert version.created_by == demo.user("clerk")
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(f"/funds/publicity/villages/{demo.village.pk}/").status_code == 404
    assert client.get(f"/funds/publicity/lists/{version.pk}/pdf/").status_code == 404
    assert client.post(f"/funds/publicity/villages/{demo.village.pk}/generate/").status_code == 404
    with pytest.raises(Http404):
        standing_list_generate(village=demo.village, actor=demo.user("clerk_huangchi"))
    with pytest.raises(PermissionDenied):
        standing_list_generate(village=demo.village, actor=demo.user("approver"))
    assert StandingList.objects.count() == 1


@pytest.mark.django_db
def test_the_monthly_run_makes_one_version_per_village_however_often_it_runs(demo):
    other = Region.objects.filter(parent=demo.huangchi, level=Region.Level.VILLAGE).first()
    recipient(demo.village, "张三丰")
    recipient(other, "赵四")
    first = standing_lists_monthly()
    second = standing_lists_monthly()
    assert sorted(first.generated) == sorted([demo.village.code, other.code])
    assert (second.generated, second.skipped) == ([], 2)
    assert StandingList.objects.filter(trigger=StandingList.Trigger.MONTHLY).count() == 2
    assert StandingList.objects.get(village=other).rows[0]["name"] == "赵*"


@pytest.mark.django_db
def test_the_api_lists_versions_and_rows_with_the_same_scoping(
    demo, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    recipient(demo.village, "张三丰")
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(f"/api/publicity/villages/{demo.village.pk}/generate/")
    assert queued.status_code == 202, queued.json()
    version = StandingList.objects.get()
    created = api.get(f"/api/publicity/standing-lists/{version.pk}/")
    (row,) = created.json()["rows"]
    assert (row["name"], row["persons"], row["amount"]) == ("张**", 2, "520.00")
    versions = api.get(f"/api/publicity/villages/{demo.village.pk}/versions/").json()
    assert [v["id"] for v in versions["results"]] == [created.json()["id"]]
    listed = api.get("/api/publicity/villages/").json()
    assert demo.village.code in {v["code"] for v in listed["results"]}
    other = APIClient()
    other.force_authenticate(demo.user("clerk_huangchi"))
    assert other.get(f"/api/publicity/standing-lists/{created.json()['id']}/").status_code == 404
    assert other.get(f"/api/publicity/villages/{demo.village.pk}/versions/").status_code == 404
    assert other.post(f"/api/publicity/villages/{demo.village.pk}/generate/").status_code == 404
    approver = APIClient()
    approver.force_authenticate(demo.user("approver"))
    assert approver.post(f"/api/publicity/villages/{demo.village.pk}/generate/").status_code == 403
    assert StandingList.objects.count() == 1


@pytest.mark.django_db
def test_the_staff_pages_cost_a_fixed_set_of_queries(demo, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recipient(demo.village, "张三丰")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    client.force_login(demo.user("clerk"))

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    pages = ("/funds/publicity/", f"/funds/publicity/villages/{demo.village.pk}/")
    before = [count(url) for url in pages]
    for _ in range(3):
        standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    assert [count(url) for url in pages] == before
