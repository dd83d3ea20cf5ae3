"""While the database cannot be reached, pages answer a Chinese 503 page and the API a
Chinese JSON 503 (never a 500); when it is back, requests succeed again by themselves."""

import json
import time
import urllib.error
import urllib.request
from unittest import mock

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from relief.unavailable import MESSAGE, server_error


def _session_load_fails():
    return mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=OperationalError("connection refused"),
    )


@pytest.mark.django_db
def test_a_page_answers_a_chinese_503_when_the_database_is_down(client, demo):
    client.force_login(demo.user("clerk"))
    with _session_load_fails():
        response = client.get("/notifications/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "系统暂时无法服务" in page and MESSAGE in page
    assert client.get("/notifications/").status_code == 200  # back by itself


@pytest.mark.django_db
def test_the_api_answers_a_chinese_json_503_when_the_database_is_down(client, demo):
    token = Token.objects.create(user=demo.user("clerk"))
    with mock.patch(
        "relief.tokens.ExpiringTokenAuthentication.authenticate_credentials",
        side_effect=OperationalError("terminating connection due to administrator command"),
    ):
        response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 503
    assert response.json() == {"detail": MESSAGE}


def test_an_error_outside_a_view_is_a_503_only_when_it_is_the_database():
    request = RequestFactory().get("/cases/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


# --- a real outage on PostgreSQL -----------------------------------------------------------


def _admin_connection():
    """A connection to the maintenance database, outside Django's pool."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


def _get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_fail_with_503_while_postgres_refuses_and_recover_when_it_is_back(
    live_server, demo
):
    token = Token.objects.create(user=demo.user("clerk")).key
    url = f"{live_server.url}/api/me/"
    assert _get(url, token)[0] == 200
    name = connection.settings_dict["NAME"]
    pool = connection.settings_dict["OPTIONS"]["pool"]
    saved_timeout = pool["timeout"]
    pool["timeout"] = 2  # a short wait for a connection keeps the outage test quick
    connection.close()
    connection.close_pool()
    admin = _admin_connection()
    try:
        # The outage: no new connections, and every open one (pooled ones too) is cut.
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [name],
        )
        for _ in range(2):
            status, body = _get(url, token)
            assert status == 503, body
            assert json.loads(body) == {"detail": MESSAGE}
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
    deadline = time.monotonic() + 30
    while True:  # nothing restarted: the pool reconnects on its own
        status, body = _get(url, token)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, body
    assert json.loads(body)["username"] == "clerk"
    pool["timeout"] = saved_timeout
    connection.close()
    connection.close_pool()
