"""The layers served as vector tiles, and the SQL that renders one tile of each.

Identifiers in the SQL come from the constants here, never from a request; the request's
values (zoom, column, row, jurisdiction) are bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from boundaries.errors import NotFound
from gis_api.schema.fields import DETAIL, KEY, PARENT, Layer
from gis_api.schema.layers import ADMIN_AREAS, GRIDS

EXTENT = 4096
BUFFER = 64


@dataclass(frozen=True)
class TileLayerSpec:
    """One layer drawn as tiles: the declared layer, which of its fields (by role) a tile
    carries, and the zooms it is drawn at.
    """

    name: str
    layer: Layer
    roles: tuple[str, ...]
    where: str
    """A fixed SQL condition (current versions only, which levels at which zoom)."""
    minzoom: int
    maxzoom: int = 22
    id_column: str | None = None

    @property
    def table(self) -> str:
        """The layer's table."""
        return self.layer.table

    @property
    def area_column(self) -> str:
        """The column whose code prefix the jurisdiction filters on."""
        return self.layer.area_field

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(column, SQL type) of every property a tile may carry, in order."""
        return self.visible_columns(personal=True)

    def visible_columns(self, *, personal: bool) -> tuple[tuple[str, str], ...]:
        """The properties a caller may see (personal ones only with the right role)."""
        fields = self.layer.select(self.roles, personal=personal, stored=True)
        return tuple((f.name, f.type) for f in fields)


TILE_LAYERS: dict[str, TileLayerSpec] = {
    spec.name: spec
    for spec in (
        TileLayerSpec(
            name="grids",
            layer=GRIDS,
            roles=(KEY, PARENT, DETAIL),
            where="valid_to IS NULL",
            minzoom=10,
            id_column="id",
        ),
        TileLayerSpec(
            name="areas",
            layer=ADMIN_AREAS,
            roles=(KEY, DETAIL),
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
