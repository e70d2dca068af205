"""Synthetic key sites, relocation sites and cameras (placed in metres, EPSG:4544)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from boundaries.codes import make_camera_id
from gis_api.features.demo.layout import sample_inside

# kind -> (width, depth) of the footprint in metres; None for a point site
SITE_SIZE: dict[str, tuple[float, float] | None] = {
    "government": (80, 60),
    "school": (140, 100),
    "hospital": (100, 70),
    "market": (70, 50),
    "station": None,
    "square": (90, 90),
    "park": (200, 150),
    "police": None,
}
OTHER_KINDS = (
    "school",
    "hospital",
    "market",
    "station",
    "square",
    "school",
    "police",
    "park",
    "school",
)
SCHOOL_NAMES = ("小学", "中学", "实验学校")
RELOCATION_WORDS = (
    "幸福",
    "安居",
    "和谐",
    "康居",
    "祥和",
    "锦绣",
    "福润",
    "瑞丰",
    "金桥",
    "新苑",
    "惠民",
    "乐业",
)


def short_town_name(name: str) -> str:
    """Return 华阳 for 华阳街道, 黄龙溪 for 黄龙溪镇, and 彭镇 for 彭镇 (too short to cut)."""
    if name.endswith("街道"):
        return name[:-2]
    if name.endswith("镇") and len(name) > 2:
        return name[:-1]
    return name


def government_name(town_name: str) -> str:
    """Return the name of the town's government: XX街道办事处 or XX镇人民政府."""
    return town_name + ("办事处" if town_name.endswith("街道") else "人民政府")


def _site_name(kind: str, town_name: str, seen: dict[str, int]) -> str:
    s = short_town_name(town_name)
    i = seen.get(kind, 0)
    seen[kind] = i + 1
    names = {
        "government": government_name(town_name),
        "school": s + SCHOOL_NAMES[i % 3] if i < 3 else f"{s}第{i - 1}小学",
        "hospital": s + ("社区卫生服务中心" if town_name.endswith("街道") else "卫生院"),
        "market": s + "农贸市场",
        "station": s + ("公交站" if town_name.endswith("街道") else "客运站"),
        "square": s + "文化广场",
        "park": s + "公园",
        "police": s + "派出所",
    }
    name = names[kind]
    return name if i == 0 or kind == "school" else f"{name}{'东西南北'[i % 4]}区"


def rectangle(centre: np.ndarray, width: float, depth: float, angle: float) -> BaseGeometry:
    """Return a ``width`` x ``depth`` metre rectangle centred on ``centre``, turned ``angle``."""
    box = shapely.box(-width / 2, -depth / 2, width / 2, depth / 2)
    c, s = np.cos(angle), np.sin(angle)
    return shapely.transform(box, lambda xy: xy @ np.array([[c, s], [-s, c]]) + centre)


def _place(
    rng: np.random.Generator,
    area: BaseGeometry,
    near: np.ndarray,
    sigma: float,
    margin: float,
    taken: list[BaseGeometry],
    gap: float,
) -> np.ndarray:
    """A point near ``near`` inside ``area`` shrunk by ``margin``, ``gap`` from ``taken``."""
    inner = area.buffer(-margin)
    if inner.is_empty:
        inner = area.buffer(-min(margin, 5.0))
    if inner.is_empty:
        inner = area
    for attempt in range(300):
        p = near + rng.normal(size=2) * sigma * (1 + attempt / 60)
        if inner.contains(Point(p)) and all(t.distance(Point(p)) >= gap for t in taken):
            return p
    return sample_inside(rng, inner, 1)[0]


@dataclass
class KeySite:
    """A key public place (重点部位) in metres."""

    code: str
    kind: str
    name: str
    town_code: str
    geometry: BaseGeometry


def key_sites_for_town(
    rng: np.random.Generator,
    town_m: BaseGeometry,
    centre: Point,
    town_code: str,
    town_name: str,
    first_seq: int,
) -> list[KeySite]:
    """Return 5–10 key sites of one town, the government at the town centre."""
    n_other = int(rng.integers(4, 10))
    kinds = ["government"] + [OTHER_KINDS[i] for i in rng.permutation(len(OTHER_KINDS))[:n_other]]
    sigma = 0.2 * np.sqrt(town_m.area)
    seen: dict[str, int] = {}
    out: list[KeySite] = []
    taken: list[BaseGeometry] = []
    for i, kind in enumerate(kinds):
        size = SITE_SIZE[kind]
        margin = 30.0 + (np.hypot(*size) / 2 if size else 0.0)
        xy = np.array([centre.x, centre.y])
        if kind != "government":
            xy = _place(rng, town_m, xy, sigma, margin, taken, 150.0)
        geom = Point(xy) if size is None else rectangle(xy, *size, rng.uniform(0, np.pi))
        taken.append(geom)
        code = f"KS{first_seq + i:04d}"
        out.append(KeySite(code, kind, _site_name(kind, town_name, seen), town_code, geom))
    return out


@dataclass
class RelocationPlan:
    """Where a relocation site sits, before its management is worked out from the final map."""

    code: str
    name: str
    households: int
    host_code: str
    origin_village_codes: list[str]
    geometry: BaseGeometry
    blocks: list[int] = field(default_factory=list)


