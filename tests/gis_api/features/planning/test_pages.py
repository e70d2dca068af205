"""The planner pages behind the login cookie: the list of drafts and the map of one."""

import re

import pytest

from tests.gis_api.features.planning.conftest import YANGPING


@pytest.fixture
def client(app_client, planning_county):
    return app_client()


def _login(client, key):
    r = client.post("/login", data={"key": key, "next": "/planner"}, follow_redirects=False)
    assert r.status_code == 303


def test_pages_need_a_session(client):
    r = client.get("/planner", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/planner"


def test_planner_lists_drafts_and_opens_one(client, make_key):
    key = make_key("planner")
    draft = client.post(
        "/v1/drafts", json={"area": YANGPING, "title": "<调整>"}, headers={"X-API-Key": key}
    ).json()
    _login(client, key)
    index = client.get("/planner")
    assert index.status_code == 200 and 'id="new-draft"' in index.text
    assert f"/planner/drafts/{draft['id']}" in index.text and "&lt;调整&gt;" in index.text
    page = client.get(f"/planner/drafts/{draft['id']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    assert "/static/gridmap/planner.js" in page.text and '"editable": true' in page.text
    sources = [
        s
        for s in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.text)
        if s != "data:,"
    ]
    assert sources and all(s.startswith("/static/") for s in sources)
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_viewers_get_a_read_only_page(client, make_key):
    planner = make_key("planner")
    draft = client.post(
        "/v1/drafts", json={"area": YANGPING}, headers={"X-API-Key": planner}
    ).json()
    _login(client, make_key("viewer"))
    assert 'id="new-draft"' not in client.get("/planner").text
    page = client.get(f"/planner/drafts/{draft['id']}")
    assert page.status_code == 200 and '"editable": false' in page.text
    assert "leaflet-geoman" not in page.text


def test_unknown_draft_gets_the_nothing_page(client, make_key):
    """render_page's answer when there is nothing to show: an HTML page saying why, 404."""
    _login(client, make_key("planner"))
    r = client.get("/planner/drafts/987654")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "暂无可显示的数据" in r.text and "no draft 987654" in r.text
    assert r.headers["cache-control"] == "private, no-store"
