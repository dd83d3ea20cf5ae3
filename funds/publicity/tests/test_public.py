"""The public pages (no login): a village's open notices and standing list, a batch's QR
page with the objection form. Nothing the paper does not show, every input escaped, never
an unmasked name, another village's case never there; cacheable (ETag, max-age) and a
fixed number of queries whatever the village's size."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseState
from cases.notices.models import Objection
from cases.notices.services import batch_create
from funds.publicity.services import standing_list_generate
from funds.publicity.tests.helpers import named_case, published_batch, recipient
from relief.models import Region


@pytest.fixture(autouse=True)
def media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # the objection rate limit counts per address in the cache
    yield
    cache.clear()


def _village_url(village) -> str:
    return f"/public/villages/{village.code}/"


def _batch_url(batch) -> str:
    return f"/public/notices/{batch.token}/"


@pytest.mark.django_db
def test_the_pages_need_no_login_and_show_masked_names_only(demo, client):
    one = named_case(demo.village, "李")
    four = named_case(demo.village, "张三丰华")
    batch = published_batch(demo.user("clerk"), demo.village, [one, four])
    recipient(demo.village, "欧阳建国")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    for url in (_village_url(demo.village), _batch_url(batch)):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "李*" in body and "张***" in body
        assert one.assistance_type.name in body  # the paper's columns: type, size, amount
        for secret in ("张三丰华", "三丰华", one.applicant.id_number, four.applicant.id_number):
            assert secret not in body
        assert one.household.address not in body and one.number not in body
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.get("Vary", "")
    village_body = client.get(_village_url(demo.village)).content.decode()
    assert (
        "欧阳**" in village_body and "欧阳建国" not in village_body and "建国" not in village_body
    )


@pytest.mark.django_db
def test_a_case_of_another_village_never_appears(demo, client):
    mine = named_case(demo.village, "张三")
    other_village = Region.objects.filter(parent=demo.gushu, level=Region.Level.VILLAGE).exclude(
        pk=demo.village.pk
    )[0]
    theirs = named_case(other_village, "钱多多")
    published_batch(demo.user("clerk"), demo.village, [mine])
    other_batch = published_batch(demo.user("clerk"), other_village, [theirs])
    recipient(other_village, "孙悟空")
    standing_list_generate(village=other_village, actor=demo.user("clerk"))
    body = client.get(_village_url(demo.village)).content.decode()
    assert "张*" in body
    assert "钱**" not in body and "孙**" not in body and other_batch.number not in body
    assert other_batch.token not in body


@pytest.mark.django_db
def test_input_is_escaped_and_drafts_are_not_public(demo, client):
    case = named_case(demo.village, "张三")
    batch = published_batch(
        demo.user("clerk"), demo.village, [case], place='<script>alert("x")</script>公示栏'
    )
    body = client.get(_batch_url(batch)).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    pending = batch_create(
        actor=demo.user("clerk"),
        village=demo.village,
        kind="pre",
        cases=[named_case(demo.village, "赵六")],
        starts_on=timezone.localdate(),
        place="公示栏",
        phone="123",
    )
    assert client.get(_batch_url(pending)).status_code == 404
    assert client.get("/public/villages/000000000000/").status_code == 404


@pytest.mark.django_db
def test_pages_are_cacheable_and_answer_304_when_unchanged(demo, client, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 600
    batch = published_batch(demo.user("clerk"), demo.village, [named_case(demo.village, "张三")])
    for url in (_village_url(demo.village), _batch_url(batch)):
        first = client.get(url)
        assert "public" in first["Cache-Control"] and "max-age=600" in first["Cache-Control"]
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["ETag"] == first["ETag"]
    before = client.get(_village_url(demo.village))["ETag"]
    published_batch(demo.user("clerk"), demo.village, [named_case(demo.village, "王五")])
    assert client.get(_village_url(demo.village))["ETag"] != before


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_a_village_page_costs_a_fixed_set_of_queries(demo, client, django_assert_num_queries):
    published_batch(demo.user("clerk"), demo.village, [named_case(demo.village, "张三")])
    recipient(demo.village, "李四")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    small = _queries(client, _village_url(demo.village))
    cases = [named_case(demo.village, f"王{i}丰") for i in range(12)]
    published_batch(demo.user("clerk"), demo.village, cases)
    for i in range(15):
        recipient(demo.village, f"赵{i}")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    # village, ETag (batches, latest list), batches, their rows, the standing list
    with django_assert_num_queries(6):
        response = client.get(_village_url(demo.village))
    assert response.content.decode().count("王*") == 12
    assert small == 6
    with django_assert_num_queries(3):  # village and the ETag only
        assert (
            client.get(_village_url(demo.village), HTTP_IF_NONE_MATCH=response["ETag"]).status_code
            == 304
        )


@pytest.mark.django_db
def test_the_standing_list_is_shown_a_page_at_a_time(demo, client, settings):
    settings.PUBLIC_STANDING_PAGE_SIZE = 10
    for i in range(23):
        recipient(demo.village, f"钱{i}")
    standing_list_generate(village=demo.village, actor=demo.user("clerk"))
    first = client.get(_village_url(demo.village)).content.decode()
    assert first.count("钱*") == 10 and "第 1 / 3 页" in first and "?page=2" in first
    last = client.get(_village_url(demo.village) + "?page=3")
    body = last.content.decode()
    assert body.count("钱*") == 3 and "<td>21</td>" in body and "?page=2" in body
    assert last["ETag"] != client.get(_village_url(demo.village))["ETag"]
    # a page past the end is the last page; junk is the first page, never an error
    assert client.get(_village_url(demo.village) + "?page=99").content.decode().count("钱*") == 3
    for junk in ("abc", "-1", "0", "²", "１", "9" * 20):
        response = client.get(_village_url(demo.village), {"page": junk})
        assert response.status_code == 200 and response.content.decode().count("钱*") == 10


@pytest.mark.django_db
def test_an_objection_from_the_public_page_opens_the_objection_route(demo, client):
    case = named_case(demo.village, "张三")
    named_case(demo.village, "李四")
    batch = published_batch(demo.user("clerk"), demo.village, [case])
    response = client.post(
        f"{_batch_url(batch)}objection/",
        {"household": "1", "text": "该户家中有小轿车一辆", "contact": "13900000000"},
    )
    assert response.status_code == 200, response.content.decode()
    assert "异议已登记，案件转入异议复查" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION
    objection = Objection.objects.get()
    assert objection.channel == Objection.Channel.ONLINE and not objection.is_complaint
    assert objection.client_address == "127.0.0.1" and objection.recorded_by is None


@pytest.mark.django_db
def test_a_late_objection_is_recorded_as_a_complaint_with_a_message_saying_so(
    demo, client, monkeypatch
):
    case = named_case(demo.village, "张三")
    batch = published_batch(demo.user("clerk"), demo.village, [case])
    moved = timezone.now() + datetime.timedelta(days=batch.days + 2)
    monkeypatch.setattr(timezone, "now", lambda: moved)
    page = client.get(_batch_url(batch)).content.decode()
    assert "公示期已结束" in page and "按投诉举报登记" in page
    response = client.post(f"{_batch_url(batch)}objection/", {"household": "1", "text": "有房"})
    body = response.content.decode()
    assert response.status_code == 200 and "已按投诉举报登记" in body
    assert Objection.objects.get().is_complaint
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE and case.complaint_flag


@pytest.mark.django_db
def test_an_oversized_or_non_text_objection_is_refused_at_the_field(demo, client):
    case = named_case(demo.village, "张三")
    batch = published_batch(demo.user("clerk"), demo.village, [case])
    url = f"{_batch_url(batch)}objection/"
    long = client.post(url, {"household": "1", "text": "字" * 1001})
    assert long.status_code == 400
    assert "异议内容不能超过1000字" in long.content.decode()
    assert 'data-testid="error-text"' in long.content.decode()
    binary = client.post(url, {"household": "1", "text": "\x01\x02\x03"})
    assert binary.status_code == 400
    assert 'data-testid="error-text"' in binary.content.decode()
    assert "须为文字" in binary.content.decode()
    nobody = client.post(url, {"household": "9", "text": "有异议"})
    assert nobody.status_code == 400 and 'data-testid="error-household"' in nobody.content.decode()
    assert not Objection.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE


@pytest.mark.django_db
def test_the_public_form_is_rate_limited_per_address(demo, client):
    batch = published_batch(demo.user("clerk"), demo.village, [named_case(demo.village, "张三")])
    url = f"{_batch_url(batch)}objection/"
    for _ in range(5):  # the policy's default: 5 per address and hour
        client.post(url, {"household": "1", "text": "有异议"}, REMOTE_ADDR="10.0.0.9")
    refused = client.post(url, {"household": "1", "text": "有异议"}, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 400 and "提交过于频繁" in refused.content.decode()
    other = client.post(url, {"household": "1", "text": "有异议"}, REMOTE_ADDR="10.0.0.10")
    assert other.status_code == 200


@pytest.mark.django_db
def test_before_its_first_day_the_batch_page_takes_no_objection(demo, client):
    """Published ahead of its start: the QR page says when the period begins and shows no
    form; a post sent anyway is refused with the period, nothing saved, and counts as no
    complaint."""
    case = named_case(demo.village, "张三")
    starts_on = timezone.localdate() + datetime.timedelta(days=2)
    batch = published_batch(demo.user("clerk"), demo.village, [case], starts_on=starts_on)
    page = client.get(_batch_url(batch)).content.decode()
    assert 'data-testid="objection-not-started"' in page
    assert 'name="text"' not in page and "公示将于" in page
    response = client.post(f"{_batch_url(batch)}objection/", {"household": "1", "text": "有房"})
    body = response.content.decode()
    assert response.status_code == 400 and "本批公示尚未开始" in body
    assert "按投诉举报登记" not in body
    assert not Objection.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE and not case.complaint_flag
    village = client.get(_village_url(demo.village)).content.decode()
    assert 'data-testid="batch-not-started"' in village and "在线提交</a>" not in village
