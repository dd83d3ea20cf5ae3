"""API tokens expire after API_TOKEN_TTL_HOURS and can be revoked by their user and by an
administrator; a revoked or expired token answers 401 at once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from relief.demo import DEMO_PASSWORD


def _obtain(username):
    response = APIClient().post(
        "/api/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/")


def _age(key, hours):
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(hours=hours))


@pytest.mark.django_db
def test_a_token_tells_when_it_expires_and_works_until_then(demo, settings):
    settings.API_TOKEN_TTL_HOURS = 12
    before = timezone.now()
    data = _obtain("clerk")
    expires = datetime.datetime.fromisoformat(data["expires_at"])
    assert (
        before + datetime.timedelta(hours=12)
        <= expires
        <= timezone.now() + datetime.timedelta(hours=12)
    )
    _age(data["token"], 11.9)
    assert _me(data["token"]).status_code == 200


@pytest.mark.django_db
def test_an_expired_token_is_refused_with_a_chinese_message_and_a_new_one_is_issued(demo, settings):
    settings.API_TOKEN_TTL_HOURS = 12
    old = _obtain("clerk")["token"]
    _age(old, 12.01)
    response = _me(old)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "接口令牌已过期，请重新获取"
    assert not Token.objects.filter(key=old).exists()
    _age(old, 0)  # a second request for a token is answered with a new key, not the old one
    new = _obtain("clerk")["token"]
    assert new != old and _me(new).status_code == 200


@pytest.mark.django_db
def test_asking_again_while_valid_returns_the_same_token(demo):
    assert _obtain("clerk")["token"] == _obtain("clerk")["token"]


@pytest.mark.django_db
def test_the_ttl_is_a_setting(demo, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    key = _obtain("clerk")["token"]
    _age(key, 1.01)
    assert _me(key).status_code == 401


@pytest.mark.django_db
def test_a_user_revokes_their_own_token(demo):
    key = _obtain("clerk")["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete("/api/token/").status_code == 204
    response = _me(key)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert not Token.objects.filter(user=demo.user("clerk")).exists()


@pytest.mark.django_db
def test_revoking_needs_a_signed_in_user(demo):
    assert APIClient().delete("/api/token/").status_code in (401, 403)


@pytest.mark.django_db
def test_an_administrator_revokes_a_users_token_on_the_user_page(demo, client):
    key = _obtain("clerk")["token"]
    clerk = demo.user("clerk")
    client.force_login(demo.user("admin"))
    page = client.get(reverse("manage:user_edit", args=[clerk.pk])).content.decode()
    assert "有效至" in page and "撤销接口令牌" in page
    response = client.post(reverse("manage:user_token_revoke", args=[clerk.pk]), follow=True)
    assert "已撤销“clerk”的接口令牌" in response.content.decode()
    assert _me(key).status_code == 401
    assert (
        "撤销接口令牌"
        not in client.get(reverse("manage:user_edit", args=[clerk.pk])).content.decode()
    )


@pytest.mark.django_db
def test_only_an_administrator_may_revoke_someone_elses_token(demo, client):
    key = _obtain("clerk")["token"]
    client.force_login(demo.user("approver"))
    response = client.post(reverse("manage:user_token_revoke", args=[demo.user("clerk").pk]))
    assert response.status_code in (403, 404)
    assert _me(key).status_code == 200


@pytest.mark.django_db
def test_an_unknown_token_answers_401_with_the_token_challenge(demo):
    response = _me("0" * 40)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_request_with_no_credentials_keeps_its_403(demo):
    response = APIClient().get("/api/me/")
    assert response.status_code == 403 and "WWW-Authenticate" not in response


@pytest.mark.django_db
def test_a_signed_in_browser_session_still_works_without_a_token(demo):
    client = APIClient()
    client.force_login(demo.user("clerk"))
    assert client.get("/api/me/").status_code == 200
