"""Vector tiles (Mapbox Vector Tile) rendered by PostGIS, versioned, cached per worker."""
