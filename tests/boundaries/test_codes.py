import random

import pytest
import shapely
from shapely.geometry import box

from boundaries.codes import (
    area_level,
    grid_code,
    make_camera_id,
    number_grids,
    parent_code,
    parse_area_code,
    parse_camera_id,
    parse_grid_code,
    reading_order,
    significant_prefix,
)
from boundaries.errors import InvalidCode


@pytest.mark.parametrize(
    ("code", "level", "parent", "prefix"),
    [
        ("510116000000", "county", None, "510116"),
        ("510116001000", "town", "510116000000", "510116001"),
        ("510116001001", "village", "510116001000", "510116001001"),
        ("510116108203", "village", "510116108000", "510116108203"),
    ],
)
def test_area_code_levels_parents_and_prefixes(code, level, parent, prefix):
    parsed = parse_area_code(code)
    assert parsed.level == level == area_level(code)
    assert (parsed.county, parsed.town, parsed.village) == (code[:6], code[6:9], code[9:])
    assert parent_code(code) == parent
    assert significant_prefix(code) == prefix


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("51011600100", ["12 digits"]),
        ("5101160010011", ["12 digits"]),
        ("51011600100a", ["12 digits"]),
        ("５１０１１６００１００１", ["12 digits"]),  # full-width digits
        ("990116001001", ["province part", '"99"']),
        ("510116000001", ["town part", '"000"', "village part", '"001"']),
    ],
)
def test_malformed_area_codes_are_rejected_naming_the_part(code, words):
    with pytest.raises(InvalidCode) as exc:
        parse_area_code(code)
    for word in words:
        assert word in exc.value.message


def test_area_code_that_is_not_a_string_is_rejected():
    with pytest.raises(InvalidCode, match="int"):
        parse_area_code(510116001001)


def test_grid_code_roundtrip():
    code = grid_code("510116001001", 7)
    assert code == "510116001001007"
    parsed = parse_grid_code(code)
    assert (parsed.village_code, parsed.sequence) == ("510116001001", 7)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("51011600100100", ["15 digits"]),
        ("510116001001000", ["sequence part", '"000"']),
        ("510116001000001", ["village part", "town code"]),
        ("510116000000001", ["village part", "county code"]),
        ("990116001001001", ["village part", "province part"]),
    ],
)
def test_malformed_grid_codes_are_rejected_naming_the_part(code, words):
    with pytest.raises(InvalidCode) as exc:
        parse_grid_code(code)
    for word in words:
        assert word in exc.value.message


@pytest.mark.parametrize(
    ("village", "seq"),
    [("510116001000", 1), ("510116001001", 0), ("510116001001", 1000), ("510116001001", 1.0)],
)
def test_grid_code_rejects_bad_parts(village, seq):
    with pytest.raises(InvalidCode):
        grid_code(village, seq)


def _block_layout():
    """3 x 3 blocks of unequal widths and heights; returns (geoms, row, col)."""
    widths = [100.0, 150.0, 80.0]
    heights = [120.0, 90.0, 110.0]  # row 0 is the northernmost
    geoms, rows, cols = [], [], []
    top = 1000.0
    for r, h in enumerate(heights):
        left = 0.0
        for c, w in enumerate(widths):
            geoms.append(box(left, top - h, left + w, top))
            rows.append(r)
            cols.append(c)
            left += w
        top -= h
    return geoms, rows, cols


def test_number_grids_reads_north_to_south_then_west_to_east():
    geoms, rows, cols = _block_layout()
    order = list(range(9))
    random.Random(4).shuffle(order)
    shuffled = [geoms[i] for i in order]
    codes = number_grids("510116001001", shuffled)
    for pos, i in enumerate(order):
        expected_seq = rows[i] * 3 + cols[i] + 1
        assert codes[pos] == f"510116001001{expected_seq:03d}"


def test_reading_order_tolerates_uneven_row_tops():
    # the middle block of the top row sits 30 m lower than its neighbours (less than half the
    # median height 100), so it still belongs to the top row
    geoms = [
        box(0, 0, 100, 100),
        box(100, -30, 200, 70),
        box(200, 0, 300, 100),
        box(0, -100, 100, 0),
        box(100, -130, 200, -30),
        box(200, -100, 300, 0),
    ]
    assert reading_order(geoms) == [0, 1, 2, 3, 4, 5]


def test_number_grids_start_and_limit():
    geoms, _, _ = _block_layout()
    codes = number_grids("510116001001", geoms, start=10)
    assert sorted(int(c[-3:]) for c in codes) == list(range(10, 19))
    with pytest.raises(InvalidCode, match="999"):
        number_grids("510116001001", geoms, start=995)


def test_number_grids_rejects_empty_geometry():
    with pytest.raises(ValueError, match=r"geoms\[1\]"):
        number_grids("510116001001", [box(0, 0, 1, 1), shapely.Polygon()])


def test_camera_id_parts():
    cid = make_camera_id("51011600", "01", "132", "6", 42)
    assert cid == "51011600011326000042"
    parsed = parse_camera_id(cid)
    assert (parsed.province, parsed.city, parsed.county, parsed.base_unit) == (
        "51",
        "01",
        "16",
        "00",
    )
    assert (parsed.industry, parsed.type_code, parsed.network, parsed.sequence) == (
        "01",
        "132",
        "6",
        "000042",
    )
    assert parsed.network_name == "政务网"


@pytest.mark.parametrize(
    ("cid", "words"),
    [
        ("5101160001131000001", ["20 digits"]),
        ("510116000113100000123", ["20 digits"]),
        ("51011600011310000A12", ["20 digits"]),
        ("99011600001310000001", ["province part", '"99"']),
        ("51011600001180000001", ["type part", '"118"', "131", "132"]),
    ],
)
def test_malformed_camera_ids_are_rejected_naming_the_part(cid, words):
    with pytest.raises(InvalidCode) as exc:
        parse_camera_id(cid)
    for word in words:
        assert word in exc.value.message


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("5101160", "00", "131", "0", 1), "centre code"),
        (("51011600", "0", "131", "0", 1), "industry code"),
        (("51011600", "00", "133", "0", 1), "type code"),
        (("51011600", "00", "131", "10", 1), "network code"),
        (("51011600", "00", "131", "0", 1_000_000), "sequence"),
    ],
)
def test_make_camera_id_rejects_bad_parts(args, word):
    with pytest.raises(InvalidCode, match=word):
        make_camera_id(*args)
