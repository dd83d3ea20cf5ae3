import csv
import datetime
import io
import os
import subprocess
import time
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from archive.exports import build as export_build_module
from archive.exports.build import export_build, export_file_path
from archive.exports.cleanup import export_delete_expired
from archive.exports.services import export_cancel, export_request
from archive.models import ArchiveAccessLog, ArchiveExport, CaseFileRecord
from archive.tests.helpers import decided_case
from cases.models import CaseState
from relief.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def criteria(*townships, **kw):
    return {
        "townships": [t.pk for t in townships],
        "types": ["dibao_rural"],
        "states": [CaseState.PAYING, CaseState.CONFIRMED],
        "date_from": datetime.date(2026, 10, 1),
        "date_to": datetime.date(2026, 10, 31),
        **kw,
    }


def form_data(*townships, **kw):
    data = criteria(*townships, **kw)
    return {
        **data,
        "townships": [str(t) for t in data["townships"]],
        "date_from": data["date_from"].isoformat() if data["date_from"] else "",
        "date_to": data["date_to"].isoformat() if data["date_to"] else "",
    }


@pytest.fixture
def three_cases(demo):
    second_village = Region.objects.filter(parent=demo.gushu).exclude(pk=demo.village.pk).first()
    return [
        decided_case(demo.village, name="张三丰"),
        decided_case(demo.village, name="李四"),
        decided_case(second_village, name="王小二", state=CaseState.CONFIRMED),
    ]


def start_export(user, data, capture):
    with capture(execute=True):
        export = export_request(user=user, data=data)
    export.refresh_from_db()
    return export


def download(client, user, export):
    client.force_login(user)
    response = client.get(reverse("archive:export_download", args=[export.pk]))
    return response


