"""Long lists: a capped count, offset for the first pages, keyset from there on; the unread
badge counted once per request and capped; the inbox pinned at its query count."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from relief import paging
from relief.context_processors import navigation
from relief.models import Notification
from relief.paging import (
    CappedPaginator,
    NewestFirstCursorPagination,
    capped_count,
    count_label,
    list_page,
)


def make_notifications(user, n: int, *, unread: bool = True, same_time: bool = False):
    start = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                verb=f"通知{i}",
                created_at=start if same_time else start - datetime.timedelta(minutes=i),
                read_at=None if unread else start,
            )
            for i in range(n)
        ]
    )


def walk(qs, per_page: int) -> list[list[str]]:
    """Every page by following the "next" links, as a user clicking 下一页 would."""
    pages, params = [], QueryDict()
    while True:
        page = list_page(qs, params=params, per_page=per_page)
        pages.append([n.verb for n in page])
        if not page.has_next:
            return pages
        params = QueryDict(page.next_query)


def test_the_count_is_exact_under_the_cap_and_labelled_above_it(demo, monkeypatch):
    clerk = demo.user("clerk")
    make_notifications(clerk, 12)
    qs = clerk.notifications.all()
    assert capped_count(qs) == (12, True)
    assert capped_count(qs, cap=10) == (10, False)
    assert count_label(12, True) == "12"
    assert count_label(10_000, False) == "1万+"


def test_the_count_above_the_cap_reads_at_most_cap_plus_one_rows(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 5)
    with CaptureQueriesContext(connection) as queries:
        capped_count(clerk.notifications.all(), cap=3)
    assert len(queries) == 1 and "LIMIT 4" in queries[0]["sql"]


def test_walking_the_next_links_gives_every_row_once_in_order(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 23)
    pages = walk(clerk.notifications.all(), per_page=5)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert sum(pages, []) == [f"通知{i}" for i in range(23)]


def test_rows_with_the_same_time_are_paged_by_id_without_loss_or_repeat(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 11, same_time=True)
    rows = sum(walk(clerk.notifications.all(), per_page=4), [])
    assert sorted(rows) == sorted(f"通知{i}" for i in range(11)) and len(set(rows)) == 11
    expected = list(
        clerk.notifications.order_by("-created_at", "-id").values_list("verb", flat=True)
    )
    assert rows == expected


def test_a_deep_page_is_one_keyset_query_without_offset(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 30)
    qs = clerk.notifications.all()
    page = list_page(qs, params=QueryDict(), per_page=5)
    for _ in range(3):
        page = list_page(qs, params=QueryDict(page.next_query), per_page=5)
    assert page.number == 4 and [n.verb for n in page] == [f"通知{i}" for i in range(15, 20)]
    with CaptureQueriesContext(connection) as queries:
        list_page(qs, params=QueryDict(page.next_query), per_page=5)
    rows_sql = queries[-1]["sql"]
    assert "OFFSET" not in rows_sql and "LIMIT 6" in rows_sql


def test_the_previous_link_of_a_keyset_page_goes_back_one_page(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 30)
    qs = clerk.notifications.all()
    page = list_page(qs, params=QueryDict(), per_page=5)
    seen = [[n.verb for n in page]]
    for _ in range(3):
        page = list_page(qs, params=QueryDict(page.next_query), per_page=5)
        seen.append([n.verb for n in page])
    back = list_page(qs, params=QueryDict(page.previous_query), per_page=5)
    assert back.number == 3 and [n.verb for n in back] == seen[2]
    back = list_page(qs, params=QueryDict(back.previous_query), per_page=5)
    assert back.number == 2 and [n.verb for n in back] == seen[1]


@pytest.mark.parametrize("cursor", ["x", "1.2", "0.5.5", "2.abc.3", "-4.1.1"])
def test_a_malformed_cursor_gives_the_first_page(demo, cursor):
    clerk = demo.user("clerk")
    make_notifications(clerk, 8)
    page = list_page(clerk.notifications.all(), params=QueryDict(f"after={cursor}"), per_page=5)
    assert page.number == 1 and [n.verb for n in page][0] == "通知0"


def test_other_parameters_are_kept_in_the_links(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 8)
    page = list_page(clerk.notifications.all(), params=QueryDict("state=review"), per_page=5)
    assert QueryDict(page.next_query)["state"] == "review"


def test_the_badge_is_counted_once_per_request_whatever_the_partials(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 3)
    request = RequestFactory().get("/")
    request.user = clerk
    with CaptureQueriesContext(connection) as queries:
        for _ in range(4):  # the page and three partials rendered with the request
            render_to_string("relief/notifications.html", {"page_obj": []}, request=request)
    unread = [q for q in queries if "relief_notification" in q["sql"]]
    assert len(unread) == 1
    assert navigation(request)["unread_notifications"] == 3


def test_the_badge_says_99_plus_above_99_unread(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 101)
    request = RequestFactory().get("/")
    request.user = clerk
    assert navigation(request)["unread_notifications"] == "99+"


def test_the_inbox_pages_by_keyset_and_keeps_its_query_count(client, demo):
    clerk = demo.user("clerk")
    client.force_login(clerk)
    make_notifications(clerk, 35)
    first = client.get("/notifications/")
    assert first.status_code == 200
    content = first.content.decode()
    assert "通知0" in content and "通知30" not in content and "共 2 页" in content
    page = first.context["page_obj"]
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/notifications/?" + page.next_query)
    assert "通知30" in second.content.decode() and "通知0<" not in second.content.decode()
    # session, user, capped count, rows, unread badge, the user's region (navigation),
    # and the sliding session's save (savepoint, update, release)
    assert len(queries) == 9


def test_the_inbox_count_stops_at_the_cap(client, demo, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 20)
    clerk = demo.user("clerk")
    client.force_login(clerk)
    make_notifications(clerk, 35, unread=False)
    response = client.get("/notifications/")
    assert "共 20+ 条" in response.content.decode()


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["verb"]


class InboxAPI(generics.ListAPIView):
    serializer_class = NotificationSerializer
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return Notification.objects.all()


def api_get(user, query: str = ""):
    request = APIRequestFactory().get("/api/inbox/" + (f"?{query}" if query else ""))
    force_authenticate(request, user=user)
    return InboxAPI.as_view()(request).data


def test_the_list_api_pages_by_cursor_with_a_capped_count(demo):
    clerk = demo.user("clerk")
    make_notifications(clerk, 7)
    first = api_get(clerk, "page_size=3")
    assert [r["verb"] for r in first["results"]] == ["通知0", "通知1", "通知2"]
    assert first["count"] == 7 and first["count_exact"] is True
    seen = [r["verb"] for r in first["results"]]
    link = first["next"]
    while link:
        page = api_get(clerk, link.split("?", 1)[1])
        seen += [r["verb"] for r in page["results"]]
        link = page["next"]
    assert seen == [f"通知{i}" for i in range(7)]


def test_the_list_api_with_a_page_number_pages_by_offset_and_caps_the_count(demo, monkeypatch):
    clerk = demo.user("clerk")
    make_notifications(clerk, 7)
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    page = api_get(clerk, "page=2&page_size=3")
    assert [r["verb"] for r in page["results"]] == ["通知3", "通知4", "通知5"]
    assert page["count"] == 5 and page["count_exact"] is False and page["next"]
    last = api_get(clerk, "page=3&page_size=3")
    assert [r["verb"] for r in last["results"]] == ["通知6"] and last["next"] is None


def test_the_capped_paginator_serves_pages_beyond_the_cap(demo, monkeypatch):
    clerk = demo.user("clerk")
    make_notifications(clerk, 9)
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    paginator = CappedPaginator(clerk.notifications.order_by("-created_at", "-id"), 2)
    page = paginator.page(4)
    assert [n.verb for n in page] == ["通知6", "通知7"] and page.has_next()
    assert paginator.count_label == "4+"
    assert [n.verb for n in paginator.page(5)] == ["通知8"] and not paginator.page(5).has_next()
