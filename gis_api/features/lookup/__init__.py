"""Which grid is this point in: the in-memory read model, its refresh, and the PostGIS variant."""
