"""The incident map and the wall screen: built from frames, checked in the HTML and in Chromium."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from map_ui.assets import OWN_STATIC_DIR, offline_html
from map_ui.incidents import STATUS_COLORS, build_incident_map, incident_records
from map_ui.wall import LiveFeed, build_wall_map
from tests.map_ui.test_overview import synthetic_county

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STATUSES = list(STATUS_COLORS)
CATEGORIES = ["矛盾纠纷", "安全隐患", "治安", "环境", "服务诉求", "其他"]


def incidents_frame(grids: gpd.GeoDataFrame, n: int = 60, seed: int = 3) -> gpd.GeoDataFrame:
    """Incidents spread over the grids, statuses and categories, over ten days before NOW."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        g = grids.iloc[i % len(grids)]
        minx, miny, maxx, maxy = g.geometry.bounds
        rows.append(
            {
                "id": i + 1,
                "category": CATEGORIES[i % len(CATEGORIES)],
                "severity": ["general", "major", "urgent"][i % 3],
                "status": STATUSES[(i // 2) % len(STATUSES)],
                "level": "grid",
                "reported_at": NOW - timedelta(hours=float(i * 4)),
                "grid_code": g["code"],
                "description": f"事件<{i}>",
                "overdue": i % 5 == 0,
                "geometry": Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy)),
            }
        )
    return gpd.GeoDataFrame(rows, crs="EPSG:4490")


def build(**kwargs):
    areas, grids, *_ = synthetic_county()
    incidents = incidents_frame(grids)
    m = build_incident_map(
        incidents, areas=areas, grids=grids[["code", "name", "geometry"]], now=NOW, **kwargs
    )
    return m, incidents, grids


def options(html: str) -> dict:
    """The options passed to GridmapMaps.incidents (JSON inside the script)."""
    found = re.search(r"GridmapMaps\.incidents\([^,]+, L\.extend\((.*), \{$", html, re.M)
    return json.loads(found.group(1))


def test_records_carry_what_the_filters_need():
    _, incidents, _ = build()
    records = incident_records(incidents)
    assert len(records) == len(incidents)
    first = records[0]
    assert first["reported_ms"] == int(NOW.timestamp() * 1000)
    assert first["lon"] == pytest.approx(incidents.geometry.iloc[0].x, abs=1e-6)
    assert set(first) >= {"status", "category", "grid_code", "overdue", "severity"}


def test_page_has_every_layer_filter_and_legend():
    m, incidents, _ = build(live=LiveFeed("/v1/incidents/live?hours=24", 5))
    html = offline_html(m)
    opts = options(html)
    assert len(opts["incidents"]) == len(incidents)
    assert opts["order"] == STATUSES and opts["categories"] == CATEGORIES
    assert opts["now"] == int(NOW.timestamp() * 1000)
    overlays = re.search(r"overlays :\s*\{(.*?)\}", html, re.S).group(1)
    for name in (
        "县界",
        "乡镇街道",
        "村社区",
        "网格事件数",
        "热力图",
        "事件点",
        "实时事件（每 5 秒刷新）",
    ):
        assert json.dumps(name)[1:-1] in overlays or name in overlays
    assert "GridmapMaps.incidents" in html and "GridmapMaps.realtime" in html
    assert '"/v1/incidents/live?hours=24"' in html and "5000" in html


def test_text_is_escaped_by_the_page_script():
    m, _, _ = build()
    html = offline_html(m)
    # descriptions travel as JSON (< escaped by tojson) and are escaped when drawn
    assert "事件<1>" not in html
    assert '<script src="/static/gridmap/incidents.js"></script>' in html
    assert "G.escape(r[1])" in (OWN_STATIC_DIR / "incidents.js").read_text(encoding="utf-8")


