"""The filings inbox (备案收件箱) pages by keyset (issue 17): 下一页 is ``?after=<cursor>``
(filed_at, id) on the inbox's indexes, page N reads what page 1 reads; ``?page=N`` still
pages by offset; the filters keep working across pages; the count comes from the filing
tally, or is capped when a filter the tally does not carry is set; the API pages by cursor.
Another county's supervisor sees none of the rows and gets 404 for one."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relief import paging
from relief.models import Region, User
from review.models import Filing

T0 = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def filings(demo, confirmed_case):
    """70 filings: 65 in 姑孰镇 (every third one 待阅, every fifth a near relative's; three
    pairs filed at the same moment, so the keyset has ties to break by id), 5 in 乌溪镇.
    Returned newest first, the inbox's order."""
    gushu_case = confirmed_case()
    wuxi_case = confirmed_case(village=demo.wuxi_village)
    made = []
    for i in range(70):
        case = wuxi_case if i >= 65 else gushu_case
        # i = 10/11, 30/31, 50/51 share their moment
        minutes = i - 1 if i in (11, 31, 51) else i
        made.append(
            Filing.objects.create(
                case=case,
                kind=Filing.Kind.CONFIRMATION,
                township=case.township,
                assistance_type=case.assistance_type,
                decided_on=datetime.date(2026, 10, 15),
                filed_at=T0 + datetime.timedelta(minutes=minutes),
                status=Filing.Status.NEW if i % 3 == 0 else Filing.Status.ACKNOWLEDGED,
                near_relative_flag=i % 5 == 0,
            )
        )
    return sorted(made, key=lambda f: (f.filed_at, f.pk), reverse=True)


def _walk(client, params: dict | None = None) -> tuple[list[list[int]], list[str]]:
    """Every page of the inbox from the first, by its 下一页 links: (pks per page, links)."""
    response = client.get(reverse("review:inbox"), params)
    pages, links = [], []
    while True:
        assert response.status_code == 200
        page = response.context["page_obj"]
        pages.append([f.pk for f in page])
        if not page.has_next:
            return pages, links
        links.append(page.next_query)
        assert f'href="?{page.next_query.replace("&", "&amp;")}"' in response.content.decode()
        response = client.get(f"{reverse('review:inbox')}?{page.next_query}")


def test_next_pages_by_keyset_show_the_next_rows_with_no_overlap_or_gap(client, demo, filings):
    client.force_login(demo.user("supervisor"))
    pages, links = _walk(client)
    assert [len(p) for p in pages] == [30, 30, 10]
    assert all("after=" in link and "page=" not in link for link in links)
    assert [pk for page in pages for pk in page] == [f.pk for f in filings]
    # 上一页 from page 3 comes back to page 2's rows (by keyset, ``before=``)
    third = client.get(f"{reverse('review:inbox')}?{links[1]}").context["page_obj"]
    assert third.number == 3 and "before=" in third.previous_query
    second = client.get(f"{reverse('review:inbox')}?{third.previous_query}").context["page_obj"]
    assert second.number == 2 and [f.pk for f in second] == pages[1]
    # ?page=N (a link from elsewhere) still pages by offset, onto the same rows
    by_offset = client.get(reverse("review:inbox"), {"page": 2}).context["page_obj"]
    assert [f.pk for f in by_offset] == pages[1]
    assert by_offset.count == 70 and by_offset.num_pages == 3


def test_filters_hold_across_keyset_pages(client, demo, filings):
    client.force_login(demo.user("supervisor"))
    new_in_gushu = [
        f.pk for f in filings if f.status == Filing.Status.NEW and f.township_id == demo.gushu.pk
    ]
    pages, links = _walk(client, {"status": "new", "township": demo.gushu.pk})
    assert all("status=new" in link and f"township={demo.gushu.pk}" in link for link in links)
    assert [pk for page in pages for pk in page] == new_in_gushu
    # A flag the tally does not carry, paged the same way.
    relatives = [f.pk for f in filings if f.near_relative_flag]
    pages, _ = _walk(client, {"near_relative": "on"})
    assert [pk for page in pages for pk in page] == relatives
    wuxi = client.get(reverse("review:inbox"), {"township": demo.wuxi.pk}).context["page_obj"]
    assert [f.pk for f in wuxi] == [f.pk for f in filings if f.township_id == demo.wuxi.pk]
    assert wuxi.count == 5 and not wuxi.has_next


