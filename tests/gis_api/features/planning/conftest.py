"""The small hand-drawn county (tests/gis_api/county.py) with buildings, for planning tests.

Buildings:
- 羊坪村 510116002001 (村, 100–300; grids 001 west, 002 east of 104.03): 32 houses of
  10 households on a 8 x 4 lattice, 160 households in each grid;
- 棠湖社区 510116001001 (社区, 200–500; grids 001 west, 002 east of 104.01): 6 blocks of 80
  households, 240 in each grid;
- 白鹤社区 510116001002: one tower of 650 households in grid 001 (above the ceiling alone).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Point, box, mapping

from gis_api.features.imports.service import import_file

YANGPING = "510116002001"
TANGHU = "510116001001"
BAIHE = "510116001002"


def building_features() -> list[dict[str, object]]:
    features = []
    for i in range(8):
        for j in range(4):
            point = Point(104.02 + (i + 0.5) * 0.0025, 30.51 + (j + 0.5) * 0.0025)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": f"H{i}{j}", "households": 10},
                    "geometry": mapping(point),
                }
            )
    for n, lon in enumerate((104.003, 104.006, 104.008, 104.013, 104.016, 104.018)):
        block = box(lon - 0.0002, 30.5149, lon + 0.0002, 30.5151)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": f"A{n}", "households": 80},
                "geometry": mapping(block),
            }
        )
    features.append(
        {
            "type": "Feature",
            "properties": {"code": "T1", "households": 650},
            "geometry": mapping(box(104.0048, 30.5049, 104.0052, 30.5051)),
        }
    )
    return features


def write_buildings(directory: Path) -> Path:
    path = directory / "buildings.geojson"
    data = {"type": "FeatureCollection", "features": building_features()}
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture
def planning_county(session, loaded_county, tmp_path):
    """The mini county with buildings, in the test's transaction."""
    import_file(session, layer="buildings", path=write_buildings(tmp_path), actor="test")
    session.commit()
    return loaded_county


def load_buildings_into(url: str, directory: Path) -> None:
    """Import the buildings into a database of its own (committed)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    with Session(engine) as s, s.begin():
        import_file(s, layer="buildings", path=write_buildings(directory), actor="test")
    engine.dispose()


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def feature(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}