def plan_relocation_sites(
    rng: np.random.Generator,
    villages: dict[str, tuple[str, str, str, BaseGeometry]],
    taken: list[BaseGeometry],
    *,
    count: int = 12,
) -> list[RelocationPlan]:
    """Place ``count`` relocation sites: half large (300–800 households) in communities.

    ``villages`` maps code -> (name, kind, town code, polygon in metres). The other half
    (50–299 households) go to villages (村) or to communities of towns that have villages.
    Each site records 1–4 origin villages (村) from other towns.
    """
    codes = sorted(villages)
    she = [c for c in codes if villages[c][1] == "社区"]
    cun = [c for c in codes if villages[c][1] == "村"]
    towns_with_cun = {villages[c][2] for c in cun}
    mixed_she = [c for c in she if villages[c][2] in towns_with_cun]
    words = [RELOCATION_WORDS[i] for i in rng.permutation(len(RELOCATION_WORDS))]
    out: list[RelocationPlan] = []
    for i in range(count):
        large = i % 2 == 0
        hh = int(rng.integers(300, 801) if large else rng.integers(50, 300))
        pool = she if large else (cun if rng.random() < 0.5 else mixed_she)
        side = 100 + 200 * (hh - 50) / 750
        depth = side * rng.uniform(0.7, 1.0)
        for _ in range(50):
            host = pool[int(rng.integers(len(pool)))]
            poly = villages[host][3]
            if poly.buffer(-(np.hypot(side, depth) / 2 + 30)).area > 0:
                break
        name_, _, town, poly = villages[host]
        xy = _place(
            rng,
            poly,
            np.array(poly.centroid.coords[0]),
            0.3 * np.sqrt(poly.area),
            np.hypot(side, depth) / 2 + 30,
            taken,
            80.0,
        )
        geom = rectangle(xy, side, depth, rng.uniform(0, np.pi))
        taken.append(geom)
        others = [c for c in cun if villages[c][2] != town]
        origins = sorted(rng.choice(others, size=int(rng.integers(1, 5)), replace=False).tolist())
        out.append(
            RelocationPlan(
                f"RS{i + 1:03d}", f"{words[i % len(words)]}安置小区", hh, host, origins, geom
            )
        )
    return out


@dataclass(frozen=True)
class Anchor:
    """A place cameras are put around."""

    kind: str  # "key_site", "community" or "village"
    town_code: str
    town_name: str
    place: str
    owner_unit: str
    xy: tuple[float, float]
    station: bool = False


def cameras(
    rng: np.random.Generator,
    anchors: dict[str, list[Anchor]],
    county_m: BaseGeometry,
    n: int,
    *,
    centre8: str,
    police_owner: str,
) -> list[dict]:
    """Return ``n`` camera records (metric point in ``geometry``) around the anchors.

    40% go near key sites, 35% near community centres, 25% near village centres. Category 1
    (public security, 40%) is on the monitoring network (code 0) and owned by the police,
    category 2 (government, 35%) on the government network (6), category 3 (other units, 25%)
    on the social-resource network (8). Industry code 04 at stations, 01 at communities and
    villages, 00 elsewhere; type 132 (IPC) for 85%, else 131.
    """
    classes = [k for k in ("key_site", "community", "village") if anchors.get(k)]
    share = np.array([{"key_site": 0.4, "community": 0.35, "village": 0.25}[k] for k in classes])
    counts: dict[tuple[str, str], int] = {}
    shapely.prepare(county_m)
    out = []
    for seq in range(1, n + 1):
        cls = classes[int(rng.choice(len(classes), p=share / share.sum()))]
        a = anchors[cls][int(rng.integers(len(anchors[cls])))]
        for attempt in range(20):
            r, t = rng.uniform(15, 80) / (1 + attempt), rng.uniform(0, 2 * np.pi)
            xy = (a.xy[0] + r * np.cos(t), a.xy[1] + r * np.sin(t))
            if county_m.contains(Point(xy)):
                break
        else:
            xy = a.xy
        place = a.place
        if cls == "community":
            place += ("路口", "东门", "南门", "西门", "北门", "主街", "广场")[int(rng.integers(7))]
        elif cls == "village":
            place += ("村口", "路口", "党群服务中心", "主干道")[int(rng.integers(4))]
        nn = counts[(a.town_code, place)] = counts.get((a.town_code, place), 0) + 1
        category = int(rng.choice([1, 2, 3], p=[0.4, 0.35, 0.25]))
        network = {1: "0", 2: "6", 3: "8"}[category]
        industry = "04" if a.station else ("00" if cls == "key_site" else "01")
        type_code = "132" if rng.random() < 0.85 else "131"
        dome = rng.random() < 0.1
        owner = {1: police_owner, 2: government_name(a.town_name), 3: a.owner_unit}[category]
        out.append(
            {
                "id": make_camera_id(centre8, industry, type_code, network, seq),
                "name": f"{a.town_name}-{place}-{nn:02d}",
                "category": category,
                "heading": round(float(rng.uniform(0, 360)), 1),
                "fov": 360 if dome else int(rng.integers(60, 111)),
                "range_m": int(rng.integers(30, 151)),
                "status": "online" if rng.random() < 0.9 else "offline",
                "owner": owner,
                "geometry": Point(xy),
            }
        )
    return out
