"""403, 404 and 500 answer Chinese pages; 403 and 404 sit inside the site's layout with a way
back home (the navigation is there for a signed-in user)."""

import pytest
from django.test import Client
from django.urls import reverse


def test_a_missing_page_is_a_chinese_404_inside_the_layout(client, demo):
    client.force_login(demo.user("clerk"))
    response = client.get("/cases/999999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-404"' in body and "页面不存在" in body
    assert 'id="nav-notifications"' in body  # the site's navigation, not a bare page
    assert f'href="{reverse("home")}"' in body and "返回首页" in body
    assert "Not Found" not in body


def test_a_refused_page_is_a_chinese_403_with_its_reason(client, demo):
    client.force_login(demo.user("assistant"))
    response = client.get(reverse("cases:dashboard"))
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="error-403"' in body and "无权访问" in body
    assert "您的角色无权查看此页面" in body
    assert "Forbidden" not in body


@pytest.mark.urls("relief.tests.error_urls")
def test_an_unexpected_error_is_a_chinese_500(demo):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert 'data-testid="error-500"' in body and "系统出错" in body and "返回首页" in body
    assert "Server Error" not in body
