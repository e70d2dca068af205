"""The attribute tables of the demo layers, built from the synthesised geometry."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from boundaries.codes import number_grids
from gis_api.features.demo import admin, sites
from gis_api.features.demo.layout import LONLAT_EPSG, to_lonlat, to_metric
from gis_api.features.demo.people import mobile_number, person_name
from gis_api.schema.layers import IMPORT_LAYERS

POLICE_OWNER = "双流区公安分局"
CAMERAS_AT_SCALE_1 = 300
NO_LEADER_SHARE = 0.02


def lonlat_frame(rows: list[dict[str, Any]], columns: list[str]) -> gpd.GeoDataFrame:
    """Build a GeoDataFrame in EPSG:4490 with exactly ``columns`` from row dicts."""
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry")
    return frame.set_crs(LONLAT_EPSG, allow_override=True)


def admin_table(
    county_row: pd.Series,
    towns: pd.DataFrame,
    villages: pd.DataFrame,
    county_ll: MultiPolygon,
    town_ll: list[MultiPolygon],
    village_ll: dict[str, MultiPolygon],
) -> gpd.GeoDataFrame:
    """Admin area rows: the county, its towns (aligned with ``towns``) and villages."""
    rows: list[dict[str, Any]] = [
        {
            "code": county_row["code"],
            "name": county_row["name"],
            "level": "county",
            "kind": None,
            "parent_code": None,
            "geometry": county_ll,
        }
    ]
    for (_, t), geom in zip(towns.iterrows(), town_ll, strict=True):
        rows.append(
            {
                "code": t["code"],
                "name": t["name"],
                "level": "town",
                "kind": None,
                "parent_code": t["parent_code"],
                "geometry": geom,
            }
        )
    for _, v in villages.iterrows():
        rows.append(
            {
                "code": v["code"],
                "name": v["name"],
                "level": "village",
                "kind": v["kind"],
                "parent_code": v["parent_code"],
                "geometry": village_ll[v["code"]],
            }
        )
    return lonlat_frame(rows, ["code", "name", "level", "kind", "parent_code", "geometry"])


def grid_table(
    rng: np.random.Generator,
    grid_ll: list[MultiPolygon],
    grid_village: np.ndarray,
    info: pd.DataFrame,
    b_gdf: gpd.GeoDataFrame,
    ks_gdf: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Grid rows: codes in reading order, households by containment, kind, leader."""
    codes = np.empty(len(grid_ll), dtype=object)
    for vcode in np.unique(grid_village):
        idx = np.flatnonzero(grid_village == vcode)
        codes[idx] = number_grids(vcode, [grid_ll[i] for i in idx])
    tree = shapely.STRtree(grid_ll)
    pts = shapely.point_on_surface(b_gdf.geometry.values)
    b_idx, g_idx = tree.query(pts, predicate="within")
    first = np.unique(b_idx, return_index=True)[1]
    owner = np.full(len(pts), -1)
    owner[b_idx[first]] = g_idx[first]
    if (owner < 0).any():
        raise RuntimeError(f"{int((owner < 0).sum())} buildings lie in no grid")
    hh = np.bincount(owner, weights=b_gdf["households"].to_numpy(), minlength=len(grid_ll))
    nb = np.bincount(owner, minlength=len(grid_ll))
    unit_sites = ks_gdf[ks_gdf["kind"].isin(["school", "hospital", "government"])]
    unit_pts = shapely.point_on_surface(unit_sites.geometry.values)
    unit_grid = set(tree.query(unit_pts, predicate="within")[1].tolist())
    rows = []
    for i, geom in enumerate(grid_ll):
        vcode = grid_village[i]
        if info.at[vcode, "kind"] == "村":
            kind = "村组型"
        elif i in unit_grid:
            kind = "单位型"
        else:
            kind = "楼院型" if nb[i] and hh[i] / nb[i] >= 50 else "街巷型"
        leader = rng.random() >= NO_LEADER_SHARE
        households = int(hh[i])
        rows.append(
            dict(
                code=codes[i],
                name=f"{info.at[vcode, 'name']}第{int(codes[i][-3:])}网格",
                kind=kind,
                village_code=vcode,
                households=households,
                population=int(round(households * rng.uniform(2.6, 3.0))),
                leader_name=person_name(rng) if leader else None,
                leader_phone=mobile_number(rng) if leader else None,
                geometry=geom,
            )
        )
    columns = [*IMPORT_LAYERS["grids"].field_names, "geometry"]
    return lonlat_frame(rows, columns).sort_values("code", ignore_index=True)


def camera_table(
    rng: np.random.Generator,
    towns: pd.DataFrame,
    villages: pd.DataFrame,
    village_m: dict[str, MultiPolygon],
    key_sites: list[sites.KeySite],
    county_m: BaseGeometry,
    scale: float,
    county_code: str,
) -> gpd.GeoDataFrame:
    """Camera rows around key sites, community centres and village centres (see sites.cameras)."""
    town_name = dict(zip(towns["code"], towns["name"], strict=True))
    anchors: dict[str, list[sites.Anchor]] = {"key_site": [], "community": [], "village": []}
    for s in key_sites:
        c = s.geometry.centroid
        anchors["key_site"].append(
            sites.Anchor(
                "key_site",
                s.town_code,
                town_name[s.town_code],
                s.name,
                s.name,
                (c.x, c.y),
                s.kind == "station",
            )
        )
    for _, v in villages.iterrows():
        p = village_m[v["code"]]
        c = admin.inner_point(p, np.array(p.centroid.coords[0]))
        cls = "community" if v["kind"] == "社区" else "village"
        owner = f"{v['name']}物业服务中心" if cls == "community" else v["official_name"]
        anchors[cls].append(
            sites.Anchor(
                cls, v["parent_code"], town_name[v["parent_code"]], v["name"], owner, (c.x, c.y)
            )
        )
    n = max(1, round(CAMERAS_AT_SCALE_1 * scale))
    rows = sites.cameras(
        rng, anchors, county_m, n, centre8=f"{county_code}00", police_owner=POLICE_OWNER
    )
    for r in rows:
        r["geometry"] = to_lonlat(r["geometry"])
    columns = [*IMPORT_LAYERS["cameras"].field_names, "geometry"]
    return lonlat_frame(rows, columns)


def relocation_table(
    rng: np.random.Generator, plans: list[sites.RelocationPlan], admin_gdf: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Relocation rows; management from the final map (own committee or nearest 村)."""
    she = admin_gdf[admin_gdf["kind"] == "社区"].reset_index(drop=True)
    cun = admin_gdf[admin_gdf["kind"] == "村"].reset_index(drop=True)
    cun_m = to_metric(cun.geometry.values)
    rows = []
    for p in plans:
        geom = to_lonlat(p.geometry)
        if p.households >= 300:
            inside = she[she.geometry.contains(Point(geom.point_on_surface()))]
            management, area_code = "own_committee", inside["code"].iloc[0]
        else:
            d = shapely.distance(cun_m, p.geometry)
            management, area_code = "attached", cun["code"].iloc[int(np.argmin(d))]
        rows.append(
            dict(
                code=p.code,
                name=p.name,
                households=p.households,
                population=int(round(p.households * rng.uniform(2.8, 3.4))),
                managing_area_code=area_code,
                management=management,
                origin_village_codes=list(p.origin_village_codes),
                geometry=geom,
            )
        )
    columns = [*IMPORT_LAYERS["relocation-sites"].field_names, "geometry"]
    return lonlat_frame(rows, columns)
