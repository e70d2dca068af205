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


@pytest.mark.browser
def test_new_draft_form_in_chromium(fresh_db, mini_county, live_server, browser_page):
    """static/planner_index.js: the form posts the draft and opens it, or shows the error."""
    from tests.conftest import create_key_in, load_county_into

    load_county_into(fresh_db.url, mini_county)
    key = create_key_in(fresh_db.url, "planner")
    server = live_server(fresh_db.settings(listen=False))
    page, log = browser_page
    page.goto(server.base_url + "/login?next=/planner")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url("**/planner")
    page.fill("input[name=area]", "510116001002")
    page.fill("input[name=title]", "<新草稿>")
    page.click("#new-draft button[type=submit]")
    page.wait_for_url(re.compile(r".*/planner/drafts/\d+$"))
    page.goto(server.base_url + "/planner")
    assert "<新草稿>" in page.inner_text("table")  # shown as text, escaped in the HTML
    page.fill("input[name=area]", "999999999999")
    page.click("#new-draft button[type=submit]")
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert "999999999999" in page.inner_text("#error")
    assert log.external == []
    assert all("422" in error for error in log.console_errors)  # only the refused draft
