"""Road attributes as files write them: classes (OSM or Chinese grades), one-way tags, speed
limits, grade separation; column names in English or Chinese.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from importers.columns import normalise

HIGHWAY_ALIASES: dict[str, str] = {
    # Chinese road grades (公路等级 / 城市道路等级) to the OSM class closest in use
    "高速公路": "motorway",
    "高速": "motorway",
    "国道": "trunk",
    "快速路": "trunk",
    "城市快速路": "trunk",
    "省道": "primary",
    "主干路": "primary",
    "主干道": "primary",
    "县道": "secondary",
    "次干路": "secondary",
    "次干道": "secondary",
    "乡道": "tertiary",
    "村道": "unclassified",
    "支路": "residential",
    "街巷": "residential",
    "小区道路": "service",
    "步行街": "pedestrian",
    "人行道": "footway",
    "步行道": "footway",
    "小路": "path",
    "台阶": "steps",
    "机耕路": "track",
}

ROAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "highway": ("highway", "fclass", "class", "road_class", "type", "道路等级", "等级", "道路类型"),
    "name": ("name", "名称", "道路名称", "路名"),
    "oneway": ("oneway", "one_way", "单行", "单向", "单行道"),
    "maxspeed": ("maxspeed", "max_speed", "speed", "限速", "设计速度"),
    "osm_id": ("osm_id", "osmid"),
    "bridge": ("bridge", "桥梁", "桥"),
    "tunnel": ("tunnel", "隧道"),
    "layer": ("layer", "层"),
}

FORWARD = {"yes", "true", "1", "f", "是", "单行", "正向"}
BACKWARD = {"-1", "reverse", "t", "反向"}


def map_road_columns(columns: list[str]) -> dict[str, str]:
    """Map road fields (highway, name, oneway, …) to the file's columns that hold them."""
    found: dict[str, str] = {}
    for name, aliases in ROAD_COLUMNS.items():
        wanted = {normalise(a) for a in aliases}
        for column in columns:
            if normalise(column) in wanted and name not in found:
                found[name] = column
    return found


def column_values(frame: pd.DataFrame, name: str) -> list[object]:
    """The values of a column, or Nones when the frame has no such column."""
    return list(frame[name]) if name in frame.columns else [None] * len(frame)


def cell_text(value: object) -> str | None:
    """A cell as stripped text; None for missing, NaN or blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    stripped = str(value).strip()
    return stripped or None


def cell_integer(value: object) -> int | None:
    """A cell as an integer ("3", "3.0"); None when it is not one."""
    value_text = cell_text(value)
    if value_text is None:
        return None
    try:
        return int(float(value_text))
    except ValueError:
        return None


def road_class(value: object) -> str | None:
    """The OSM highway class of a class cell (Chinese grades mapped, see HIGHWAY_ALIASES)."""
    value_text = cell_text(value)
    if value_text is None:
        return None
    return HIGHWAY_ALIASES.get(value_text, value_text.lower())


def one_way(value: object, junction: object, highway: object) -> str:
    """The direction a way may be driven: forward, backward or no (both), from its tags."""
    tag = (cell_text(value) or "").lower()
    if tag in FORWARD:
        return "forward"
    if tag in BACKWARD:
        return "backward"
    if tag in ("no", "false", "0", "b", "否", "双向"):
        return "no"
    if cell_text(junction) in ("roundabout", "circular") or highway in (
        "motorway",
        "motorway_link",
    ):
        return "forward"
    return "no"


def speed_limit(value: object) -> float:
    """A maxspeed tag in km/h ("50", "30 mph", "50;30" takes the first); NaN if not a number."""
    value_text = cell_text(value)
    if value_text is None:
        return float("nan")
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", value_text.split(";")[0])
    if not match:
        return float("nan")
    kmh = float(match.group(1))
    return kmh * 1.609344 if match.group(2) else kmh


def grade_separated(
    bridges: list[object], tunnels: list[object], layers: list[object]
) -> list[bool]:
    """Per line: a bridge, a tunnel or a non-zero layer (not joined where it crosses)."""
    out = []
    for bridge, tunnel, layer in zip(bridges, tunnels, layers, strict=True):
        flagged = any(
            (cell_text(v) or "no").lower() not in ("no", "false", "0", "否")
            for v in (bridge, tunnel)
        )
        level = cell_integer(layer)
        out.append(flagged or (level is not None and level != 0))
    return out


def osm_tags(value: object) -> dict[str, object]:
    """Pyrosm's ``tags`` cell (a JSON object as text) as a dict; {} when absent or malformed."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}
