"""Synthetic town and village polygons inside the real county boundary (metres, EPSG:4544)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from gis_api.features.demo.layout import (
    kmeans,
    partition_region,
    sample_inside,
    smooth_field,
    to_metric,
)

# Urban cores of 双流区 (东升 and 华阳), lon/lat: the most urban street offices go nearest them.
URBAN_CORES_LONLAT = ((103.923, 30.574), (104.060, 30.500))

TOWN_SAMPLES = 2000
VILLAGE_SAMPLES_PER_UNIT = 24  # samples per unit of the smallest village weight


def town_weights(villages: pd.DataFrame, town_codes: list[str]) -> np.ndarray:
    """Return each town's area weight: 1 per 村; 0.35 per 社区 if it has no 村, else 0.6."""
    out = []
    for code in town_codes:
        kinds = villages.loc[villages["parent_code"] == code, "kind"]
        n_cun, n_she = int((kinds == "村").sum()), int((kinds == "社区").sum())
        out.append(n_cun + n_she * (0.35 if n_cun == 0 else 0.6))
    return np.array(out)


def layout_towns(
    rng: np.random.Generator,
    county_m: BaseGeometry,
    towns: pd.DataFrame,
    villages: pd.DataFrame,
) -> tuple[list[MultiPolygon], np.ndarray]:
    """Return town polygons (aligned with ``towns``) tiling the county, and their centres.

    Initial centres are k-means centres of random points in the county; the towns with the
    largest share of communities get the centres nearest the urban cores. Areas follow
    :func:`town_weights`.
    """
    codes = list(towns["code"])
    pts = sample_inside(rng, county_m, 4000)
    centres = kmeans(rng, pts, len(codes))
    cores = np.array([(p.x, p.y) for p in to_metric(shapely.points(np.array(URBAN_CORES_LONLAT)))])
    dist_core = np.min(((centres[:, None, :] - cores[None]) ** 2).sum(-1), axis=1)
    urban = []
    for code in codes:
        kinds = villages.loc[villages["parent_code"] == code, "kind"]
        urban.append((kinds == "社区").mean() if len(kinds) else 0.0)
    by_urban = np.argsort(-np.asarray(urban), kind="stable")
    ordered = np.empty_like(centres)
    ordered[by_urban] = centres[np.argsort(dist_core, kind="stable")]
    field = smooth_field(rng, amplitude=60.0, wavelength=4000.0)
    weights = town_weights(villages, codes)
    return partition_region(rng, county_m, ordered, weights, n_samples=TOWN_SAMPLES, field=field)


def inner_point(area: BaseGeometry, xy: np.ndarray) -> Point:
    """Return ``xy`` if it lies well inside ``area``, else the area's point on surface."""
    p = Point(xy)
    inner = area.buffer(-100)
    return p if not inner.is_empty and inner.contains(p) else area.point_on_surface()


def layout_villages(
    rng: np.random.Generator,
    town_m: BaseGeometry,
    centre: Point,
    kinds: list[str],
) -> list[MultiPolygon]:
    """Return village polygons (aligned with ``kinds``) tiling one town.

    Communities (社区) start from k-means centres of the points nearest the town centre and get
    small areas, growing with their distance from the centre; villages (村) take the rest of the
    town with four to six times the area of a central community.
    """
    kinds_arr = np.asarray(kinds)
    is_she = kinds_arr == "社区"
    n = len(kinds)
    if n == 1:
        return [MultiPolygon(shapely.get_parts(town_m))]
    w_she, w_cun = 1.0, 4.0
    n_samples = max(
        40 * n, int(VILLAGE_SAMPLES_PER_UNIT * (is_she.sum() * 2.5 + (~is_she).sum() * 6))
    )
    pts = sample_inside(rng, town_m, n_samples)
    order = np.argsort(((pts - np.array([centre.x, centre.y])) ** 2).sum(-1), kind="stable")
    n_she = int(is_she.sum())
    share = n_she * w_she / (n_she * w_she + (n - n_she) * w_cun)
    cut = int(np.clip(round(share * len(pts)), n_she, len(pts) - (n - n_she)))
    centres = np.zeros((n, 2))
    if n_she:
        centres[is_she] = kmeans(rng, pts[order[:cut]], n_she)
    if n - n_she:
        rest = pts[order[cut:]]
        means = kmeans(rng, rest, n - n_she)
        # snap to the nearest outer point, so a lone 村 does not start inside the ring of 社区
        nearest = np.argmin(((means[:, None, :] - rest[None]) ** 2).sum(-1), axis=1)
        centres[~is_she] = rest[nearest]
    d = np.sqrt(((centres - np.array([centre.x, centre.y])) ** 2).sum(-1))
    dmax = max(float(d.max()), 1.0)
    weights = np.where(is_she, w_she * (1 + 1.5 * d / dmax), w_cun * rng.uniform(1.0, 1.5, n))
    field = smooth_field(rng, amplitude=40.0, wavelength=1500.0)
    pieces, _ = partition_region(
        rng, town_m, centres, weights, n_samples=n_samples, field=field, step=50.0
    )
    return pieces
