"""Map page sessions: a random id, stored hashed, ended by logout and by revoking the key; a
forged cookie and a foreign Origin are refused (real app, real PostGIS)."""

from __future__ import annotations

import hmac
import time
from hashlib import sha256

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from gis_api.app import create_app
from gis_api.core.auth import hash_key, revoke_key
from gis_api.core.settings import DEV_SECRET
from gis_api.schema.models import Incident
from tests.conftest import create_key_in

COOKIE = "gridmap_session"
ROLES = ("admin", "planner", "dispatcher", "service", "viewer")
REPORT = {
    "category": "矛盾纠纷",
    "description": "邻里纠纷",
    "source": "grid_worker",
    "lon": 104.005,
    "lat": 30.515,
}


def _login(client, key):
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.cookies[COOKIE]


def _cookie_only(client, token):
    """The client with nothing but this session cookie (no key header)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, token)
    return client


@pytest.mark.parametrize("role", ["admin", "planner", "dispatcher", "viewer"])
def test_login_gives_a_random_session_stored_only_as_its_hash(app_client, make_key, session, role):
    client = app_client()
    key = make_key(role)
    token = _login(client, key)
    assert key not in token and hash_key(key) not in token
    assert _cookie_only(client, token).get("/v1/drafts").status_code == 200
    stored = session.scalars(text("SELECT token_hash FROM sessions")).all()
    secret = client.app.state.settings.secret_key.encode()
    assert stored == [hmac.new(secret, token.encode(), sha256).hexdigest()]
    assert token not in stored
    # a second login is a second session, not the same cookie again
    assert _login(app_client(), key) != token


def test_a_key_that_may_not_read_opens_no_session(app_client, make_key, session):
    r = app_client().post("/login", data={"key": make_key("service")}, follow_redirects=False)
    assert r.status_code == 403 and "gridmap_session" not in r.headers.get("set-cookie", "")
    assert session.scalar(text("SELECT count(*) FROM sessions")) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_logout_ends_the_session_for_that_cookie(app_client, make_key, session, method):
    client = app_client()
    token = _login(client, make_key("viewer"))
    assert _cookie_only(client, token).get("/v1/drafts").status_code == 200
    r = client.request(method, "/logout", follow_redirects=False)
    assert r.status_code == 303
    assert session.scalar(text("SELECT count(*) FROM sessions")) == 0
    r = _cookie_only(client, token).get("/v1/drafts")
    assert r.status_code == 401
    assert _cookie_only(app_client(), token).get("/map", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", ROLES)
def test_forged_cookies_from_the_key_hash_are_refused(app_client, make_key, role):
    """Whoever reads api_keys has the hashes: the old cookie format must give them nothing."""
    key = make_key(role)
    old = URLSafeTimedSerializer(DEV_SECRET, salt="gridmap-session").dumps({"h": hash_key(key)})
    client = app_client()
    for forged in (str(old), hash_key(key), key):
        r = _cookie_only(client, forged).get("/v1/drafts")
        assert r.status_code == 401, forged


def test_revoking_the_key_ends_its_sessions_in_every_worker(fresh_db):
    """With committed data and LISTEN: the key is revoked by another process's transaction."""
    key = create_key_in(fresh_db.url, "viewer")
    with TestClient(create_app(fresh_db.settings(key_cache_seconds=3600))) as client:
        token = _login(client, key)
        assert _cookie_only(client, token).get("/v1/drafts").status_code == 200  # now cached
        engine = create_engine(fresh_db.url, poolclass=NullPool)
        with Session(engine) as s, s.begin():
            revoke_key(s, key=key)
            assert s.scalar(text("SELECT count(*) FROM sessions")) == 0
        engine.dispose()
        deadline = time.monotonic() + 10
        status = 200
        while status == 200 and time.monotonic() < deadline:
            status = _cookie_only(client, token).get("/v1/drafts").status_code
            time.sleep(0.05)
        assert status == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_foreign_origin_on_a_cookie_request_is_refused(
    app_client, loaded_county, make_key, session, method
):
    client = app_client()
    token = _login(client, make_key("admin"))
    before = session.scalar(select(func.count()).select_from(Incident))
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        r = _cookie_only(client, token).request(
            method, "/v1/incidents", json=REPORT, headers=header
        )
        assert r.status_code == 403, r.text
        assert "evil.example" in r.json()["message"]
    assert session.scalar(select(func.count()).select_from(Incident)) == before


def test_same_origin_cookie_and_key_requests_are_not_affected(
    app_client, loaded_county, make_key, session
):
    client = app_client()
    key = make_key("admin")
    token = _login(client, key)
    ours = {"Origin": "http://testserver"}
    r = _cookie_only(client, token).post("/v1/incidents", json=REPORT, headers=ours)
    assert r.status_code == 201, r.text
    client.cookies.clear()
    evil = {"Origin": "https://evil.example", "X-API-Key": key}
    r = client.post("/v1/incidents", json=REPORT, headers=evil)
    assert r.status_code == 201, r.text
    assert session.scalar(select(func.count()).select_from(Incident)) == 2
