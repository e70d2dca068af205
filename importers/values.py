"""Parsers for the values of one cell. Each returns the canonical value or raises ValueError
with a message that says what was expected; the layer code adds file, row and field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from boundaries import codes
from boundaries.errors import InvalidCode

Parser = Callable[[Any], Any]


def blank(value: Any) -> bool:
    """Whether a cell is empty (None, NaN, or only spaces)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Characters no text value may hold: C0 and C1 controls and DEL, except tab and line breaks.
A NUL was cut on the way to the database: ``KS0001`` followed by a NUL overwrote ``KS0001``."""


def control_character(raw: str) -> str | None:
    """Why ``raw`` is refused (its first control character and where), or ``None``."""
    found = CONTROL_CHARACTERS.search(raw)
    if found is None:
        return None
    return (
        f"holds the control character U+{ord(found.group()):04X} at character "
        f"{found.start() + 1}; remove it"
    )


def text(value: Any) -> str:
    """Any value as trimmed text (an integer-valued float loses its '.0'); a control
    character is refused (``ValueError``), never cut.
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raw = str(value)
    why = control_character(raw)
    if why is not None:
        raise ValueError(why)
    return raw.strip()


def _code(kind: str) -> Parser:
    def parse(value: Any) -> str:
        raw = text(value)
        try:
            if kind == "area":
                codes.parse_area_code(raw)
            elif kind == "village":
                if codes.parse_area_code(raw).level != "village":
                    raise ValueError(f'"{raw}" is not a village/community code (last 3 digits 000)')
            elif kind == "grid":
                codes.parse_grid_code(raw)
            elif kind == "camera":
                codes.parse_camera_id(raw)
        except InvalidCode as exc:
            raise ValueError(exc.message) from None
        return raw

    return parse


area_code = _code("area")
village_code = _code("village")
grid_code = _code("grid")
camera_id = _code("camera")


def free_code(value: Any) -> str:
    """A code of a layer without a national scheme (buildings, sites): text without spaces."""
    raw = text(value)
    if not re.fullmatch(r"[\w\-.:/]{1,64}", raw):
        raise ValueError(f"{raw!r} must be 1-64 letters, digits or - _ . : / (no spaces)")
    return raw


def count(value: Any) -> int:
    """A non-negative whole number (households, population)."""
    raw = text(value).replace(",", "")
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"{raw!r} must be a whole number ≥ 0")
    return int(number)


def number(low: float, high: float, *, low_open: bool = False, wrap: float | None = None) -> Parser:
    """A float in [low, high] (or (low, high] when ``low_open``); ``wrap`` folds e.g. 360 to 0."""

    def parse(value: Any) -> float:
        raw = text(value)
        try:
            x = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if wrap is not None and x == wrap:
            x = 0.0
        if math.isnan(x) or x < low or x > high or (low_open and x == low):
            bracket = "(" if low_open else "["
            raise ValueError(f"{raw} is outside {bracket}{low:g}, {high:g}]")
        return x

    return parse


def choice(options: dict[str, tuple[str, ...]], what: str) -> Parser:
    """One of a set of canonical values, each with the spellings accepted for it."""
    lookup = {}
    for canonical, spellings in options.items():
        for spelling in (canonical, *spellings):
            lookup[str(spelling).strip().lower()] = canonical

    def parse(value: Any) -> Any:
        raw = text(value)
        hit = lookup.get(raw.lower())
        if hit is None:
            if len(options) > 4:  # a long list: the canonical names (spellings are in the docs)
                allowed = ", ".join(str(k) for k in options) + " (or a Chinese name of one)"
            else:
                allowed = ", ".join(
                    f"{k} ({'/'.join(v)})" if v else str(k) for k, v in options.items()
                )
            raise ValueError(f"{raw!r} is not a {what}; expected one of: {allowed}")
        return hit

    return parse


level = choice(
    {
        "county": ("县", "区", "县区", "区县", "县级"),
        "town": ("乡镇", "街道", "镇", "乡", "乡镇街道"),
        "village": ("村", "社区", "村社区", "村级"),
    },
    "level",
)
village_kind = choice(
    {
        "社区": ("community", "urban", "居委会", "居民委员会"),
        "村": ("village", "rural", "村委会", "村民委员会"),
    },
    "village/community kind",
)
grid_kind = choice(
    {
        "街巷型": ("street", "street-lane", "lane", "街巷"),
        "楼院型": ("courtyard", "building", "building-courtyard", "楼院"),
        "单位型": ("unit", "单位"),
        "村组型": ("rural", "village", "村组", "村民小组"),
    },
    "grid kind",
)
camera_category = choice(
    {1: ("1", "一类", "i", "一"), 2: ("2", "二类", "ii", "二"), 3: ("3", "三类", "iii", "三")},  # type: ignore[dict-item]
    "camera category",
)
camera_status = choice(
    {
        "online": ("在线", "1", "true", "yes", "up", "正常"),
        "offline": ("离线", "0", "false", "no", "down", "故障"),
    },
    "camera status",
)
management = choice(
    {
        "own_committee": ("own", "committee", "独立社区", "自建社区", "单独成立社区", "独立管理"),
        "attached": ("依托", "挂靠", "并入", "就近村", "依托村", "挂靠村"),
    },
    "management",
)
KEY_SITE_KINDS: dict[str, tuple[str, ...]] = {
    "school": ("学校", "小学", "中学", "幼儿园", "学院"),
    "hospital": ("医院", "卫生院", "诊所", "卫生室"),
    "market": ("市场", "农贸市场", "商场", "超市"),
    "station": ("车站", "汽车站", "火车站", "地铁站", "公交站", "站"),
    "government": ("政府", "党政机关", "办事处", "村委会", "居委会", "便民服务中心"),
    "square": ("广场",),
    "park": ("公园", "绿地"),
    "police": ("派出所", "警务室", "公安", "警务站", "治安岗亭"),
    "bank": ("银行",),
    "scenic": ("景区", "景点"),
    "factory": ("工厂", "企业", "园区"),
    "other": ("其他", "其它"),
}
key_site_kind = choice(KEY_SITE_KINDS, "key site kind")


def phone(value: Any) -> str:
    """A phone number: digits with optional +, spaces and dashes."""
    raw = text(value)
    if not re.fullmatch(r"\+?[\d\s\-]{5,20}", raw):
        raise ValueError(f"{raw!r} is not a phone number")
    return raw


def village_codes(value: Any) -> list[str]:
    """A list of village codes, separated by ; , 、 | or spaces."""
    parts = [p for p in re.split(r"[;,，、|\s]+", text(value)) if p]
    return [village_code(p) for p in parts]
