"""Every layer the service serves, declared once: its fields (type, Chinese label, export
names, personal or not, role), the field carrying the area code, the geometry, and the
coordinate precision of what is served.

Everything else derives from here: the OGC collections, the vector tile layers, the exports,
the lookup answers, the drafts', history's and publishing's field lists, the popups of the
pages, the demo's tables — and the importers. ``importers`` may not import ``gis_api``, so the
facts flow down: the import parser, notes and extra column names of each field are written
here, and :func:`import_layers` hands ``importers`` its ``LayerSpec`` built from them
(``importers.layers`` keeps only the dataclasses). Nothing outside ``gis_api.schema`` names a
personal field: code asks :meth:`Layer.select` which fields a caller may see.
"""

from __future__ import annotations

from gis_api.schema.fields import (
    AUDIT,
    DERIVED,
    KEY,
    PARENT,
    PLACE,
    TIME,
    VERSION,
    Field,
    Layer,
)
from importers import values as v
from importers.layers import LayerSpec

TEXT, INTEGER, NUMBER, TIMESTAMP, TEXT_LIST = (
    "text",
    "integer",
    "double precision",
    "timestamptz",
    "text[]",
)

ADMIN_AREAS = Layer(
    name="admin-areas",
    title="Administrative areas 行政区划",
    import_title="administrative areas (county, town, village/community)",
    description="County, towns and street offices, villages and communities, with their "
    "12-digit statistical division codes.",
    table="admin_areas",
    id_field="code",
    area_field="code",
    geometry="polygon",
    fields=(
        Field("code", TEXT, "区划代码", KEY, answer="code", parse=v.area_code, required=True,
              note="12-digit division code"),
        Field("name", TEXT, "名称", answer="name", parse=v.text, required=True),
        Field("level", TEXT, "级别", parse=v.level,
              note="county/town/village; derived from the code if absent"),
        Field("kind", TEXT, "类型", answer="kind", parse=v.village_kind,
              note="社区 or 村 for villages; from the name if absent"),
        Field("parent_code", TEXT, "上级代码", PARENT, short="parent_cd", parse=v.area_code,
              note="derived from the code if absent"),
    ),
)  # fmt: skip

GRIDS = Layer(
    name="grids",
    title="Grids 网格",
    import_title="grids (网格)",
    description="Grids of the grid-based governance system; each belongs to one village "
    "or community. Without `datetime`, the versions valid now; with it, the versions "
    "valid at that instant or during that interval.",
    table="grids",
    id_field="code",
    area_field="code",
    geometry="polygon",
    versioned=True,
    fields=(
        Field("code", TEXT, "网格编码", KEY, short_label="编码", answer="code",
              parse=v.grid_code, required=True, note="15 digits: village code + 3"),
        Field("name", TEXT, "网格名称", short_label="名称", answer="name", parse=v.text,
              required=True),
        Field("kind", TEXT, "网格类型", short_label="类型", answer="kind", parse=v.grid_kind,
              required=True, note="街巷型/楼院型/单位型/村组型"),
        Field("village_code", TEXT, "村社区编码", PARENT, short="village_cd", short_label="村编码",
              parse=v.village_code, note="must equal the code's first 12 digits"),
        Field("village_name", TEXT, "村社区名称", DERIVED, short="village_nm",
              short_label="村名称"),
        Field("households", INTEGER, "户数", answer="households", parse=v.count, default=0),
        Field("population", INTEGER, "人口", answer="population", parse=v.count),
        Field("leader_name", TEXT, "网格长", short="leader", answer="leader.name", parse=v.text),
        Field("leader_phone", TEXT, "联系电话", personal=True, short="phone", short_label="电话",
              answer="leader.phone", parse=v.phone, note="personal data",
              aliases=("phone", "网格员电话", "联系电话", "电话", "手机", "手机号")),
        Field("version", INTEGER, "版本", VERSION, answer="version"),
        Field("valid_from", TIMESTAMP, "生效时间", VERSION, short_label="生效"),
        Field("valid_to", TIMESTAMP, "失效时间", VERSION, short_label="失效"),
        Field("created_by", TEXT, "创建者", AUDIT, short="created_by"),
    ),
)  # fmt: skip

BUILDINGS = Layer(
    name="buildings",
    title="Buildings 建筑",
    import_title="buildings (points or footprints)",
    description="Buildings (points or footprints) with their households.",
    table="buildings",
    id_field="code",
    area_field="village_code",
    geometry="point_or_polygon",
    key_prefix="B-",
    fields=(
        Field("code", TEXT, "编码", KEY, parse=v.free_code,
              note="derived from the geometry if absent"),
        Field("village_code", TEXT, "村社区编码", PARENT, short="village_cd",
              parse=v.village_code, note="found by location if absent"),
        Field("households", INTEGER, "户数", parse=v.count, default=0),
        Field("address", TEXT, "地址", parse=v.text),
    ),
)  # fmt: skip