def test_hotspot_cells_are_drawn_with_density():
    cell = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [
                    [103.91, 30.51],
                    [103.911, 30.51],
                    [103.911, 30.511],
                    [103.91, 30.511],
                    [103.91, 30.51],
                ]
            ],
        },
        "properties": {"density": 12.5, "peak": True, "rank": 1},
    }
    m, _, _ = build(hotspots={"type": "FeatureCollection", "features": [cell]})
    html = offline_html(m)
    assert "热点（核密度）" in html or "\\u70ed\\u70b9" in html
    assert "12.5" in html


def test_bad_input_is_refused():
    areas, grids, *_ = synthetic_county()
    incidents = incidents_frame(grids)
    with pytest.raises(ValueError, match="lacks the columns"):
        build_incident_map(incidents.drop(columns="status"), areas=areas)
    with pytest.raises(ValueError, match="CRS"):
        build_incident_map(incidents.to_crs(3857), areas=areas)
    with pytest.raises(ValueError, match="path"):
        LiveFeed("http://elsewhere/live")
    with pytest.raises(ValueError, match="interval"):
        LiveFeed("/v1/incidents/live", 0)


def test_wall_page_has_live_layer_and_counters():
    areas, grids, *_ = synthetic_county()
    html = offline_html(build_wall_map(areas=areas, grids=grids, live=LiveFeed("/live", 7)))
    assert "GridmapMaps.liveStats" in html and "7000" in html and '"/live"' in html


def visible_incidents(page) -> int:
    """Markers on the map: single ones plus the counts on cluster icons."""
    return page.evaluate(
        """() => {
            const single = document.querySelectorAll('path.gridmap-incident').length;
            const clusters = [...document.querySelectorAll('.marker-cluster span')]
                .reduce((n, s) => n + Number(s.textContent), 0);
            return single + clusters;
        }"""
    )


@pytest.mark.browser
def test_filters_change_markers_heat_and_counts(static_server, browser_page, artifacts_dir):
    page, log = browser_page
    m, incidents, grids = build()
    url = static_server.add_page("/incidents.html", offline_html(m))
    page.goto(url, wait_until="load")
    page.wait_for_selector("#gridmap-incident-filter")
    page.wait_for_timeout(500)
    assert log.external == [] and log.failed == [] and log.console_errors == []
    shown = lambda: int(page.get_attribute("#gridmap-incident-filter", "data-shown"))  # noqa: E731
    assert shown() == len(incidents) == visible_incidents(page)
    page.screenshot(path=str(artifacts_dir / "incidents_all.png"))

    # untick "closed": what remains is what a count of the frame says
    page.uncheck("#gridmap-incident-filter input[name=status][value=closed]")
    expected = int((incidents["status"] != "closed").sum())
    assert shown() == expected == visible_incidents(page)

    # one category only
    for c in CATEGORIES[1:]:
        page.uncheck(f"#gridmap-incident-filter input[name=category][value='{c}']")
    keep = (incidents["status"] != "closed") & (incidents["category"] == CATEGORIES[0])
    assert shown() == int(keep.sum()) == visible_incidents(page)

    # the per-grid counts follow: grids with a count are filled, coloured by their count
    counts = Counter(incidents.loc[keep, "grid_code"])
    filled = page.evaluate(
        "() => Object.keys(GridmapMaps.gridCounts).filter(k => GridmapMaps.gridCounts[k] > 0).length"
    )
    assert filled == len(counts)
    assert page.evaluate("() => GridmapMaps.gridCounts") == dict(counts)

    # the last 24 hours of NOW (the page's clock here is the frame's NOW)
    page.select_option("#gridmap-incident-filter select[name=window]", "24")
    recent = keep & (incidents["reported_at"] >= NOW - timedelta(hours=24))
    assert shown() == int(recent.sum()) == visible_incidents(page)
    page.check("#gridmap-incident-filter input[name=status][value=closed]")
    page.screenshot(path=str(artifacts_dir / "incidents_filtered.png"))
    assert log.console_errors == []
