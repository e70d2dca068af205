"""Demo incidents: placed in grids, every state of the loop, steps in order, loaded once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import geopandas as gpd
import shapely
from sqlalchemy import func, select

from gis_api.core.settings import Settings
from gis_api.features.demo.extras import incidents as demo
from gis_api.schema.models import Incident, IncidentEvent


def county_frames(mini_county) -> SimpleNamespace:
    areas = gpd.read_file(mini_county.files["admin-areas"])
    # the demo county's frame carries parents (the importer derives them for the mini county)
    areas["parent_code"] = [
        None if level == "county" else ("510116000000" if level == "town" else code[:9] + "000")
        for code, level in zip(areas["code"], areas["level"], strict=True)
    ]
    grids = gpd.read_file(mini_county.files["grids"])
    sites = gpd.read_file(mini_county.files["key-sites"])
    return SimpleNamespace(
        admin_areas=areas.set_crs(4490, allow_override=True),
        grids=grids.set_crs(4490, allow_override=True),
        key_sites=sites.set_crs(4490, allow_override=True),
    )


def test_synthesized_incidents_are_in_their_grids_and_in_order(mini_county):
    county = county_frames(mini_county)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    rows = demo.synthesize_incidents(
        grids=county.grids,
        areas=county.admin_areas,
        key_sites=county.key_sites,
        plan=demo.Plan(count=300, now=now),
        settings=Settings(),
    )
    assert len(rows) >= 250  # cluster points outside every grid are dropped
    geoms = dict(zip(county.grids["code"], county.grids.geometry, strict=True))
    for r in rows:
        assert geoms[r["grid_code"]].covers(shapely.Point(r["x"], r["y"]))
        assert r["village_code"] == r["grid_code"][:12]
        times = [e["at"] for e in r["events"]]
        assert times == sorted(times) and times[-1] < now
        assert r["events"][0]["action"] == "report" and r["events"][-1]["to_status"] == r["status"]
        assert (r["status"] == "closed") == ("closed_at" in r)
        assert r["level"] == ("county" if r["severity"] != "general" else r["level"])
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) == {"reported", "opened", "dispatched", "handled", "feedback", "closed"}
    assert len({r["category"] for r in rows}) == 6


def test_demo_load_writes_incidents_and_events_once(session, loaded_county):
    county = county_frames(loaded_county)
    summary = demo.load(session, county, None)
    n = session.scalar(select(func.count()).select_from(Incident))
    assert n > 0 and f"{n} incidents" in summary
    events = session.scalar(select(func.count()).select_from(IncidentEvent))
    assert events >= n
    again = demo.load(session, county, None)
    assert "none added" in again
    assert session.scalar(select(func.count()).select_from(Incident)) == n