def test_a_supervisor_export_has_a_folder_per_village_and_a_manifest_sha256sum_accepts(
    demo, three_cases, client, tmp_path, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    decided_case(demo.village, decided_on=datetime.date(2026, 9, 30))  # outside the range
    export = start_export(supervisor, criteria(demo.gushu), django_capture_on_commit_callbacks)
    assert export.status == ArchiveExport.Status.DONE, export.message
    assert export.total == export.done == 3
    response = download(client, supervisor, export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert len(pdfs) == 3
    villages = {os.path.dirname(n) for n in pdfs}
    assert len(villages) == 2 and all(v.startswith("姑孰镇/") for v in villages)
    assert any(n.endswith("_张**.pdf") for n in pdfs) and any(n.endswith("_李*.pdf") for n in pdfs)
    check = subprocess.run(
        ["sha256sum", "-c", "manifest.sha256"], cwd=folder, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 4  # three files and the manifest
    with open(folder / "manifest.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["档号", "案件编号", "文件名", "页数", "SHA-256", "生成时间"]
    assert sorted(r[2] for r in rows[1:]) == pdfs
    records = {r.case.number: r for r in CaseFileRecord.objects.filter(export=export)}
    for archive_number, case_number, name, pages, sha, _ in rows[1:]:
        record = records[case_number]
        assert (record.archive_number, record.file_name) == (archive_number, name)
        assert record.sha256 == sha and record.pages == int(pages)


def test_a_retried_run_after_a_worker_died_gives_the_same_manifest(
    demo, three_cases, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    export = start_export(supervisor, criteria(demo.gushu), django_capture_on_commit_callbacks)
    path = export_file_path(export)
    with zipfile.ZipFile(path) as archive:
        first = archive.read("manifest.sha256")
    with open(path, "rb") as handle:
        first_zip = handle.read()
    # The worker died mid-run: the row still says running, a partial file is left behind.
    os.remove(path)
    ArchiveExport.objects.filter(pk=export.pk).update(
        status=ArchiveExport.Status.RUNNING, done=1, file_path=""
    )
    stale = path + ".1234-deadbeef.part"
    with open(stale, "wb") as handle:
        handle.write(b"half a zip")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    export_build(export.job_id)
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.DONE
    assert os.listdir(os.path.dirname(path)) == [os.path.basename(path)]
    with zipfile.ZipFile(export_file_path(export)) as archive:
        assert archive.read("manifest.sha256") == first
    with open(export_file_path(export), "rb") as handle:
        assert handle.read() == first_zip
    assert CaseFileRecord.objects.filter(export=export).count() == 3
    export_build(export.job_id)  # delivered once more after it finished: nothing changes
    assert CaseFileRecord.objects.filter(export=export).count() == 3


def test_a_run_that_dies_leaves_no_zip_to_download(
    demo, three_cases, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    real = export_build_module.case_file_generate

    def dying(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for the worker being killed
        return real(**kwargs)

    monkeypatch.setattr(export_build_module, "case_file_generate", dying)
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=demo.user("supervisor"), data=criteria(demo.gushu))
    with pytest.raises(KeyboardInterrupt):
        export_build(export.job_id)
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.RUNNING and not export.file_path
    for _root, _dirs, files in os.walk(export_build_module.settings.MEDIA_ROOT):
        assert not [f for f in files if f.endswith(".zip") or f.endswith(".part")]


def test_an_empty_selection_or_a_range_without_cases_is_refused_with_no_zip(
    demo, three_cases, client
):
    client.force_login(demo.user("supervisor"))
    url = reverse("archive:exports")
    page = client.post(url, {"date_from": "2026-10-01", "date_to": "2026-10-31"})
    text = page.content.decode()
    assert "请至少选择一个乡镇(街道)" in text and "请至少选择一种救助类型" in text
    page = client.post(
        url,
        form_data(
            demo.gushu, date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 1, 31)
        ),
    )
    assert "没有案件（0 件）" in page.content.decode()
    page = client.post(url, form_data(demo.gushu, date_from=datetime.date(2026, 11, 1)))
    assert "决定日期止不能早于决定日期起" in page.content.decode()
    assert not ArchiveExport.objects.exists()


def test_a_clerk_may_not_export_another_townships_cases(demo, three_cases, client):
    decided_case(Region.objects.filter(parent=demo.huangchi).first())
    client.force_login(demo.user("clerk"))
    page = client.post(reverse("archive:exports"), form_data(demo.gushu, demo.huangchi))
    assert "不能导出其他乡镇(街道)的案件" in page.content.decode()
    assert not ArchiveExport.objects.exists()
    api = client.post(
        "/api/archive/exports/",
        {**form_data(demo.huangchi), "townships": [demo.huangchi.pk]},
        content_type="application/json",
    )
    assert api.status_code == 400 and "不能导出其他乡镇" in api.content.decode()


def test_a_clerk_exports_their_own_township_through_the_api(
    demo, three_cases, client, django_capture_on_commit_callbacks
):
    client.force_login(demo.user("clerk"))
    body = {**form_data(demo.gushu), "townships": [demo.gushu.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/archive/exports/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    status = client.get(f"/api/archive/exports/{created.json()['id']}/").json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3
    zip_response = client.get(status["download_url"])
    assert zip_response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(zip_response.streaming_content))).testzip() is None


def test_a_download_is_refused_when_rights_changed_and_others_cannot_see_it(
    demo, three_cases, client, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    export = start_export(supervisor, criteria(demo.gushu), django_capture_on_commit_callbacks)
    assert download(client, demo.user("clerk"), export).status_code == 404
    supervisor.region = demo.huangchi  # moved to a township that does not hold these cases
    supervisor.role = "township_clerk"
    supervisor.save()
    refused = download(client, supervisor, export)
    assert refused.status_code == 403
    assert "权限已变更" in refused.content.decode()
    log = ArchiveAccessLog.objects.filter(export=export).order_by("pk")
    assert [entry.action for entry in log] == ["request", "refused"]
    assert log[1].case_ids == export.case_ids


def test_every_request_and_download_is_logged_with_its_cases(
    demo, three_cases, client, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    export = start_export(supervisor, criteria(demo.gushu), django_capture_on_commit_callbacks)
    assert download(client, supervisor, export).status_code == 200
    log = list(ArchiveAccessLog.objects.filter(export=export).order_by("pk"))
    assert [(e.action, e.actor) for e in log] == [("request", supervisor), ("download", supervisor)]
    assert sorted(log[1].case_ids) == sorted(c.pk for c in three_cases)


def test_a_cancelled_export_makes_no_zip(demo, three_cases, django_capture_on_commit_callbacks):
    supervisor = demo.user("supervisor")
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=supervisor, data=criteria(demo.gushu))
    export_cancel(export=export, actor=supervisor)
    export_build(export.job_id)
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.CANCELLED and not export.file_path
    assert export.job.message == "已取消"


def test_a_cancel_during_the_run_stops_it_and_removes_the_partial_file(
    demo, three_cases, monkeypatch, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=supervisor, data=criteria(demo.gushu))
    real = export_build_module.case_file_generate

    def cancel_after_first(**kwargs):
        result = real(**kwargs)
        ArchiveExport.objects.filter(pk=export.pk).update(cancel_requested=True)
        return result

    monkeypatch.setattr(export_build_module, "case_file_generate", cancel_after_first)
    export_build(export.job_id)
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.CANCELLED and export.done == 1
    for _root, _dirs, files in os.walk(export_build_module.settings.MEDIA_ROOT):
        assert files == []


def test_exports_older_than_the_setting_are_deleted(
    demo, three_cases, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    export = start_export(supervisor, criteria(demo.gushu), django_capture_on_commit_callbacks)
    path = export_file_path(export)
    assert export_delete_expired(now=timezone.now() + datetime.timedelta(days=6)) == 0
    assert os.path.exists(path)
    assert export_delete_expired(now=timezone.now() + datetime.timedelta(days=8)) == 1
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.EXPIRED and not os.path.exists(path)


def test_the_progress_fragment_polls_until_done_and_offers_the_download(
    demo, three_cases, client, django_capture_on_commit_callbacks
):
    supervisor = demo.user("supervisor")
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=supervisor, data=criteria(demo.gushu))
    fragment = client.get(reverse("archive:export_progress", args=[export.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "0/3 件" in fragment
    export_build(export.job_id)
    fragment = client.get(reverse("archive:export_progress", args=[export.pk])).content.decode()
    assert "hx-trigger" not in fragment and "3/3 件" in fragment
    assert 'data-testid="export-download"' in fragment
