"""/healthz reports the database and the broker; 503 when either is down."""

import json
import socket
from unittest import mock

from relief import health
from tests.worker import skip_or_fail


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # released on close: nothing listens there


def test_healthz_is_ok_with_database_and_eager_broker(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"ok": True, "detail": "eager (no broker configured)"}


def test_healthz_needs_no_login(client, db):
    response = client.get("/healthz")
    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"


def test_healthz_is_ok_with_a_reachable_redis_broker(client, db, settings):
    if not settings.REDIS_URL:
        skip_or_fail("needs a Redis broker: set REDIS_URL")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["broker"] == {"ok": True, "detail": "redis"}


def test_healthz_is_503_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "ConnectionError" in body["broker"]["detail"]


def test_healthz_is_503_when_the_database_is_down(rf, db):

    with mock.patch.object(health, "connection") as connection:
        connection.cursor.side_effect = RuntimeError("connection refused")
        response = health.healthz(rf.get("/healthz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "detail": "RuntimeError: connection refused"}
