"""Pages and API of the clocks: the clock page and its extension form, the API endpoint, the
home-page alerts, the county dashboard, the export job with progress, failed tasks."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.clocks.services import clock_stop, scan_deadlines
from cases.models import Case, CaseClock, CaseEvent
from cases.workflow.tests.helpers import go, make_case
from relief.models import Job
from relief.workdays import add_workdays

D = datetime.date


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def accepted_case(demo, on: D | None = None, township=None):
    on = on or D(2026, 3, 2)
    case = make_case(township or demo.gushu)
    clerk = "clerk" if (township or demo.gushu) == demo.gushu else "clerk_wuxi"
    go(case, "accept", clerk, on=on)
    return case


def login(client, demo, username):
    client.force_login(demo.user(username))
    return client


def test_the_clock_page_shows_the_stored_due_date_and_the_extension_form_to_the_approver(
    client, demo
):
    case = accepted_case(demo)
    response = login(client, demo, "approver").get(reverse("cases:clock", args=[case.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "2026-03-30" in body
        and 'data-testid="extend-form"' in body
        and "最多还可延长 25 个工作日" in body
    )


def test_the_clerk_sees_the_clock_but_no_extension_form(client, demo):
    case = accepted_case(demo)
    body = login(client, demo, "clerk").get(reverse("cases:clock", args=[case.pk])).content.decode()
    assert "2026-03-30" in body and 'data-testid="extend-form"' not in body


def test_a_case_of_another_township_is_a_404_not_a_403(client, demo):
    case = accepted_case(demo, township=demo.wuxi)
    login(client, demo, "approver")
    assert client.get(reverse("cases:clock", args=[case.pk])).status_code == 404
    assert (
        client.post(
            reverse("cases:clock_extend", args=[case.pk]), {"extra_wd": 5, "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/api/cases/{case.pk}/clock/").status_code == 404


def test_extending_through_the_page_moves_the_due_date(client, demo):
    case = accepted_case(demo)
    login(client, demo, "approver")
    response = client.post(
        reverse("cases:clock_extend", args=[case.pk]), {"extra_wd": "10", "reason": "外地房产待核"}
    )
    assert response.status_code == 302
    assert CaseClock.objects.get(case=case).overall_due == D(2026, 4, 14)
    body = client.get(reverse("cases:clock", args=[case.pk])).content.decode()
    assert "外地房产待核" in body and "已延长办理时限至 2026-04-14" in body


def test_an_extension_beyond_the_maximum_shows_the_message_at_the_field(client, demo):
    case = accepted_case(demo)
    login(client, demo, "approver")
    response = client.post(
        reverse("cases:clock_extend", args=[case.pk]), {"extra_wd": "26", "reason": "理由"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-extra_wd"' in body and "不能超过 45 个工作日" in body
    assert 'value="26"' in body and "理由" in body  # the user's input is kept
    assert CaseClock.objects.get(case=case).extended_wd == 0
    assert not CaseEvent.objects.filter(case=case, transition="extend_deadline").exists()


def test_the_api_extends_and_refuses_beyond_the_maximum(client, demo):
    case = accepted_case(demo)
    login(client, demo, "approver")
    url = f"/api/cases/{case.pk}/extend-deadline/"
    ok = client.post(url, {"extra_wd": 25, "reason": "调查需要"}, content_type="application/json")
    assert (
        ok.status_code == 200
        and ok.json()["overall_due"] == add_workdays(D(2026, 3, 2), 45).isoformat()
        and ok.json()["can_extend_by"] == 0
    )
    refused = client.post(url, {"extra_wd": 1, "reason": "再延"}, content_type="application/json")
    assert (
        refused.status_code == 400
        and "不能超过 45 个工作日" in refused.json()["errors"]["extra_wd"][0]
    )
    assert client.get(f"/api/cases/{case.pk}/clock/").json()["extended_wd"] == 25


def test_the_township_home_page_lists_my_overdue_and_due_soon_cases_first(
    client, demo, django_assert_max_num_queries
):
    late = accepted_case(demo, on=D(2026, 3, 2))
    soon = accepted_case(demo, on=D(2026, 3, 16))
    go(soon, "start_investigation", "clerk", data={"on": "2026-04-09"})  # its step is on time
    scan_deadlines(today=D(2026, 4, 10))
    login(client, demo, "clerk")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("home"))
    body = response.content.decode()
    assert 'data-testid="clock-alerts"' in body
    assert body.index(late.number) < body.index(soon.number)
    assert body.count('data-testid="overdue-case"') == 1
    assert body.count('data-testid="due-soon-case"') == 1


def test_a_township_home_page_shows_no_alerts_from_another_township(client, demo):
    accepted_case(demo, on=D(2026, 3, 2))
    scan_deadlines(today=D(2026, 4, 10))
    body = login(client, demo, "clerk_wuxi").get(reverse("home")).content.decode()
    assert 'data-testid="clock-alerts"' not in body


def _decide(case, demo, on):
    Case.objects.filter(pk=case.pk).update(decided_on=on)
    clock = CaseClock.objects.get(case=case)
    clock_stop(clock, on, decided=True)
    clock.save()


def test_the_county_dashboard_shows_on_time_rate_median_and_p90_per_township(
    client, demo, django_assert_max_num_queries
):
    for days, accepted in [(10, D(2026, 3, 2)), (20, D(2026, 3, 2)), (40, D(2026, 3, 2))]:
        case = accepted_case(demo, on=accepted)
        _decide(case, demo, accepted + datetime.timedelta(days=days))
    accepted_case(demo, on=D(2026, 11, 2))  # open
    login(client, demo, "supervisor")
    with django_assert_max_num_queries(20):
        response = client.get(reverse("cases:dashboard"), {"year": 2026})
    assert response.status_code == 200
    gushu = next(r for r in response.context["rows"] if r["township"] == demo.gushu)
    # 10, 20, 40 calendar days from 3/2 = 8, 14 and 28 working days (4/4–4/6 off).
    assert gushu["decided"] == 3 and gushu["on_time"] == 2
    assert gushu["median_wd"] == 14 and gushu["p90_wd"] == 28
    assert gushu["open"] == 1
    body = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in body and "cdn" not in body.lower()
    assert 'id="throughput-data"' in body
    assert len(response.context["rows"]) == 5


def test_the_dashboard_is_not_for_village_assistants(client, demo):
    assert login(client, demo, "assistant").get(reverse("cases:dashboard")).status_code == 403


def test_the_export_runs_as_a_job_with_progress_and_only_the_owner_downloads_it(
    client, demo, django_capture_on_commit_callbacks
):
    case = accepted_case(demo)
    _decide(case, demo, D(2026, 3, 20))
    login(client, demo, "supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:dashboard_export"), {"year": "2026"})
    job = Job.objects.get(kind="statistics_export")
    assert response.url == reverse("cases:job", args=[job.pk])
    assert (
        job.status == Job.Status.DONE
        and job.progress == 100
        and job.owner == demo.user("supervisor")
    )
    page = client.get(response.url).content.decode()
    assert 'data-testid="job-download"' in page and 'hx-trigger="every 1s"' not in page
    download = client.get(reverse("cases:job_download", args=[job.pk]))
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.sheetnames == ["按乡镇统计", "在办案件", "月度受理与办结"]
    rows = list(wb["按乡镇统计"].iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == "姑孰镇" and rows[0][1] == 1 and rows[0][3] == "100.0%"
    login(client, demo, "admin")
    assert client.get(reverse("cases:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("cases:job", args=[job.pk])).status_code == 404


def test_a_running_job_page_polls_every_second(client, demo):
    job = Job.objects.create(
        kind="statistics_export",
        owner=demo.user("supervisor"),
        status=Job.Status.RUNNING,
        progress=40,
    )
    login(client, demo, "supervisor")
    fragment = client.get(reverse("cases:job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "40%" in fragment


def test_failed_tasks_are_listed_for_administrators_only(client, demo):
    Job.objects.create(
        kind="cases.tasks.scan_deadlines",
        status=Job.Status.FAILED,
        message="OperationalError: 数据库不可用",
        traceback="Traceback …",
    )
    assert login(client, demo, "supervisor").get(reverse("cases:failed_tasks")).status_code == 403
    body = login(client, demo, "admin").get(reverse("cases:failed_tasks")).content.decode()
    assert "cases.tasks.scan_deadlines" in body and "数据库不可用" in body
