"""The layers served as vector tiles, and the SQL that renders one tile of each.

Identifiers in the SQL come from the constants here, never from a request; the request's
values (zoom, column, row, jurisdiction) are bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from boundaries.errors import NotFound

EXTENT = 4096
BUFFER = 64


@dataclass(frozen=True)
class TileLayerSpec:
    """One layer: its table, the properties a tile carries, and the zooms it is drawn at."""

    name: str
    table: str
    columns: tuple[tuple[str, str], ...]
    """(column, SQL type) of the properties in a tile, in order."""
    area_column: str
    where: str
    """A fixed SQL condition (current versions only, which levels at which zoom)."""
    minzoom: int
    maxzoom: int = 22
    personal: tuple[str, ...] = ()
    id_column: str | None = None

    def visible_columns(self, *, personal: bool) -> tuple[tuple[str, str], ...]:
        """The properties a caller may see (personal ones only with the right role)."""
        return tuple(c for c in self.columns if personal or c[0] not in self.personal)


TILE_LAYERS: dict[str, TileLayerSpec] = {
    spec.name: spec
    for spec in (
        TileLayerSpec(
            name="grids",
            table="grids",
            columns=(
                ("code", "text"),
                ("name", "text"),
                ("kind", "text"),
                ("village_code", "text"),
                ("households", "integer"),
                ("population", "integer"),
                ("leader_name", "text"),
                ("leader_phone", "text"),
            ),
            area_column="code",
            where="valid_to IS NULL",
            minzoom=10,
            personal=("leader_phone",),
            id_column="id",
        ),
        TileLayerSpec(
            name="areas",
            table="admin_areas",
            columns=(("code", "text"), ("name", "text"), ("level", "text"), ("kind", "text")),
            area_column="code",
            # counties at every zoom, towns from 7, villages and communities from 10
            where="(level = 'county' OR (level = 'town' AND :z >= 7) "
            "OR (level = 'village' AND :z >= 10))",
            minzoom=0,
        ),
    )
}


def get_layer(name: str) -> TileLayerSpec:
    """The layer, or ``NotFound`` naming the ones there are."""
    spec = TILE_LAYERS.get(name)
    if spec is None:
        raise NotFound(f"no tile layer {name!r}; layers are {', '.join(TILE_LAYERS)}")
    return spec


def _select_list(spec: TileLayerSpec, *, personal: bool, source: str) -> str:
    names = [f"{source}.{column}" for column, _ in spec.visible_columns(personal=personal)]
    if spec.id_column:
        names.append(f"{source}.{spec.id_column} AS fid")
    return ", ".join(names)


def _mvt(spec: TileLayerSpec) -> str:
    fid = ", 'fid'" if spec.id_column else ""
    return f"ST_AsMVT(t, '{spec.name}', {EXTENT}, 'geom'{fid})"


def tile_sql(spec: TileLayerSpec, *, personal: bool) -> str:
    """One tile straight from the table (storage coordinates shown as they are)."""
    return f"""
        WITH env AS (
            SELECT ST_TileEnvelope(:z, :x, :y) AS merc,
                   ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4490) AS geo
        )
        SELECT {_mvt(spec)} FROM (
            SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), env.merc, {EXTENT}, {BUFFER}, true)
                       AS geom,
                   {_select_list(spec, personal=personal, source="s")}
            FROM {spec.table} s, env
            WHERE s.geom && env.geo AND {spec.where}
              AND s.{spec.area_column} LIKE :prefix
        ) t WHERE t.geom IS NOT NULL
    """


def rows_sql(spec: TileLayerSpec, *, personal: bool) -> str:
    """The features near a box (lon/lat, storage), with WKB, for tiles drawn shifted."""
    columns = _select_list(spec, personal=personal, source="s")
    return f"""
        SELECT ST_AsBinary(s.geom) AS wkb, {columns}
        FROM {spec.table} s
        WHERE s.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4490) AND {spec.where}
          AND s.{spec.area_column} LIKE :prefix
    """


def encode_sql(spec: TileLayerSpec, *, personal: bool) -> str:
    """Encode features given as JSON (hex WKB in lon/lat + properties) into one tile."""
    columns = spec.visible_columns(personal=personal)
    record = ", ".join(["wkb text", *(f"{c} {t}" for c, t in columns)])
    if spec.id_column:
        record += ", fid bigint"
    names = ", ".join([*(f"u.{c}" for c, _ in columns), *(["u.fid"] if spec.id_column else [])])
    return f"""
        SELECT {_mvt(spec)} FROM (
            SELECT ST_AsMVTGeom(
                       ST_Transform(ST_GeomFromWKB(decode(u.wkb, 'hex'), 4490), 3857),
                       ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true) AS geom,
                   {names}
            FROM json_to_recordset(CAST(:rows AS json)) AS u({record})
        ) t WHERE t.geom IS NOT NULL
    """