def test_a_tampered_or_foreign_cursor_never_shows_rows_outside_the_scope(client, demo, filings):
    client.force_login(demo.user("supervisor"))
    response = client.get(reverse("review:inbox"), {"after": "x.y.z"})
    assert response.status_code == 200
    assert [f.pk for f in response.context["page_obj"]] == [f.pk for f in filings[:30]]
    # a cursor at a 乌溪镇 filing on a 姑孰镇 list: still 姑孰镇's rows only
    wuxi_row = next(f for f in filings if f.township_id == demo.wuxi.pk)
    cursor = paging.encode_cursor(2, wuxi_row, "filed_at")
    page = client.get(
        reverse("review:inbox"), {"township": demo.gushu.pk, "after": cursor}
    ).context["page_obj"]
    assert {f.township_id for f in page} == {demo.gushu.pk}


def test_another_countys_supervisor_sees_none_of_the_filings(client, demo, filings):
    other = Region.objects.create(code="340522000000", name="邻县", level=Region.Level.COUNTY)
    stranger = User.objects.create(username="other_sup", role="county_supervisor", region=other)
    client.force_login(stranger)
    cursor = paging.encode_cursor(2, filings[29], "filed_at")
    for params in ({}, {"after": cursor}, {"page": 2}, {"township": demo.gushu.pk}):
        response = client.get(reverse("review:inbox"), params)
        assert response.status_code == 200
        assert list(response.context["page_obj"]) == []
        assert response.context["page_obj"].count == 0
    assert client.get(reverse("review:filing_detail", args=[filings[0].pk])).status_code == 404
    assert client.get("/api/review/filings/").json()["results"] == []
    assert client.get(f"/api/review/filings/{filings[0].pk}/").status_code == 404
    # A township clerk has no inbox at all.
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("review:inbox")).status_code == 403


def test_the_count_is_from_the_tally_or_capped(client, demo, filings, monkeypatch):
    client.force_login(demo.user("supervisor"))
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    # the tally's filters: the exact count from the tally, whatever the cap
    page = client.get(reverse("review:inbox")).context["page_obj"]
    assert (page.count, page.count_exact, page.num_pages) == (70, True, 3)
    # a flag the tally does not carry: counted from the filings, up to the cap
    response = client.get(reverse("review:inbox"), {"near_relative": "on"})
    page = response.context["page_obj"]
    assert (page.count, page.count_exact, page.num_pages) == (10, False, None)
    assert page.count_label == "10+"
    assert "共 10+ 件" in response.content.decode()
    assert len(page) == 14 and not page.has_next  # all 14 rows still listed
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    page = client.get(reverse("review:inbox"), {"near_relative": "on"}).context["page_obj"]
    assert (page.count, page.count_exact, page.count_label) == (14, True, "14")
    assert paging.count_label(10_000, False) == "1万+"


def test_a_deep_page_runs_the_queries_of_the_first_and_reads_no_wide_column(client, demo, filings):
    client.force_login(demo.user("supervisor"))
    url = reverse("review:inbox")
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).context["page_obj"]
    with CaptureQueriesContext(connection) as deep:
        assert client.get(f"{url}?{page.next_query}").status_code == 200
    assert len(deep) == len(first)
    rows = [q["sql"] for q in deep.captured_queries if 'FROM "review_filing"' in q["sql"]]
    assert len(rows) == 1
    assert '"review_filing"."snapshot"' not in rows[0]
    assert '"cases_case"."policy_snapshot"' not in rows[0]
    assert '"review_filing"."filed_at" <' in rows[0]  # the keyset, not an OFFSET
    assert "OFFSET" not in rows[0].upper()


def test_the_api_pages_by_cursor_with_no_overlap_or_gap(client, demo, filings):
    client.force_login(demo.user("supervisor"))
    seen, url, first = [], "/api/review/filings/?page_size=25", None
    while url:
        body = client.get(url).json()
        first = first or body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        assert url is None or "cursor=" in url
    assert seen == [f.pk for f in filings]
    assert (first["count"], first["count_exact"]) == (70, True)
    body = client.get("/api/review/filings/", {"status": "new", "page_size": 10}).json()
    new = [f.pk for f in filings if f.status == Filing.Status.NEW]
    assert [row["id"] for row in body["results"]] == new[:10]
    assert body["count"] == len(new)
    following = client.get(body["next"]).json()
    assert [row["id"] for row in following["results"]] == new[10:20]
    # ?page= by offset, with the capped count
    body = client.get("/api/review/filings/", {"page": 2, "page_size": 30}).json()
    assert [row["id"] for row in body["results"]] == [f.pk for f in filings[30:60]]
    assert body["count"] == 70


def test_the_api_count_is_capped(client, demo, filings, monkeypatch):
    client.force_login(demo.user("supervisor"))
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    body = client.get("/api/review/filings/").json()
    assert (body["count"], body["count_exact"]) == (10, False)
    assert len(body["results"]) == 50 and body["next"]
