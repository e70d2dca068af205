"""Codes: 12-digit division codes, 15-digit grid codes and GB/T 28181 camera ids.

A statistical division code has 12 digits: 6 for the county, 3 for the town (乡镇/街道) and 3 for
the village or community (村/社区), e.g. ``510116001001``. A county code ends in ``000000``, a
town code in ``000``. A grid code is its village code followed by a 3-digit sequence (001–999),
numbered west→east, north→south within the village (see :func:`number_grids`).

A camera id (GB/T 28181-2016, coding rule A) has 20 digits: an 8-digit centre code (2 province,
2 city, 2 county, 2 base unit), a 2-digit industry code, a 3-digit type code (131 camera,
132 network camera), a 1-digit network code and a 6-digit sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from boundaries.errors import InvalidCode

Level = Literal["county", "town", "village"]

#: The province-level codes in use (GB/T 2260): the first two digits of every division code.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37)]
    + [str(c) for c in (41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)]
    + ["71", "81", "82"]
)

#: GB/T 28181 type codes of the devices this project registers as cameras.
CAMERA_TYPE_CODES: dict[str, str] = {"131": "摄像机", "132": "网络摄像机"}

#: GB/T 28181 network codes (the 14th digit of a device id).
NETWORK_CODES: dict[str, str] = {
    "0": "监控报警专网",
    "1": "监控报警专网",
    "2": "监控报警专网",
    "3": "监控报警专网",
    "4": "监控报警专网",
    "5": "公安信息网",
    "6": "政务网",
    "7": "互联网",
    "8": "社会资源接入网",
    "9": "预留",
}


def _require_digits(code: object, length: int, what: str) -> str:
    if not isinstance(code, str):
        raise InvalidCode(f"{what} {code!r} is a {type(code).__name__}; expected a string")
    if len(code) != length or not code.isascii() or not code.isdigit():
        raise InvalidCode(f'{what} "{code}" is expected to be exactly {length} digits 0-9')
    return code


def _check_province(code: str, what: str) -> None:
    if code[:2] not in PROVINCE_CODES:
        raise InvalidCode(
            f'{what} "{code}": province part "{code[:2]}" is not a province code; '
            f"expected one of {', '.join(sorted(PROVINCE_CODES))}"
        )


@dataclass(frozen=True)
class AreaCode:
    """A parsed 12-digit division code."""

    code: str
    level: Level
    county: str  # 6 digits
    town: str  # 3 digits, "000" for a county
    village: str  # 3 digits, "000" for a county or a town


def parse_area_code(code: str) -> AreaCode:
    """Parse and validate a 12-digit division code.

    The level follows from the zeros: ``XXXXXX000000`` is a county, ``XXXXXXTTT000`` a town and
    ``XXXXXXTTTVVV`` a village or community. Raises :class:`InvalidCode` naming the part at fault.
    """
    _require_digits(code, 12, "area code")
    _check_province(code, "area code")
    county, town, village = code[:6], code[6:9], code[9:]
    if town == "000" and village != "000":
        raise InvalidCode(
            f'area code "{code}": town part is "000" but village part is "{village}"; '
            'a village code needs a non-zero town part, a county code ends in "000000"'
        )
    level: Level = "county" if town == "000" else ("town" if village == "000" else "village")
    return AreaCode(code=code, level=level, county=county, town=town, village=village)


def area_level(code: str) -> Level:
    """Return ``"county"``, ``"town"`` or ``"village"`` for a valid 12-digit code."""
    return parse_area_code(code).level


def parent_code(code: str) -> str | None:
    """Return the 12-digit code of the parent area, or None for a county (the top level here)."""
    parsed = parse_area_code(code)
    if parsed.level == "village":
        return code[:9] + "000"
    if parsed.level == "town":
        return code[:6] + "000000"
    return None


def significant_prefix(code: str) -> str:
    """Return the digits that identify the area: 6 for a county, 9 for a town, 12 for a village.

    Every descendant's code starts with this prefix, so it serves as a jurisdiction filter.
    """
    return code[: {"county": 6, "town": 9, "village": 12}[parse_area_code(code).level]]


@dataclass(frozen=True)
class GridCode:
    """A parsed 15-digit grid code."""

    code: str
    village_code: str
    sequence: int


def parse_grid_code(code: str) -> GridCode:
    """Parse a 15-digit grid code: a valid village code plus a sequence 001–999."""
    _require_digits(code, 15, "grid code")
    village = code[:12]
    try:
        parsed = parse_area_code(village)
    except InvalidCode as exc:
        raise InvalidCode(f'grid code "{code}": village part is not valid: {exc.message}') from exc
    if parsed.level != "village":
        raise InvalidCode(
            f'grid code "{code}": village part "{village}" is a {parsed.level} code; '
            "expected a village code (last 3 digits not 000)"
        )
    seq = code[12:]
    if seq == "000":
        raise InvalidCode(f'grid code "{code}": sequence part is "000"; expected 001-999')
    return GridCode(code=code, village_code=village, sequence=int(seq))


def grid_code(village_code: str, seq: int) -> str:
    """Return the grid code of sequence ``seq`` (1–999) in ``village_code``."""
    parsed = parse_area_code(village_code)
    if parsed.level != "village":
        raise InvalidCode(
            f'"{village_code}" is a {parsed.level} code; a grid code needs a village code'
        )
    if isinstance(seq, bool) or not isinstance(seq, int | np.integer) or not 1 <= seq <= 999:
        raise InvalidCode(f"grid sequence {seq!r} is expected to be an integer from 1 to 999")
    return f"{village_code}{int(seq):03d}"


def reading_order(geoms: Sequence[BaseGeometry]) -> list[int]:
    """Return the indices of ``geoms`` in reading order: north→south bands, west→east inside.

    Each geometry is represented by its ``point_on_surface``. The band height ``h`` is the
    median height (``maxy - miny`` of the bounds) of the geometries. Bands are formed greedily:
    the northernmost representative point not yet placed opens a band, and every unplaced point
    whose y lies within ``h / 2`` below it (``y > y_open - h / 2``) joins that band. So a band is
    a strip of height ``h`` centred on the point that opened it. Inside a band, points are
    ordered by x (west→east), ties broken by y (north first) and then by input position. Works
    in any CRS whose y axis points north (lon/lat or a projected CRS).
    """
    if len(geoms) == 0:
        return []
    arr = np.asarray(list(geoms), dtype=object)
    if any(g is None or not isinstance(g, BaseGeometry) for g in arr):
        raise ValueError("`geoms` contains an item that is not a shapely geometry")
    if shapely.is_empty(arr).any():
        bad = int(np.flatnonzero(shapely.is_empty(arr))[0])
        raise ValueError(f"`geoms[{bad}]` is empty; every grid needs a geometry")
    pts = shapely.point_on_surface(arr)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    bounds = shapely.bounds(arr)
    half = float(np.median(bounds[:, 3] - bounds[:, 1])) / 2.0
    remaining = sorted(range(len(arr)), key=lambda i: (-y[i], x[i], i))
    order: list[int] = []
    while remaining:
        top = y[remaining[0]]
        band = [i for i in remaining if y[i] > top - half or i == remaining[0]]
        taken = set(band)
        remaining = [i for i in remaining if i not in taken]
        order.extend(sorted(band, key=lambda i: (x[i], -y[i], i)))
    return order


def number_grids(village_code: str, geoms: Sequence[BaseGeometry], *, start: int = 1) -> list[str]:
    """Return grid codes for ``geoms`` (aligned with the input), numbered in reading order.

    The first geometry in :func:`reading_order` gets sequence ``start``, the next ``start + 1``
    and so on; raises :class:`InvalidCode` if a sequence would pass 999.
    """
    order = reading_order(geoms)
    if order and start + len(order) - 1 > 999:
        raise InvalidCode(
            f"village {village_code} would need grid sequences up to {start + len(order) - 1}; "
            "a grid code holds at most 999 grids per village"
        )
    codes = [""] * len(order)
    for rank, i in enumerate(order):
        codes[i] = grid_code(village_code, start + rank)
    return codes


@dataclass(frozen=True)
class CameraId:
    """A parsed GB/T 28181 20-digit device id of a camera."""

    id: str
    centre: str  # 8 digits
    province: str
    city: str
    county: str
    base_unit: str
    industry: str  # 2 digits
    type_code: str  # "131" or "132"
    network: str  # 1 digit
    sequence: str  # 6 digits

    @property
    def network_name(self) -> str:
        """The kind of network the device sits on (Chinese name from the standard)."""
        return NETWORK_CODES[self.network]


def parse_camera_id(camera_id: str) -> CameraId:
    """Parse and validate a 20-digit GB/T 28181 camera id (type code 131 or 132)."""
    _require_digits(camera_id, 20, "camera id")
    _check_province(camera_id, "camera id")
    type_code = camera_id[10:13]
    if type_code not in CAMERA_TYPE_CODES:
        raise InvalidCode(
            f'camera id "{camera_id}": type part (digits 11-13) is "{type_code}"; '
            'expected "131" (摄像机, camera) or "132" (网络摄像机, IPC)'
        )
    return CameraId(
        id=camera_id,
        centre=camera_id[:8],
        province=camera_id[:2],
        city=camera_id[2:4],
        county=camera_id[4:6],
        base_unit=camera_id[6:8],
        industry=camera_id[8:10],
        type_code=type_code,
        network=camera_id[13],
        sequence=camera_id[14:],
    )


def make_camera_id(centre8: str, industry: str, type_code: str, network: str, seq: int) -> str:
    """Compose a camera id from its parts, validating each one."""
    _require_digits(centre8, 8, "camera centre code")
    _check_province(centre8, "camera centre code")
    _require_digits(industry, 2, "camera industry code")
    if type_code not in CAMERA_TYPE_CODES:
        raise InvalidCode(
            f'camera type code "{type_code}" is expected to be "131" (camera) or "132" (IPC)'
        )
    _require_digits(network, 1, "camera network code")
    if isinstance(seq, bool) or not isinstance(seq, int | np.integer) or not 0 <= seq <= 999999:
        raise InvalidCode(f"camera sequence {seq!r} is expected to be an integer 0-999999")
    return parse_camera_id(f"{centre8}{industry}{type_code}{network}{int(seq):06d}").id