CAMERAS = Layer(
    name="cameras",
    title="Cameras 摄像头",
    import_title="cameras (GB/T 28181 ids)",
    description="Cameras of the public video network with GB/T 28181 ids.",
    table="cameras",
    id_field="id",
    area_field="area_code",
    geometry="point",
    fields=(
        Field("id", TEXT, "设备编码", KEY, parse=v.camera_id, required=True,
              note="20-digit GB/T 28181 id"),
        Field("name", TEXT, "名称", parse=v.text, required=True),
        Field("category", INTEGER, "类别", parse=v.camera_category, required=True,
              note="1/2/3 or 一类/二类/三类"),
        Field("heading", NUMBER, "朝向", parse=v.number(0, 360, wrap=360),
              note="degrees from north; empty for 360° cameras"),
        Field("fov", NUMBER, "视场角", parse=v.number(0, 360, low_open=True),
              note="degrees; 360 if absent and no heading"),
        Field("range_m", NUMBER, "可视距离", parse=v.number(0, 5000, low_open=True),
              note="metres"),
        Field("status", TEXT, "状态", parse=v.camera_status, default="online",
              note="online/offline, 在线/离线"),
        Field("owner", TEXT, "权属单位", parse=v.text),
        Field("area_code", TEXT, "所在区划", PLACE),
    ),
)  # fmt: skip

RELOCATION_SITES = Layer(
    name="relocation-sites",
    title="Relocation sites 易地搬迁安置点",
    import_title="relocation sites (易地搬迁安置点)",
    description="Resettlement sites, the area managing each and the villages its "
    "residents came from.",
    table="relocation_sites",
    id_field="code",
    area_field="area_code",
    geometry="point_or_polygon",
    fields=(
        Field("code", TEXT, "编码", KEY, parse=v.free_code, required=True),
        Field("name", TEXT, "名称", parse=v.text, required=True),
        Field("households", INTEGER, "户数", parse=v.count),
        Field("population", INTEGER, "人口", parse=v.count),
        Field("managing_area_code", TEXT, "管理村社区编码", PARENT, short="managed_by",
              parse=v.area_code, note="the community or village managing it"),
        Field("management", TEXT, "管理方式", parse=v.management, required=True,
              note="own_committee / attached"),
        Field("origin_village_codes", TEXT_LIST, "迁出村编码", short="origins",
              parse=v.village_codes, default=(), note="separated by ;"),
        Field("area_code", TEXT, "所在区划", PLACE),
    ),
)  # fmt: skip

KEY_SITES = Layer(
    name="key-sites",
    title="Key sites 重点场所",
    import_title="key public places",
    description="Key public places: schools, hospitals, markets, stations, government.",
    table="key_sites",
    id_field="code",
    area_field="area_code",
    geometry="point_or_polygon",
    key_prefix="KS-",
    fields=(
        Field("code", TEXT, "编码", KEY, parse=v.free_code,
              note="derived from the geometry if absent"),
        Field("kind", TEXT, "类别", parse=v.key_site_kind, required=True,
              note="school, hospital, market, …"),
        Field("name", TEXT, "名称", parse=v.text, required=True),
        Field("area_code", TEXT, "所在区划", PLACE),
    ),
)  # fmt: skip

INCIDENTS = Layer(
    name="incidents",
    title="Incidents 事件",
    description="Incidents of the six-step loop (上报→立案→派遣→处置→反馈→结案归档), "
    "placed in the grid, village, town and county they fell in when reported. "
    "`datetime` selects them by when they were reported (an interval is closed). "
    "Reporters' names and phones only for roles that may see personal data.",
    table="incidents",
    id_field="id",
    area_field="area_code",
    geometry="point",
    instant_field="reported_at",
    fields=(
        Field("id", INTEGER, "事件编号", KEY),
        Field("category", TEXT, "类别"),
        Field("severity", TEXT, "等级"),
        Field("status", TEXT, "状态"),
        Field("level", TEXT, "处置层级"),
        Field("description", TEXT, "描述", short="descr"),
        Field("source", TEXT, "来源"),
        Field("grid_code", TEXT, "网格编码", PLACE),
        Field("village_code", TEXT, "村社区编码", PLACE, short="village_cd"),
        Field("town_code", TEXT, "乡镇编码", PLACE),
        Field("county_code", TEXT, "区县编码", PLACE, short="county_cd"),
        Field("reported_at", TIMESTAMP, "上报时间", TIME, short="reported"),
        Field("opened_at", TIMESTAMP, "立案时间", TIME),
        Field("dispatched_at", TIMESTAMP, "派遣时间", TIME, short="dispatched"),
        Field("handled_at", TIMESTAMP, "处置时间", TIME),
        Field("feedback_at", TIMESTAMP, "反馈时间", TIME, short="feedback"),
        Field("closed_at", TIMESTAMP, "结案时间", TIME),
        Field("due_at", TIMESTAMP, "期限", TIME),
        Field("assignee", TEXT, "承办人"),
        Field("reporter_name", TEXT, "上报人", personal=True, short="reporter",
              answer="reporter.name"),
        Field("reporter_phone", TEXT, "上报人电话", personal=True, short="rep_phone",
              answer="reporter.phone"),
    ),
)  # fmt: skip

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (ADMIN_AREAS, GRIDS, CAMERAS, RELOCATION_SITES, KEY_SITES, BUILDINGS, INCIDENTS)
}
"""Every layer served, by name (the OGC collection id), in the order the landing page lists."""

IMPORT_ORDER = ("admin-areas", "grids", "buildings", "cameras", "key-sites", "relocation-sites")


def import_layers() -> dict[str, LayerSpec]:
    """What ``gridmap import`` accepts: each importable layer as ``importers`` reads it."""
    return {name: LAYERS[name].import_spec() for name in IMPORT_ORDER}


IMPORT_LAYERS: dict[str, LayerSpec] = import_layers()
"""The importable layers as ``importers`` reads them."""


def get_layer(name: str) -> Layer:
    """A layer by name (``KeyError`` if there is none: the names are constants of the code)."""
    return LAYERS[name]


if __name__ == "__main__":  # python -m gis_api.schema.layers > docs/importing.md
    from importers.docs import render

    print(render(import_layers()), end="")
