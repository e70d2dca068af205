"""OGC API – Features (Part 1, Core and GeoJSON), read-only, under /ogc."""
