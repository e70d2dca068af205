"""Road networks: storage for pgRouting, the importer, the in-memory routing graph."""
