"""The staff pages of the notice: a clerk or village assistant gathers, publishes, prints
and photographs a batch; bad input comes back at the field with nothing saved; another
township's batch and another village's (for an assistant) answer 404; the list warns of a
missing posting photo one working day after publication."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from archive.models import Document
from cases.models import CaseState
from cases.notices.models import BatchState, NoticeBatch, NoticeKind, Objection
from cases.notices.services import batch_create, batch_publish
from cases.workflow.tests.helpers import make_case, make_user
from relief.models import Region, Role
from tests.factories import CaseFactory, HouseholdFactory

#: A Wednesday with working days around it (2026: no holiday that week).
WEDNESDAY = datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC)


def _login(client, user):
    client.force_login(user)
    return client


def _draft(demo, cases, *, actor="clerk", starts_on=None):
    return batch_create(
        actor=demo.user(actor),
        village=Region.objects.get(pk=cases[0].village_id),
        kind=NoticeKind.PRE,
        cases=cases,
        starts_on=starts_on or timezone.localdate(),
        place="城东社区公示栏",
        phone="0555-6661234",
    )


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, format="PNG")
    buf.seek(0)
    buf.name = "posted.png"
    return buf


@pytest.mark.django_db
def test_a_village_assistant_gathers_publishes_and_photographs_a_batch_of_their_village(
    client, demo
):
    ready = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    not_ready = make_case(demo.gushu, force_state=CaseState.REVIEW)
    _login(client, demo.user("assistant"))

    page = client.get(reverse("cases:notice_batch_new"))  # one village: chosen already
    body = page.content.decode()
    assert page.status_code == 200
    assert ready.number in body and not_ready.number not in body
    assert "12349" in body and "7 天" in body

    response = client.post(
        reverse("cases:notice_batch_new"),
        {
            "village": ready.village_id,
            "kind": NoticeKind.PRE,
            "cases": [ready.pk],
            "starts_on": timezone.localdate().isoformat(),
            "place": "城东社区公示栏",
            "phone": "0555-6661234",
        },
    )
    batch = NoticeBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:notice_batch", args=[batch.pk])

    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="publish-form"' in detail and "0555-6661234" in detail
    response = client.post(
        reverse("cases:notice_batch_publish", args=[batch.pk]),
        {"starts_on": timezone.localdate().isoformat(), "place": "城东社区党群服务中心"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.state, batch.place) == (BatchState.PUBLISHED, "城东社区党群服务中心")

    detail = client.get(reverse("cases:notice_batch", args=[batch.pk])).content.decode()
    # A phone opens its camera on the file input; only images are offered.
    assert 'accept="image/jpeg,image/png"' in detail and 'capture="environment"' in detail
    response = client.post(reverse("cases:notice_batch_photo", args=[batch.pk]), {"file": _png()})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.photo_uploaded_at is not None
    assert Document.objects.filter(case=ready, title__contains=batch.number).count() == 1
    # The batch records the SHA-256 of the stored bytes and its page shows it.
    stored = Document.objects.get(case=ready, title__contains=batch.number)
    with stored.file.open("rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    assert batch.photo_sha256 == digest == stored.sha256
    detail = client.get(reverse("cases:notice_batch", args=[batch.pk])).content.decode()
    assert f'data-testid="photo-sha256">{digest}<' in detail


@pytest.mark.django_db
def test_bad_input_comes_back_at_the_field_in_chinese_and_nothing_is_saved(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    _login(client, demo.user("clerk"))
    response = client.post(
        reverse("cases:notice_batch_new"),
        {
            "village": case.village_id,
            "kind": NoticeKind.PRE,
            "starts_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "place": "",
            "phone": "0555-6661234",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "data-error-summary" in body
    assert 'data-testid="error-cases"' in body and "请至少选择一户" in body
    assert 'data-testid="error-place"' in body
    assert not NoticeBatch.objects.exists()

    # The service's own refusal (a start in the past) lands at its field too.
    response = client.post(
        reverse("cases:notice_batch_new"),
        {
            "village": case.village_id,
            "kind": NoticeKind.PRE,
            "cases": [case.pk],
            "starts_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "place": "公示栏",
            "phone": "0555-6661234",
        },
    )
    assert response.status_code == 400
    assert "公示开始日期不能早于今天" in response.content.decode()
    assert not NoticeBatch.objects.exists()

    batch = _draft(demo, [case])
    response = client.post(
        reverse("cases:notice_batch_photo", args=[batch.pk]),
        {"file": io.BytesIO(b"%PDF-1.4 not a photo")},
    )
    assert response.status_code == 400
    assert "公示发布后才能上传张贴照片" in response.content.decode()
    response = client.post(reverse("cases:notice_batch_withdraw", args=[batch.pk]), {"reason": ""})
    assert response.status_code == 400 and "请填写撤回理由" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT


@pytest.mark.django_db
def test_another_townships_batch_and_another_villages_for_an_assistant_answer_404(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = _draft(demo, [case])
    other_village = Region.objects.filter(parent=demo.gushu).order_by("code")[1]
    neighbour = make_user("assistant_next_door", Role.VILLAGE_ASSISTANT, other_village)
    urls = [
        reverse("cases:notice_batch", args=[batch.pk]),
        reverse("cases:notice_batch_pdf", args=[batch.pk]),
    ]
    for user in (demo.user("clerk_huangchi"), neighbour):
        _login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(
            reverse("cases:notice_batch_publish", args=[batch.pk]),
            {"starts_on": timezone.localdate().isoformat(), "place": "x"},
        )
        assert response.status_code == 404
        listing = client.get(reverse("cases:notice_batches")).content.decode()
        assert batch.number not in listing
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    # The township's own clerk and the village's assistant see it.
    for user in (demo.user("clerk"), demo.user("assistant")):
        assert _login(client, user).get(urls[0]).status_code == 200


@pytest.mark.django_db
def test_a_draft_loses_a_case_before_publication_only(client, demo):
    first = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    second = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = _draft(demo, [first, second])
    _login(client, demo.user("clerk"))
    client.post(reverse("cases:notice_batch_remove", args=[batch.pk, second.pk]))
    assert list(batch.entries.values_list("case_id", flat=True)) == [first.pk]
    batch_publish(batch=batch, actor=demo.user("clerk"))
    response = client.post(reverse("cases:notice_batch_remove", args=[batch.pk, first.pk]))
    assert response.status_code == 302
    assert batch.entries.count() == 1
    page = client.get(reverse("cases:notice_batch", args=[batch.pk])).content.decode()
    assert "公示已发布，不能再移出案件" in page


@pytest.mark.django_db
def test_the_clerk_records_an_objection_at_the_township_and_its_feedback(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_draft(demo, [case]), actor=demo.user("clerk"))
    _login(client, demo.user("clerk"))
    url = reverse("cases:notice_batch_objection", args=[batch.pk])
    response = client.post(url, {"case": case.pk, "text": "该户有营运车辆"})
    assert response.status_code == 400
    assert "请填写异议人姓名，或勾选匿名" in response.content.decode()
    assert not Objection.objects.exists()

    response = client.post(
        url,
        {"case": case.pk, "raised_by": "王五", "contact": "13900001111", "text": "该户有营运车辆"},
    )
    objection = Objection.objects.get()
    assert response["Location"] == reverse("cases:notice_objection", args=[objection.pk])
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION

    page = reverse("cases:notice_objection", args=[objection.pk])
    assert client.post(page, {"feedback": ""}).status_code == 400
    client.post(page, {"feedback": "经重新入户调查，车辆已于去年转让，维持原结论"})
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ANSWERED
    # The village assistant does not see who objected.
    _login(client, demo.user("assistant"))
    assert client.get(page).status_code == 403
    assert "王五" not in client.get(reverse("cases:notice_batch", args=[batch.pk])).content.decode()


@pytest.mark.django_db
def test_the_list_warns_of_a_missing_posting_photo_after_one_working_day(client, demo):
    with time_machine.travel(WEDNESDAY, tick=False):
        case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
        batch = batch_publish(batch=_draft(demo, [case]), actor=demo.user("clerk"))
        _login(client, demo.user("clerk"))
        listing = client.get(reverse("cases:notice_batches")).content.decode()
        assert 'data-testid="photo-missing"' not in listing
    with time_machine.travel(WEDNESDAY + datetime.timedelta(days=1), tick=False):
        _login(client, demo.user("clerk"))  # the session has expired overnight
        listing = client.get(reverse("cases:notice_batches")).content.decode()
        assert 'data-testid="photo-missing"' in listing
        assert 'data-testid="photo-warning-summary"' in listing
        detail = client.get(reverse("cases:notice_batch", args=[batch.pk])).content.decode()
        assert 'data-testid="photo-warning"' in detail


@pytest.mark.django_db
def test_the_batch_list_answers_in_a_fixed_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    for _ in range(6):
        case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
        batch_publish(batch=_draft(demo, [case]), actor=demo.user("clerk"))
    _login(client, demo.user("clerk"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:notice_batches"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="batch-row"') == 6


@pytest.mark.django_db
def test_the_county_dashboard_counts_open_batches_and_objections_per_township(client, demo):
    on_wall = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    objected = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_draft(demo, [on_wall, objected]), actor=demo.user("clerk"))
    _draft(demo, [make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)])
    _login(client, demo.user("clerk"))
    client.post(
        reverse("cases:notice_batch_objection", args=[batch.pk]),
        {"case": objected.pk, "anonymous": "on", "text": "该户子女有稳定收入"},
    )
    response = _login(client, demo.user("supervisor")).get(reverse("cases:dashboard"))
    rows = {r["township"].code: r for r in response.context["notices"]}
    assert len(rows) == 5
    gushu = rows[demo.gushu.code]
    assert (gushu["published"], gushu["drafts"], gushu["objections_open"]) == (1, 1, 1)
    assert rows[demo.huangchi.code]["published"] == 0
    assert 'data-testid="notice-stats"' in response.content.decode()


@pytest.mark.django_db
def test_a_case_on_notice_links_to_its_batches(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_draft(demo, [case]), actor=demo.user("clerk"))
    other = _draft(demo, [make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)])
    _login(client, demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    link = f"{reverse('cases:notice_batches')}?case={case.pk}"
    assert f'href="{link}"' in page
    listing = client.get(link).content.decode()
    assert batch.number in listing and other.number not in listing


@pytest.mark.django_db
def test_a_batch_is_withdrawn_with_a_reason_before_its_start_only(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    later = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    _login(client, demo.user("clerk"))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    batch = batch_publish(batch=_draft(demo, [later], starts_on=tomorrow), actor=demo.user("clerk"))
    url = reverse("cases:notice_batch_withdraw", args=[batch.pk])
    assert client.post(url, {"reason": "名单有误，重新核对后发布"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.state, batch.withdrawn_reason) == (
        BatchState.WITHDRAWN,
        "名单有误，重新核对后发布",
    )

    started = batch_publish(batch=_draft(demo, [case]), actor=demo.user("clerk"))
    page = client.get(reverse("cases:notice_batch", args=[started.pk])).content.decode()
    assert 'data-testid="withdraw-form"' not in page  # not offered once it has started
    response = client.post(
        reverse("cases:notice_batch_withdraw", args=[started.pk]), {"reason": "名单有误"}
    )
    assert response.status_code == 400
    assert "公示已开始，不能撤回" in response.content.decode()
    started.refresh_from_db()
    assert started.state == BatchState.PUBLISHED


@pytest.mark.django_db
def test_a_case_of_another_village_cannot_be_slipped_into_a_batch(client, demo):
    here = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    other_village = Region.objects.filter(parent=demo.gushu).order_by("code")[1]
    elsewhere = CaseFactory(
        household=HouseholdFactory(village=other_village, township=demo.gushu),
        documents_complete=True,
        force_state=CaseState.PRE_NOTICE,
    )
    _login(client, demo.user("clerk"))
    response = client.post(
        reverse("cases:notice_batch_new"),
        {
            "village": here.village_id,
            "kind": NoticeKind.PRE,
            "cases": [here.pk, elsewhere.pk],
            "starts_on": timezone.localdate().isoformat(),
            "place": "公示栏",
            "phone": "0555-6661234",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-cases"' in response.content.decode()
    assert not NoticeBatch.objects.exists()


@pytest.mark.django_db
def test_an_objection_recorded_before_the_first_day_is_refused_on_the_batch_page(client, demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    starts_on = timezone.localdate() + datetime.timedelta(days=2)
    batch = batch_publish(batch=_draft(demo, [case], starts_on=starts_on), actor=demo.user("clerk"))
    _login(client, demo.user("clerk"))
    response = client.post(
        reverse("cases:notice_batch_objection", args=[batch.pk]),
        {"case": case.pk, "raised_by": "王五", "text": "该户有营运车辆"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "本批公示尚未开始" in body and "data-error-summary" in body
    assert not Objection.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE and not case.complaint_flag
