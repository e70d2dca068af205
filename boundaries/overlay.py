"""Overlays that accept whatever an earlier overlay produced: empties and mixed collections.

GEOS cannot give a dimension to the intersection of a mixed-dimension GeometryCollection (a
road piece that is lines plus a touching point) with an empty geometry, nor to the difference
of an empty geometry and such a collection: it raises "Unable to determine overlay result
geometry dimension". Both answers are empty by definition, so these wrappers give them without
asking GEOS; every other pair goes to shapely unchanged. Use them wherever an operand may be
the output of another overlay or may be empty.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

GeomArray = NDArray[np.object_]

_EMPTY_OF_DIMENSION = {0: shapely.Point(), 1: shapely.LineString(), 2: shapely.Polygon()}
_TYPE_IDS_OF_DIMENSION = {0: (0, 4), 1: (1, 2, 5), 2: (3, 6)}
_SINGLE_TYPE_OF_DIMENSION = {0: 0, 1: 1, 2: 3}


def _pair(a: object, b: object) -> tuple[GeomArray, GeomArray, bool]:
    scalar = isinstance(a, shapely.Geometry) and isinstance(b, shapely.Geometry)
    left, right = np.broadcast_arrays(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return np.atleast_1d(left).ravel(), np.atleast_1d(right).ravel(), scalar


def _empty_like(dimensions: NDArray[np.int_]) -> GeomArray:
    return np.array(
        [_EMPTY_OF_DIMENSION.get(int(d), shapely.GeometryCollection()) for d in dimensions],
        dtype=object,
    )


def intersection(a: object, b: object) -> GeomArray | shapely.Geometry:
    """``shapely.intersection``, element-wise; an empty operand gives an empty result of the
    lower dimension of the two (as GEOS does when it can).
    """
    left, right, scalar = _pair(a, b)
    out = np.empty(len(left), dtype=object)
    empty = shapely.is_empty(left) | shapely.is_empty(right)
    out[~empty] = shapely.intersection(left[~empty], right[~empty])
    if empty.any():
        dims = np.minimum(shapely.get_dimensions(left[empty]), shapely.get_dimensions(right[empty]))
        out[empty] = _empty_like(dims)
    return out[0] if scalar else out


def difference(a: object, b: object) -> GeomArray | shapely.Geometry:
    """``shapely.difference``, element-wise; an empty operand on either side leaves ``a``."""
    left, right, scalar = _pair(a, b)
    out = left.copy()
    either = ~(shapely.is_empty(left) | shapely.is_empty(right))
    out[either] = shapely.difference(left[either], right[either])
    return out[0] if scalar else out


def parts_of_dimension(geoms: object, dimension: int) -> GeomArray:
    """Keep only the parts of ``dimension`` (0 points, 1 lines, 2 polygons) of each geometry,
    e.g. drop the lines and points an overlay leaves along shared edges. A geometry with one
    such part becomes that part, with several a Multi-geometry, with none an empty one.
    """
    values = np.asarray(geoms, dtype=object).ravel().copy()
    wanted = _TYPE_IDS_OF_DIMENSION[dimension]
    single = _SINGLE_TYPE_OF_DIMENSION[dimension]
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(values), wanted))
    for i in odd:
        parts = shapely.get_parts(values[i])
        while np.isin(shapely.get_type_id(parts), (4, 5, 6, 7)).any():
            parts = shapely.get_parts(parts)
        parts = parts[(shapely.get_type_id(parts) == single) & ~shapely.is_empty(parts)]
        if len(parts) == 1:
            values[i] = parts[0]
        elif len(parts) == 0:
            values[i] = _EMPTY_OF_DIMENSION[dimension]
        else:
            values[i] = {0: shapely.multipoints, 1: shapely.multilinestrings}.get(
                dimension, shapely.multipolygons
            )(parts)
    return values


def valid_polygons(geoms: object) -> GeomArray:
    """Each geometry, or where it is not valid, its polygonal part made valid (by structure).

    Projecting a valid polygon back from metres to degrees can make two rings that nearly
    touch cross by a rounding error; this repairs just those, and leaves valid ones as they are.
    """
    values = np.asarray(geoms, dtype=object).ravel().copy()
    bad = ~shapely.is_valid(values)
    if bad.any():
        fixed = shapely.make_valid(values[bad], method="structure", keep_collapsed=False)
        values[bad] = parts_of_dimension(fixed, 2)
    return values
