"""The clerk's on-demand regeneration of a standing list runs as a background job (Celery,
queued after commit): the page and the API answer at once; a second request while the job
is queued or running queues nothing more, and a repeated request for an unchanged list makes
no second version. Tests run tasks eagerly (conftest's celery_eager_by_default)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from funds.publicity.models import StandingList
from funds.publicity.services import STANDING_JOB_KIND, standing_list_run_job
from funds.publicity.tests.helpers import recipient
from relief.models import Job


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _url(village) -> str:
    return f"/funds/publicity/villages/{village.pk}/generate/"


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_the_button_queues_a_job_and_answers_at_once_then_the_version_appears(
    demo, client, django_capture_on_commit_callbacks
):
    from relief.celery import app

    # (eager in every test, REDIS_URL or not: conftest's celery_eager_by_default)
    assert app.conf.task_always_eager
    recipient(demo.village, "张三丰")
    client.force_login(demo.user("clerk"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(_url(demo.village), follow=True)
        # Answered before anything ran: a queued job, no version yet, the page says so.
        body = response.content.decode()
        assert response.status_code == 200
        assert "已开始生成长期公示名单，稍后刷新本页查看新版本" in body
        assert 'data-testid="generate-pending"' in body
        job = Job.objects.get(kind=STANDING_JOB_KIND)
        assert job.status == Job.Status.PENDING and job.owner == demo.user("clerk")
        assert not StandingList.objects.exists()
        # A second click while it is queued queues nothing more.
        again = client.post(_url(demo.village), follow=True).content.decode()
        assert "已在生成中，请勿重复提交" in again
        assert Job.objects.filter(kind=STANDING_JOB_KIND).count() == 1
    assert len(queued) == 1
    queued[0]()  # the worker (eager) runs the one job
    version = StandingList.objects.get()
    assert version.created_by == demo.user("clerk") and version.households == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.params["version"] == version.pk
    assert "已生成" in job.message
    page = client.get(f"/funds/publicity/villages/{demo.village.pk}/").content.decode()
    assert 'data-testid="generate-pending"' not in page
    assert f"/funds/publicity/lists/{version.pk}/pdf/" in page


@pytest.mark.django_db
def test_two_requests_make_one_version_and_a_changed_register_makes_a_new_one(
    demo, client, django_capture_on_commit_callbacks
):
    recipient(demo.village, "张三丰")
    client.force_login(demo.user("clerk"))
    for _ in range(2):  # one after the other, each job run to its end
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(_url(demo.village)).status_code == 302
    assert StandingList.objects.count() == 1
    jobs = list(Job.objects.filter(kind=STANDING_JOB_KIND).order_by("pk"))
    assert [j.status for j in jobs] == [Job.Status.DONE, Job.Status.DONE]
    assert "未另存新版本" in jobs[1].message
    # the task delivered twice (a retry) is the same
    assert standing_list_run_job(job_id=jobs[1].pk) == StandingList.objects.get()
    assert StandingList.objects.count() == 1

    recipient(demo.village, "王小明")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(demo.village))
    assert list(StandingList.objects.order_by("pk").values_list("households", flat=True)) == [
        1,
        2,
    ]


@pytest.mark.django_db
def test_the_api_answers_202_and_a_second_request_while_pending_reuses_the_job(
    demo, django_capture_on_commit_callbacks
):
    recipient(demo.village, "张三丰")
    api = _api(demo.user("clerk"))
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(f"/api/publicity/villages/{demo.village.pk}/generate/")
        second = api.post(f"/api/publicity/villages/{demo.village.pk}/generate/")
    assert (first.status_code, second.status_code) == (202, 202)
    one, two = first.json(), second.json()
    assert one["created"] is True and two["created"] is False
    assert one["job"] == two["job"] and one["status"] == Job.Status.PENDING
    assert one["message"] == "已开始生成长期公示名单，稍后刷新本页查看新版本"
    assert one["village"] == demo.village.pk
    assert StandingList.objects.count() == 1
    assert Job.objects.get(pk=one["job"]).status == Job.Status.DONE
    # refused before anything is queued
    other = _api(demo.user("clerk_huangchi"))
    assert other.post(f"/api/publicity/villages/{demo.village.pk}/generate/").status_code == 404
    approver = _api(demo.user("approver"))
    assert approver.post(f"/api/publicity/villages/{demo.village.pk}/generate/").status_code == 403
    assert Job.objects.filter(kind=STANDING_JOB_KIND).count() == 1
