"""One navigation item lit per page, and no role code read out by screen readers."""

import re

from django.urls import reverse


def lit(html: str) -> list[str]:
    return re.findall(r'class="nav-link active"[^>]*>([^<]*)<', html)


def test_one_navigation_item_is_lit_on_nested_pages(demo, client):
    client.force_login(demo.user("clerk"))
    assert lit(client.get(reverse("cases:dashboard")).content.decode()) == ["时限看板"]
    assert lit(client.get(reverse("cases:list")).content.decode()) == ["案件"]
    assert lit(client.get(reverse("home")).content.decode()) == ["首页"]
    client.force_login(demo.user("supervisor"))
    response = client.get(reverse("review:stats"))
    assert response.status_code == 200
    assert lit(response.content.decode()) == ["统计"]


def test_the_role_code_on_home_is_hidden_from_screen_readers(demo, client):
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("home")).content.decode()
    read_out = re.sub(r'<(\w+)[^>]*aria-hidden="true"[^>]*>[^<]*</\1>', "", page)
    read_out = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", read_out, flags=re.S)
    assert "township_clerk" not in "".join(re.findall(r">([^<]*)<", read_out))
    assert "乡镇民政经办人" in page
