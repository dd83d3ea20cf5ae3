"""The API documentation page leads back to the application."""

from django.urls import reverse


def test_the_swagger_page_links_back_to_the_application(demo, client):
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("api-docs"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{reverse("home")}">← 返回乡镇社会救助审核确认系统</a>' in page
    assert 'id="swagger-ui"' in page and "<style>" not in page
