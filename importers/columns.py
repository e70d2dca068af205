"""Column names a file may use, in Chinese or English, for the canonical fields.

Names shared by fields of many layers are here; names of one layer's field come with that
field's ``FieldSpec.aliases`` (declared in ``gis_api.schema.layers``).

The table is the documentation too: ``docs/importing.md`` is generated from it
(``gridmap import --columns``) and a test keeps the two in step.
"""

from __future__ import annotations

import re
import unicodedata

# canonical field -> accepted names (compared after normalising: case, spaces, '_' and '-').
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "区划代码", "统计用区划代码", "网格编码", "编号", "id_code"),
    "name": ("name", "名称", "名字", "网格名称", "区划名称"),
    "level": ("level", "级别", "层级", "行政级别"),
    "kind": ("kind", "type", "类型", "类别名称", "网格类型", "场所类型", "村社区类型"),
    "parent_code": ("parent_code", "parent", "上级编码", "上级代码", "上级区划代码"),
    "village_code": (
        "village_code",
        "village",
        "所属村社区编码",
        "村社区编码",
        "所属村编码",
        "村编码",
        "社区编码",
    ),
    "households": ("households", "hh", "户数", "住户数", "户"),
    "population": ("population", "pop", "人口", "人数", "常住人口"),
    "leader_name": ("leader_name", "leader", "网格员", "网格长", "网格员姓名", "负责人"),
    "address": ("address", "addr", "地址", "门牌地址"),
    "id": ("id", "camera_id", "device_id", "gb_id", "设备编码", "国标编码", "设备编号"),
    "category": ("category", "class", "类别", "建设类别", "分类"),
    "heading": ("heading", "direction", "azimuth", "朝向", "方向角", "方位角", "camera:direction"),
    "fov": ("fov", "field_of_view", "视场角", "视角"),
    "range_m": ("range_m", "range", "distance", "可视距离", "监控距离", "视距"),
    "status": ("status", "state", "online", "状态", "在线状态"),
    "owner": ("owner", "operator", "权属单位", "建设单位", "管理单位名称"),
    "managing_area_code": (
        "managing_area_code",
        "managed_by",
        "管理单位编码",
        "管理村社区编码",
        "所属社区编码",
    ),
    "management": ("management", "管理方式", "管理模式"),
    "origin_village_codes": (
        "origin_village_codes",
        "origin_villages",
        "迁出村编码",
        "迁出村",
        "来源村编码",
    ),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "几何"),
}


def normalise(name: object) -> str:
    """Fold a header for comparison: NFKC, lower case, no BOM, spaces/underscores/dashes out."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s_\-]+", "", text)


def map_columns(
    columns: list[str], wanted: dict[str, tuple[str, ...]]
) -> tuple[dict[str, str], list[str]]:
    """Map the file's columns to canonical fields among ``wanted`` (field → accepted names).

    Returns ``{source column: canonical field}`` and the list of columns that were ignored.
    A canonical name wins over an alias when a file has both (``id`` and ``设备编码``).
    """
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}
    ignored: list[str] = []
    # exact canonical names first, then aliases
    ordered = sorted(
        columns, key=lambda c: 0 if normalise(c) in {normalise(w) for w in wanted} else 1
    )
    lookup: dict[str, str] = {}
    for name, names in wanted.items():
        for alias in names:
            lookup.setdefault(normalise(alias), name)
    for column in ordered:
        field = lookup.get(normalise(column))
        if field is None or field not in wanted or field in taken:
            ignored.append(column)
            continue
        mapping[column] = field
        taken[field] = column
    ignored = [c for c in columns if c in ignored]
    return mapping, ignored
